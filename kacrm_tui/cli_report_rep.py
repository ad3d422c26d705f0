"""`kacrm report weekly` and `kacrm report daily`: a rep's week (周报) and day (日报), through the
access rule, as a table on a terminal or CSV/JSON/XLSX for a pipe or a file.

The weekly report is a book of three parts: `summary`, `next_week_visits`, `follow_ups`. The
summary has one row per figure, with a column per kind of quantity (count, amount, target,
percent, elapsed percent, note): every column holds one type, so Excel shows the amounts as money
and the counts as numbers and can sum them, and it reads down like a report card; a single row
with a column per figure would run off the right of the sheet and of a terminal."""
from __future__ import annotations

import datetime as dt

import click

from kacrm_tui.cli import AppContext, pass_app
from kacrm_tui.cli_export import ENCODING, FORMATS, write_out, write_out_book
from kacrm_tui.cli_report import report
from kacrm_tui.i18n import language, t
from kacrm_tui.writers import Sheet, pick_format
from schema.money import format_money

FORMAT_HELP = "Default: by the --output suffix; else a table on a terminal, CSV for a pipe."


def _local(at: dt.datetime, table: bool = False, shown: str = "%Y-%m-%d %H:%M") -> dt.datetime | str:
    """A local time as Excel holds it (the wall time, without a zone); on a terminal, as `shown`."""
    return at.strftime(shown) if table else at.replace(tzinfo=None)


def _today(app: AppContext) -> dt.date:
    from schema import clock

    return clock.now().astimezone(app.config.ui.tzinfo).date()


def _summary_rows(r) -> list[dict]:
    target = r.month_target
    rows = [
        ("rep", {"note": f"{r.rep.name} ({r.rep.login})"}),
        ("week", {"note": t("weekly.week_note", label=r.week.label, start=r.week.start.isoformat(),
                            end=r.week.end.isoformat())}),
        ("collections", {"count": r.collections_count, "amount": format_money(r.collections_cents)}),
        ("orders", {"count": r.orders_count, "amount": format_money(r.orders_cents)}),
        ("returns", {"count": r.returns_count, "amount": format_money(r.returns_cents)}),
        ("sales", {"amount": format_money(r.sales_cents)}),
        ("month_target", {"note": t("weekly.no_target", month=r.month.name)} if target is None else
         {"amount": format_money(target.actual), "target": format_money(target.target.value),
          "percent": None if target.percent is None else str(target.percent),
          "elapsed_percent": str(target.elapsed_percent), "note": r.month.name}),
        ("visits_planned", {"count": r.visits_planned}),
        ("visits_done", {"count": r.visits_done,
                         "percent": None if r.visits_done_percent is None else str(r.visits_done_percent)}),
    ]
    return [{"figure": key, "label": t(f"weekly.{key}"), "count": None, "amount": None, "target": None,
             "percent": None, "elapsed_percent": None, "note": "", **values} for key, values in rows]


def weekly_sheets(r, *, table: bool = False) -> list[Sheet]:
    """The three parts of a weekly report. For a `table` on a terminal, each gets its heading in the
    user's language (files keep the stable names) and times are short text."""
    from schema import vocab

    lang = language()
    summary = Sheet("summary", [("figure", t("col.figure_key")), ("label", t("col.figure")),
                                ("count", t("col.count")), ("amount", t("col.amount")), ("target", t("col.target")),
                                ("percent", t("col.attainment")), ("elapsed_percent", t("col.elapsed")),
                                ("note", t("col.note"))],
                    _summary_rows(r), money=("amount", "target"))
    upcoming = Sheet("next_week_visits", [("at", t("visit.time")), ("code", t("col.code")),
                                          ("name", t("col.customer_name")), ("kind", t("visit.kind")),
                                          ("purpose", t("visit.purpose"))],
                     [{"at": _local(v.at, table), "code": v.code, "name": v.customer,
                       "kind": vocab.label(vocab.VISIT_KINDS, v.kind, lang), "purpose": v.purpose}
                      for v in r.next_week])
    follow_ups = Sheet("follow_ups", [("follow_up_on", t("visit.follow_up_on")), ("code", t("col.code")),
                                      ("name", t("col.customer_name")), ("next_step", t("visit.next_step")),
                                      ("overdue", t("col.overdue")), ("visited_on", t("col.visited_on"))],
                       [{"follow_up_on": f.due, "code": f.code, "name": f.customer, "next_step": f.next_step,
                         "overdue": f.overdue, "visited_on": f.visited.date()} for f in r.follow_ups])
    sheets = [summary, upcoming, follow_ups]
    if table:
        for sheet in sheets:
            sheet.title = t(f"weekly.{sheet.name}")
    return sheets


