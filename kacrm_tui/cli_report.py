"""`kacrm report KIND`: the figures of DESIGN §5 per customer, through the access rule of the acting
user, as a table on a terminal or CSV/JSON/XLSX for a pipe or a file."""
from __future__ import annotations

import datetime as dt

import click

from kacrm_tui.cli import AppContext, cli, pass_app
from kacrm_tui.cli_export import FORMATS, market_groups, write_out, write_out_book
from kacrm_tui.export_kinds import aging_sheet, arrears_sheet, market_sheet, segments_sheet, targets_sheet
from kacrm_tui.i18n import language, t
from schema.money import format_money
from schema.reports_scope import Scope
from schema.vocab import TARGET_METRICS


@cli.group("report")
def report() -> None:
    """Figures: aging, arrears, DSO, market, segments, targets, funnel, risk, bonus, rep reports."""


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


@report.command("aging")
@_scope_options
@pass_app
def aging_report(app: AppContext, as_of, owner, codes, region, fmt, output) -> None:
    """Open amounts by days past due, with unapplied credit beside them (buckets + credit = balance)."""
    write_out_book([aging_sheet(app.actor(), app.config, Scope(owner, codes, region), _day(as_of))], fmt, output)


@report.command("arrears")
@_scope_options
@click.option("--min-days", type=click.IntRange(1, 3660), default=1, show_default=True,
              help="Only money at least this many days past due.")
@pass_app
def arrears_report(app: AppContext, as_of, owner, codes, region, fmt, output, min_days) -> None:
    """Customers with money past due (欠款), the most first: how much, since when, the balance beside
    the credit limit, and the last payment."""
    write_out_book([arrears_sheet(app.actor(), Scope(owner, codes, region), _day(as_of), min_days)], fmt, output)


@report.command("market")
@_scope_options
@click.option("--by", metavar="FIELD[,FIELD]", default="region", show_default=True,
              help="Group the customers by region, channel, industry, nature, grade, lifecycle or owner.")
@pass_app
def market_report(app: AppContext, as_of, owner, codes, region, fmt, output, by) -> None:
    """The market (市场) per region (or --by channel, industry…): customers, active and new ones, sales
    over the last twelve months against the twelve before, share of the sales, and share of the
    customers' purchase potential."""
    write_out_book([market_sheet(app.actor(), Scope(owner, codes, region), _day(as_of), market_groups(by))],
                   fmt, output)


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


def _percent(value) -> str | None:
    return None if value is None else str(value)


@report.command("segments")
@_scope_options
@click.option("--moves", nargs=2, metavar="FROM TO", help="Who changed class between two refreshed periods, e.g. 2026Q2 2026Q3.")
@click.option("--by", "what", type=click.Choice(["segment", "abc_class", "strategy"]), default="segment",
              show_default=True, help="With --moves: which class to compare.")
@pass_app
def segments_report(app: AppContext, as_of, owner, codes, region, fmt, output, moves, what) -> None:
    """ABC class, segment (EI–EIV, PI–PIV) and attack/defend strategy per customer, with the
    strategy in words; or, with --moves, who moved between classes."""
    from schema import vocab
    from schema.segments import segment_moves

    lang = language()
    scope = Scope(owner, codes, region)
    if moves:
        labels = vocab.SEGMENTS if what == "segment" else vocab.STRATEGIES if what == "strategy" else {}
        columns = [("code", t("col.code")), ("name", t("col.customer_name")), ("owner", t("col.owner")),
                   ("from", moves[0]), ("to", moves[1]), ("meaning", t("col.strategy"))]
        rows = ({"code": m.code, "name": m.name, "owner": m.owner, "from": m.before, "to": m.after,
                 "meaning": vocab.label(labels, m.after, lang) if m.after and labels else ""}
                for m in segment_moves(app.actor(), moves[0], moves[1], scope, what=what))
        write_out(columns, rows, fmt, output, ())
        return
    write_out_book([segments_sheet(app.actor(), app.config, scope, _day(as_of))], fmt, output)


@cli.group("segments")
def segments() -> None:
    """Customer classification: refresh and store it."""


