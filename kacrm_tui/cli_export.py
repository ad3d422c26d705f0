"""`kacrm export KIND`: data out of kacrm as CSV (UTF-8 with BOM), JSON, XLSX or a terminal table,
always through the access rule of the acting user."""
from __future__ import annotations

import datetime as dt

import click

from kacrm_tui.cli import AppContext, cli, pass_app
from kacrm_tui.i18n import t
from kacrm_tui.writers import pick_format, write_rows
from schema.errors import ValidationError
from schema.money import format_money

FORMATS = click.Choice(["csv", "json", "xlsx", "table"])


def _balances(app: AppContext, as_of: dt.date | None, owner: str | None, region: str | None):
    from schema.balances import balances

    columns = [(key, t(f"col.{key}" if key != "name" else "col.customer_name"))
               for key in ("code", "name", "owner", "region", "balance", "credit_limit", "unapplied_credit", "overdue")]
    rows = ({"code": r.code, "name": r.name, "owner": r.owner, "region": r.region,
             "balance": format_money(r.balance_cents), "credit_limit": format_money(r.credit_limit_cents),
             "unapplied_credit": format_money(r.unapplied_credit_cents), "overdue": format_money(r.overdue_cents)}
            for r in balances(app.actor(), as_of=as_of, owner=owner, region=region))
    return columns, rows, ("balance", "credit_limit", "unapplied_credit", "overdue")


EXPORTS = {"balances": _balances}


@cli.command("export")
@click.argument("kind", type=click.Choice(sorted(EXPORTS)))
@click.option("--format", "fmt", type=FORMATS, help="Default: a table on a terminal, CSV for a pipe or file.")
@click.option("--output", "-o", metavar="PATH|-", help="Write to this file (default: standard output).")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Figures as of this day (default today).")
@click.option("--owner", metavar="LOGIN", help="Only this rep's customers.")
@click.option("--region", help="Only this region's customers.")
@pass_app
def export(app: AppContext, kind: str, fmt: str | None, output: str | None, as_of, owner, region) -> None:
    """Export KIND (balances) for the customers you may see."""
    columns, rows, money = EXPORTS[kind](app, as_of.date() if as_of else None, owner, region)
    write_out(columns, rows, fmt, output, money)


def write_out(columns, rows, fmt: str | None, output: str | None, money) -> None:
    """Rows out in the format asked for (or the one that suits where they go); a path that
    cannot be written is the user's mistake, in one sentence."""
    try:
        write_rows(columns, rows, fmt=pick_format(fmt, output), output=output, money=money)
    except ValueError as exc:
        raise ValidationError(f"{exc}.") from None
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise ValidationError(f"Cannot write {output}: {exc.strerror}.") from None