@report.command("weekly")
@click.option("--rep", "login", metavar="LOGIN",
              help="The rep (default: you). A manager may name the reps they manage.")
@click.option("--week", metavar="2026-W47|DATE", help="An ISO week, or a day in it (default: this week). "
                                                      "Weeks start on [targets] week_start.")
@click.option("--format", "fmt", type=FORMATS, help=FORMAT_HELP)
@click.option("--output", "-o", metavar="PATH|-", help="Write to this file (default: standard output).")
@click.option("--encoding", type=ENCODING, default="utf-8", show_default=True, help="CSV text encoding.")
@pass_app
def weekly_report(app: AppContext, login, week, fmt, output, encoding) -> None:
    """A rep's week: collections, orders and returns, net sales, the month's sales target, visits
    done against planned, next week's planned visits and the follow-ups due."""
    from schema.rep_reports import parse_week, rep_for_report, week_of, weekly

    actor = app.actor()
    rep = rep_for_report(actor, login)
    today, start = _today(app), app.config.targets.weekday
    chosen = parse_week(week, start) if week else week_of(today, start)
    found = weekly(actor, rep, chosen, tz=app.config.ui.tzinfo, today=today)
    write_out_book(weekly_sheets(found, table=pick_format(fmt, output) == "table"), fmt, output, encoding)


@report.command("daily")
@click.option("--rep", "login", metavar="LOGIN",
              help="The rep (default: you; a manager without it: every rep you see).")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), help="The day (default today).")
@click.option("--format", "fmt", type=FORMATS, help=FORMAT_HELP)
@click.option("--output", "-o", metavar="PATH|-", help="Write to this file (default: standard output).")
@click.option("--encoding", type=ENCODING, default="utf-8", show_default=True, help="CSV text encoding.")
@pass_app
def daily_report(app: AppContext, login, day, fmt, output, encoding) -> None:
    """The day's visits, done and planned, with the contacts met, what was agreed (承诺), the next
    step and the follow-up date."""
    from schema import vocab
    from schema.rep_reports import daily, rep_for_report

    actor = app.actor()
    rep = rep_for_report(actor, login) if login else None
    lang, table = language(), pick_format(fmt, output) == "table"
    joiner = "、" if lang == "zh" else ", "
    columns = [("rep", t("col.rep")), ("at", t("visit.time")), ("code", t("col.code")),
               ("name", t("col.customer_name")), ("kind", t("visit.kind")), ("status", t("visit.status")),
               ("contacts", t("col.contacts_met")), ("purpose", t("visit.purpose")), ("summary", t("visit.summary")),
               ("commitment", t("visit.commitment")), ("next_step", t("visit.next_step")),
               ("follow_up_on", t("visit.follow_up_on"))]
    rows = ({"rep": v.rep, "at": _local(v.at, table, "%H:%M"), "code": v.code, "name": v.customer,
             "kind": vocab.label(vocab.VISIT_KINDS, v.kind, lang),
             "status": vocab.label(vocab.VISIT_STATUSES, v.status, lang), "contacts": joiner.join(v.contacts),
             "purpose": v.purpose, "summary": v.summary, "commitment": v.commitment, "next_step": v.next_step,
             "follow_up_on": v.follow_up_on}
            for v in daily(actor, day.date() if day else _today(app), tz=app.config.ui.tzinfo, rep=rep))
    write_out(columns, rows, fmt, output, name="daily_visits", encoding=encoding)
