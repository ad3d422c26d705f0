"""`kacrm export KIND`: data out of kacrm as CSV (UTF-8 with BOM, or GB18030), JSON, XLSX or a
terminal table, always through the access rule of the acting user, and noted in the audit trail."""
from __future__ import annotations

import sys

import click

from kacrm_tui.cli import AppContext, cli, pass_app
from kacrm_tui.export_kinds import (FIGURES, KINDS, aging_sheet, balances_sheet, market_sheet, records_sheet,
                                    repayment_plans_sheet, segments_sheet, targets_sheet)
from kacrm_tui.i18n import t
from kacrm_tui.writers import Sheet, pick_format, write_book
from schema.errors import ValidationError
from schema.exports import RECORDS, ExportFilter
from schema.market import GROUPS as MARKET_GROUPS
from schema.reports_scope import Scope

FORMATS = click.Choice(["csv", "json", "xlsx", "table"])
DAY = click.DateTime(formats=["%Y-%m-%d"])
ENCODING = click.Choice(["utf-8", "gb18030"])


def _day(value):
    return value.date() if value else None


def market_groups(text: str) -> tuple[str, ...]:
    """The fields of --by, e.g. "region,channel"; a field outside MARKET_GROUPS is a user's mistake."""
    names = tuple(name.strip().lower() for name in text.split(",") if name.strip())
    wrong = [name for name in names if name not in MARKET_GROUPS]
    if wrong or not names:
        raise ValidationError(f"--by {text}: group by one or more of {', '.join(MARKET_GROUPS)}, "
                              "separated by commas.")
    return names


@cli.command("export")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xlsx", "table", "html"]),
              help="Default: by the --output suffix; else a table on a terminal, CSV for a pipe. html: statements only.")
@click.option("--output", "-o", metavar="PATH|-", help="Write to this file (default: standard output).")
@click.option("--encoding", type=ENCODING, default="utf-8", show_default=True,
              help="CSV text encoding: UTF-8 with the BOM Excel needs, or GB18030.")
@click.option("--as-of", type=DAY, help="Balances, aging, segments, targets, repayment plans and market as of this day "
                                         "(default today).")
@click.option("--rep", "--owner", "owner", metavar="LOGIN", help="Only this rep's customers.")
@click.option("--region", help="Only this region's customers.")
@click.option("--grade", type=click.Choice(["A", "B", "C"], case_sensitive=False), help="Only customers of this grade.")
@click.option("--segment", metavar="EI..EIV|PI..PIV", help="Only customers of this segment.")
@click.option("--customer", "codes", metavar="CODE", multiple=True, help="Only this customer (repeatable).")
@click.option("--since", type=DAY, help="Records dated on or after this day (orders, payments, visits, contracts, audit; "
                                         "customers and contacts: changed since; repayment plans: due).")
@click.option("--until", type=DAY, help="Records dated on or before this day.")
@click.option("--from", "date_from", type=DAY, help="Statement: the first day (default: the first of the month of --to).")
@click.option("--to", "date_to", type=DAY, help="Statement: the last day (default: --as-of, else today).")
@click.option("--period", metavar="2026|2026Q3|2026-07", help="Targets: those of this period.")
@click.option("--by", metavar="FIELD[,FIELD]", default="region", show_default=True,
              help=f"Market: group the customers by {', '.join(MARKET_GROUPS)}.")
@pass_app
def export(app: AppContext, kind: str, fmt, output, encoding, as_of, owner, region, grade, segment, codes,
           since, until, date_from, date_to, period, by) -> None:
    """Export KIND for the customers you may see: customers, contacts, visits, contracts, orders,
    payments, balances, aging, segments, targets, audit, approvals, repayment plans (回款计划: the
    open orders by when they are to be collected), market (市场: customers, sales, growth and share
    of potential per region or --by), or a customer's statement (对账单: --customer CODE --from DATE
    --to DATE, as XLSX or printable HTML)."""
    from schema import clock
    from schema.audit import record_export

    if since and until and since > until:
        raise ValidationError("--since is after --until; give a --since on or before --until.")
    segment = segment.upper() if segment else None
    if segment and segment not in ("EI", "EII", "EIII", "EIV", "PI", "PII", "PIII", "PIV"):
        raise ValidationError(f"--segment {segment}: use one of EI, EII, EIII, EIV, PI, PII, PIII, PIV.")
    if kind == "statement":
        _statement(app, codes, date_from, date_to or as_of, fmt, output, encoding)
        return
    if fmt == "html" or (fmt is None and pick_format(None, output) == "html"):
        raise ValidationError("HTML is for statements; use --format csv, json or xlsx.")
    rep = app.actor()
    scope = Scope(owner, tuple(codes), region, grade.upper() if grade else None, segment)
    f = ExportFilter(scope, _day(since), _day(until), app.config.ui.tzinfo)
    day = _day(as_of)
    if kind in RECORDS:
        sheet = records_sheet(kind, rep, f)
    elif kind == "balances":
        sheet = balances_sheet(rep, f, day)
    elif kind == "aging":
        sheet = aging_sheet(rep, app.config, scope, day)
    elif kind == "segments":
        sheet = segments_sheet(rep, app.config, scope, day)
    elif kind == "repayment_plans":
        sheet = repayment_plans_sheet(rep, app.config, f, day)
    elif kind == "market":
        sheet = market_sheet(rep, scope, day, market_groups(by))
    else:
        sheet = targets_sheet(rep, as_of=day, period=period, owner=owner)
    rows = write_out_book([sheet], fmt, output, encoding)
    record_export(rep, kind=kind, rows=rows,
                  filters={"format": pick_format(fmt, output), "output": output, "encoding": encoding,
                           "as_of": day or (clock.today() if kind in FIGURES else None),
                           "rep": owner, "region": region, "grade": grade, "segment": segment,
                           "customer": ",".join(codes), "since": _day(since), "until": _day(until), "period": period,
                           "by": by if kind == "market" else None})


def _statement(app: AppContext, codes, date_from, date_to, fmt, output, encoding) -> None:
    from schema import clock
    from kacrm_tui.statement_out import export_statement

    if len(codes) != 1:
        raise ValidationError("A statement is for one customer: give --customer CODE.")
    end = _day(date_to) or clock.today()
    start = _day(date_from) or end.replace(day=1)
    try:
        export_statement(app, code=codes[0], date_from=start, date_to=end, fmt=fmt, output=output, encoding=encoding)
    except ValueError as exc:
        raise ValidationError(f"{exc}.") from None
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        raise ValidationError(f"Cannot write {output}: {exc.strerror}.") from None


def write_out_book(sheets: list[Sheet], fmt: str | None, output: str | None, encoding: str | None = None) -> int:
    """Sheets out in the format asked for (or the one that suits where they go); returns the rows
    written. A path that cannot be written is the user's mistake, in one sentence."""
    try:
        rows = write_book(sheets, fmt=pick_format(fmt, output), output=output, encoding=encoding or "utf-8")
    except ValueError as exc:
        raise ValidationError(f"{exc}.") from None
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise ValidationError(f"Cannot write {output}: {exc.strerror}.") from None
    if output not in (None, "-") and sys.stderr.isatty():
        click.echo(t("export.written", rows=f"{rows:,}", path=output), err=True)
    return rows


def write_out(columns, rows, fmt: str | None, output: str | None, money=(), *, name: str = "report",
              encoding: str | None = None) -> int:
    """One table of rows out; see `write_out_book`."""
    return write_out_book([Sheet(name, columns, rows, money)], fmt, output, encoding)