@segments.command("refresh")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Class as of this day (default today).")
@click.option("--period", metavar="2026Q3", help="Store the snapshot under this period (default: the quarter of --as-of).")
@pass_app
def segments_refresh(app: AppContext, as_of, period) -> None:
    """Recompute every customer's ABC class, segment and strategy, and keep a snapshot of them."""
    from schema.errors import PermissionDenied, ValidationError
    from schema.periods import quarter_bounds
    from schema.segments import refresh_segments

    rep = app.actor()
    if rep.role not in ("manager", "admin"):
        raise PermissionDenied(f"Only a manager or an admin may refresh the classification; {rep.login} is a {rep.role}.")
    if period:
        try:
            quarter_bounds(period)
        except ValueError as exc:
            raise ValidationError(f"{exc}.") from None
    count = refresh_segments(app.config.abc, app.config.segments, as_of=_day(as_of), period=period)
    click.echo(t("segments.refreshed", count=count))


@report.command("targets")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Actuals up to this day (default today).")
@click.option("--period", metavar="2026|2026Q3|2026-07", help="The targets of this period (default: those in force).")
@click.option("--rep", "owner", metavar="LOGIN", help="Only this rep's own targets.")
@click.option("--metric", type=click.Choice(sorted(TARGET_METRICS)))
@click.option("--format", "fmt", type=FORMATS, help="Default: a table on a terminal, CSV for a pipe or file.")
@click.option("--output", "-o", metavar="PATH|-", help="Write to this file (default: standard output).")
@pass_app
def targets_report(app: AppContext, as_of, period, owner, metric, fmt, output) -> None:
    """Targets with their actuals: attainment beside the share of the period elapsed."""
    write_out_book([targets_sheet(app.actor(), as_of=_day(as_of), period=period, metric=metric, owner=owner)],
                   fmt, output)


@cli.group("target")
def target() -> None:
    """Sales targets: set and decompose them."""


@target.command("set")
@click.option("--team", "scope", flag_value="team", help="For the whole team (全公司).")
@click.option("--rep", "rep_login", metavar="LOGIN", help="For this rep.")
@click.option("--customer", "code", metavar="CODE", help="For this customer.")
@click.option("--region", help="For this region.")
@click.option("--product", help="For this product (SKU or name).")
@click.option("--period", required=True, metavar="2026|2026Q3|2026-07", help="A year, a quarter or a month.")
@click.option("--metric", required=True, type=click.Choice(sorted(TARGET_METRICS)))
@click.option("--value", required=True, metavar="AMOUNT|COUNT", help="Money in yuan (1,200,000.00), or a count for new_outlets.")
@click.option("--split", type=click.Choice(["even", "last_year"]), help="Decompose a year into months: evenly, or by last year's months.")
@click.option("--reason", default="", help="Why (kept in the audit trail).")
@pass_app
def target_set(app: AppContext, scope, rep_login, code, region, product, period, metric, value, split, reason) -> None:
    """Set or change a target (a manager or an admin)."""
    from schema.errors import ValidationError
    from schema.money import parse_money
    from schema.targets import MONEY_METRICS, parse_period, set_target, who_from

    chosen = [(name, key) for name, key in (("rep", rep_login), ("customer", code), ("region", region),
                                            ("product", product)) if key] + ([("team", None)] if scope else [])
    if len(chosen) != 1:
        raise ValidationError("Name exactly one of --team, --rep, --customer, --region, --product.")
    by = app.actor()
    if metric in MONEY_METRICS:
        try:
            cents = parse_money(value)
        except ValueError as exc:
            raise ValidationError(f"--value: {exc}.") from None
    elif value.strip().isdigit():
        cents = int(value.strip())
    else:
        raise ValidationError(f"--value {value!r}: {metric} is a whole number.")
    written = set_target(by, who_from(*chosen[0]), parse_period(period), metric, cents, split=split, reason=reason)
    click.echo(t("targets.set", count=len(written)))


