"""`kacrm report KIND`: the figures of DESIGN §5 per customer, through the access rule of the acting
user, as a table on a terminal or CSV/JSON/XLSX for a pipe or a file."""
from __future__ import annotations

import datetime as dt

import click

from kacrm_tui.cli import AppContext, cli, pass_app
from kacrm_tui.cli_export import FORMATS, write_out
from kacrm_tui.i18n import language, t
from schema.money import format_money
from schema.reports_scope import Scope


@cli.group("report")
def report() -> None:
    """Figures per customer: aging, DSO."""


def _scope_options(command):
    """--as-of, --rep, --customer, --region, --format and --output, as every report takes them."""
    for option in reversed((
        click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="As of this day (default today)."),
        click.option("--rep", "owner", metavar="LOGIN", help="Only this rep's customers."),
        click.option("--customer", "codes", metavar="CODE", multiple=True, help="Only this customer (repeatable)."),
        click.option("--region", help="Only this region's customers."),
        click.option("--format", "fmt", type=FORMATS, help="Default: a table on a terminal, CSV for a pipe or file."),
        click.option("--output", "-o", metavar="PATH|-", help="Write to this file (default: standard output)."),
    )):
        command = option(command)
    return command


def _day(value) -> dt.date | None:
    return value.date() if value else None


def _base_columns() -> list[tuple[str, str]]:
    return [("code", t("col.code")), ("name", t("col.customer_name")), ("owner", t("col.owner")),
            ("region", t("col.region"))]


def _bucket_title(name: str) -> str:
    if name == "not_due":
        return t("col.not_due")
    return f"{name}{'天' if language() == 'zh' else ' days'}"


@report.command("aging")
@_scope_options
@pass_app
def aging_report(app: AppContext, as_of, owner, codes, region, fmt, output) -> None:
    """Open amounts by days past due, with unapplied credit beside them (buckets + credit = balance)."""
    from schema.aging import aging

    names = app.config.aging.bucket_names
    columns = [*_base_columns(), *((name, _bucket_title(name)) for name in names),
               ("unapplied_credit", t("col.unapplied_credit")), ("balance", t("col.balance"))]
    rows = ({"code": r.code, "name": r.name, "owner": r.owner, "region": r.region,
             **{name: format_money(r.buckets[name]) for name in names},
             "unapplied_credit": format_money(-r.unapplied_credit_cents), "balance": format_money(r.balance_cents)}
            for r in aging(app.actor(), app.config.aging, Scope(owner, codes, region), as_of=_day(as_of)))
    write_out(columns, rows, fmt, output, (*names, "unapplied_credit", "balance"))


@report.command("dso")
@_scope_options
@click.option("--method", type=click.Choice(["standard", "countback"]), help="Default: [dso] method in config.")
@click.option("--days", type=click.IntRange(1, 3660), help="The standard method's window (default: [dso] days).")
@pass_app
def dso_report(app: AppContext, as_of, owner, codes, region, fmt, output, method, days) -> None:
    """Days sales outstanding per customer, by the standard or the countback method."""
    from schema.dso import dso

    method = method or app.config.dso.method
    columns = [*_base_columns(), ("balance", t("col.balance")), ("sales", t("col.sales")),
               ("dso_days", t("col.dso_days")), ("method", t("col.method")), ("lower_bound", t("col.lower_bound"))]
    rows = ({"code": r.code, "name": r.name, "owner": r.owner, "region": r.region,
             "balance": format_money(r.balance_cents), "sales": format_money(r.sales_cents),
             "dso_days": None if r.dso_days is None else str(r.dso_days), "method": r.method,
             "lower_bound": r.lower_bound}
            for r in dso(app.actor(), Scope(owner, codes, region), method=method, days=days or app.config.dso.days,
                         as_of=_day(as_of)))
    write_out(columns, rows, fmt, output, ("balance", "sales"))