@report.command("funnel")
@_scope_options
@click.option("--progress", "show_progress", is_flag=True, help="Sales progress (销售进展) over the quarter's target instead.")
@pass_app
def funnel_report(app: AppContext, as_of, owner, codes, region, fmt, output, show_progress) -> None:
    """Opportunities by stage with weighted amounts; or sales progress over the quarter's target."""
    from schema import vocab
    from schema.funnel import progress, stages

    scope, lang = Scope(owner, codes, region), language()
    if show_progress:
        p = progress(app.actor(), app.config.funnel, scope, as_of=_day(as_of))
        columns = [("quarter", t("col.period")), ("forecast", t("col.forecast")),
                   ("forecast_week_ago", t("col.forecast_week_ago")), ("sales", t("col.quarter_sales")),
                   ("sales_week_ago", t("col.quarter_sales_week_ago")), ("progress", t("col.progress")),
                   ("target", t("col.target")), ("progress_percent", t("col.progress_percent"))]
        rows = [{"quarter": p.quarter, "forecast": format_money(p.forecast_cents),
                 "forecast_week_ago": format_money(p.forecast_week_ago_cents), "sales": format_money(p.sales_cents),
                 "sales_week_ago": format_money(p.sales_week_ago_cents), "progress": format_money(p.progress_cents),
                 "target": None if p.target_cents is None else format_money(p.target_cents),
                 "progress_percent": None if p.progress_percent is None else str(p.progress_percent)}]
        write_out(columns, rows, fmt, output, ("forecast", "forecast_week_ago", "sales", "sales_week_ago",
                                               "progress", "target"))
        return
    columns = [("stage", t("col.stage_key")), ("stage_name", t("col.funnel_stage")), ("count", t("col.count")),
               ("amount", t("col.amount")), ("weighted", t("col.weighted"))]
    rows = ({"stage": r.stage, "stage_name": vocab.label(vocab.OPPORTUNITY_STAGES, r.stage, lang), "count": r.count,
             "amount": format_money(r.amount_cents), "weighted": format_money(r.weighted_cents)}
            for r in stages(app.actor(), app.config.funnel, scope, as_of=_day(as_of)))
    write_out(columns, rows, fmt, output, ("amount", "weighted"))


@report.command("care")
@click.option("--days", type=click.IntRange(0, 366), help="How far ahead (default: [care] remind_days_ahead).")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="From this day (default today).")
@click.option("--format", "fmt", type=FORMATS, help="Default: a table on a terminal, CSV for a pipe or file.")
@click.option("--output", "-o", metavar="PATH|-", help="Write to this file (default: standard output).")
@pass_app
def care_report(app: AppContext, days, as_of, fmt, output) -> None:
    """Birthdays (solar and lunar) and holidays coming up, with what to do for each customer's tier."""
    from schema import clock
    from schema.care import reminders

    columns = [("on", t("col.date")), ("days_ahead", t("col.days_ahead")), ("kind", t("col.kind")),
               ("occasion", t("col.occasion")), ("code", t("col.code")), ("name", t("col.customer_name")),
               ("grade", t("col.grade")), ("owner", t("col.owner")), ("action", t("col.action")),
               ("mobile", t("col.mobile"))]
    rows = ({"on": r.on.isoformat(), "days_ahead": r.days_ahead, "kind": t(f"care.{r.kind}"), "occasion": r.occasion,
             "code": r.code, "name": r.customer, "grade": r.grade, "owner": r.owner, "action": r.action,
             "mobile": r.contact_mobile}
            for r in reminders(app.actor(), app.config.care, today=_day(as_of) or clock.today(), days_ahead=days))
    write_out(columns, rows, fmt, output, ())


@report.command("cadence")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="On this day (default today).")
@click.option("--format", "fmt", type=FORMATS, help="Default: a table on a terminal, CSV for a pipe or file.")
@click.option("--output", "-o", metavar="PATH|-", help="Write to this file (default: standard output).")
@pass_app
def cadence_report(app: AppContext, as_of, fmt, output) -> None:
    """Customers past their grade's maximum gap between visits, longest overdue first."""
    from schema import clock
    from schema.care import visit_gaps

    columns = [("code", t("col.code")), ("name", t("col.customer_name")), ("grade", t("col.grade")),
               ("owner", t("col.owner")), ("max_gap_days", t("col.max_gap_days")), ("days_since", t("col.days_since"))]
    rows = ({"code": g.code, "name": g.customer, "grade": g.grade, "owner": g.owner, "max_gap_days": g.max_gap_days,
             "days_since": g.days_since}
            for g in visit_gaps(app.actor(), app.config.visits.max_gap_days, today=_day(as_of) or clock.today(),
                                tz=app.config.ui.tzinfo))
    write_out(columns, rows, fmt, output, ())


@report.command("risk")
@_scope_options
@click.option("--warnings-only", is_flag=True, help="Only the customers with an early warning.")
@pass_app
def risk_report(app: AppContext, as_of, owner, codes, region, fmt, output, warnings_only) -> None:
    """Return on the customer (margin − fees − rebates) and early warnings: DSO lengthening, or sales
    falling while the balance grows (货款比失衡)."""
    from schema import vocab
    from schema.risk import risk

    lang = language()
    columns = [*_base_columns()[:3], ("sales_12m", t("col.sales_12m")), ("margin_12m", t("col.margin_12m")),
               ("fees", t("col.fees")), ("rebates", t("col.rebates")), ("profitability", t("col.profitability")),
               ("dso_before", t("col.dso_before")), ("dso_now", t("col.dso_now")),
               ("sales_prior_3m", t("col.sales_prior_3m")), ("sales_3m", t("col.sales_3m")),
               ("balance_before", t("col.balance_before")), ("balance", t("col.balance")),
               ("warnings", t("col.warnings"))]

    def money(cents):
        return None if cents is None else format_money(cents)
    rows = ({"code": r.code, "name": r.name, "owner": r.owner, "sales_12m": money(r.sales_12m_cents),
             "margin_12m": money(r.margin_12m_cents), "fees": money(r.fees_cents), "rebates": money(r.rebates_cents),
             "profitability": money(r.profitability_cents),
             "dso_before": None if r.dso_before is None else str(r.dso_before),
             "dso_now": None if r.dso_now is None else str(r.dso_now), "sales_prior_3m": money(r.sales_prior_3m_cents),
             "sales_3m": money(r.sales_3m_cents), "balance_before": money(r.balance_before_cents),
             "balance": money(r.balance_cents),
             "warnings": "; ".join(vocab.label(vocab.ALERT_KINDS, w, lang) for w in r.warnings)}
            for r in risk(app.actor(), app.config.risk, app.config.dso, Scope(owner, codes, region), as_of=_day(as_of))
            if r.warnings or not warnings_only)
    write_out(columns, rows, fmt, output, ("sales_12m", "margin_12m", "fees", "rebates", "profitability",
                                           "sales_prior_3m", "sales_3m", "balance_before", "balance"))


@report.command("bonus")
@click.option("--quarter", required=True, metavar="2026Q3", help="The quarter the new customers' first orders fall in.")
@click.option("--rep", "owner", metavar="LOGIN", help="Only this rep's customers.")
@click.option("--region", help="Only this region's customers.")
@click.option("--format", "fmt", type=FORMATS, help="Default: a table on a terminal, CSV for a pipe or file.")
@click.option("--output", "-o", metavar="PATH|-", help="Write to this file (default: standard output).")
@click.option("--products", is_flag=True, help="The new-product bonus per rep (新产品奖励) instead.")
@pass_app
def bonus_report(app: AppContext, quarter, owner, region, fmt, output, products) -> None:
    """New customers of the quarter: whether each qualifies for the rep's bonus, and how much; or,
    with --products, each rep's new-product sales and the bonus on them."""
    from schema.bonus import new_customer_bonus, new_product_bonus
    from schema.errors import ValidationError
    from schema.periods import quarter_bounds

    try:
        quarter_bounds(quarter)
    except ValueError as exc:
        raise ValidationError(f"{exc}.") from None
    if products:
        columns = [("owner", t("col.owner")), ("rep_name", t("col.rep_name")), ("quarter", t("col.period")),
                   ("new_product_sales", t("col.new_product_sales")), ("lines", t("col.lines")),
                   ("products", t("col.products")), ("lines_without_sku", t("col.lines_without_sku")),
                   ("bonus", t("col.bonus"))]
        rows = ({"owner": r.owner, "rep_name": r.rep_name, "quarter": quarter.upper(),
                 "new_product_sales": format_money(r.sales_cents), "lines": r.lines, "products": ", ".join(r.products),
                 "lines_without_sku": r.unknown_lines, "bonus": format_money(r.bonus_cents)}
                for r in new_product_bonus(app.actor(), app.config.bonus, quarter.upper(), Scope(owner, (), region)))
        write_out(columns, rows, fmt, output, ("new_product_sales", "bonus"))
        return
    columns = [*_base_columns()[:3], ("first_order_on", t("col.first_order_on")),
               ("window_ends_on", t("col.window_ends_on")), ("orders", t("col.orders")),
               ("total", t("col.total")), ("margin_percent", t("col.margin_percent")),
               ("industrial", t("col.industrial")), ("prepaid_percent", t("col.prepaid_percent")),
               ("qualifies", t("col.qualifies")), ("bonus", t("col.bonus")), ("reasons", t("col.reasons"))]

    def maybe(value):
        return None if value is None else str(value)
    rows = ({"code": r.code, "name": r.name, "owner": r.owner, "first_order_on": r.first_order_on.isoformat(),
             "window_ends_on": r.window_ends_on.isoformat(), "orders": r.orders, "total": format_money(r.total_cents),
             "margin_percent": maybe(r.margin_percent), "industrial": r.industrial,
             "prepaid_percent": maybe(r.prepaid_percent), "qualifies": t(f"bonus.{r.qualifies}"),
             "bonus": format_money(r.bonus_cents), "reasons": "; ".join(r.reasons)}
            for r in new_customer_bonus(app.actor(), app.config.bonus, quarter.upper(), Scope(owner, (), region)))
    write_out(columns, rows, fmt, output, ("total", "bonus"))


@report.command("evaluation")
@click.option("--period", metavar="2026|2026Q3|2026-07", help="Only this period's scorecards.")
@click.option("--customer", "codes", metavar="CODE", multiple=True, help="Only this customer (repeatable).")
@click.option("--format", "fmt", type=FORMATS, help="Default: a table on a terminal, CSV for a pipe or file.")
@click.option("--output", "-o", metavar="PATH|-", help="Write to this file (default: standard output).")
@pass_app
def evaluation_report(app: AppContext, period, codes, fmt, output) -> None:
    """Customer scorecards (客户考核) with the training each customer received in the period."""
    from schema import vocab
    from schema.evaluation import scorecards

    lang = language()
    columns = [*_base_columns()[:3], ("period", t("col.period")), ("ability", t("col.ability")),
               ("attitude", t("col.attitude")), ("results", t("col.results")), ("score", t("col.score")),
               ("band", t("col.band")), ("trainings", t("col.trainings")), ("notes", t("col.notes"))]
    rows = ({"code": c.code, "name": c.name, "owner": c.owner, "period": c.period, "ability": c.ability,
             "attitude": c.attitude, "results": c.results, "score": c.score,
             "band": vocab.label(vocab.EVALUATION_BANDS, c.band, lang), "trainings": c.trainings, "notes": c.notes}
            for c in scorecards(app.actor(), period=period, codes=codes))
    write_out(columns, rows, fmt, output, ())


@cli.command("evaluate")
@click.argument("code")
@click.option("--period", required=True, metavar="2026|2026Q3|2026-07")
@click.option("--ability", type=click.IntRange(0, 100), required=True, help="能力 0-100")
@click.option("--attitude", type=click.IntRange(0, 100), required=True, help="态度 0-100")
@click.option("--results", type=click.IntRange(0, 100), required=True, help="业绩 0-100")
@click.option("--notes", default="")
@pass_app
def evaluate_command(app: AppContext, code, period, ability, attitude, results, notes) -> None:
    """Record a customer's scorecard for a period (客户考核); again for the same period changes it."""
    from schema import vocab
    from schema.errors import NotFound
    from schema.evaluation import evaluate
    from schema.models import Customer

    rep = app.actor()
    customer = Customer.get_or_none((Customer.code == code) & Customer.deleted_at.is_null())
    if customer is None:
        raise NotFound(f"No customer with code {code!r}.")
    card = evaluate(rep, customer, period, {"ability": ability, "attitude": attitude, "results": results},
                    app.config.evaluation, notes=notes)
    click.echo(t("evaluation.saved", code=code, period=card.period, score=card.score,
                 band=vocab.label(vocab.EVALUATION_BANDS, card.band, language())))
