"""What each kind of export and report holds, as a `Sheet` of rows: the records of schema/exports.py
and the figures of schema/balances.py, aging.py, segments.py, targets.py, repayment.py and market.py. `kacrm export KIND`
and `kacrm report KIND` both take their sheets from here, so a figure reads the same everywhere."""
from __future__ import annotations

import datetime as dt
from kacrm_tui.i18n import bucket_title, column_title, language, t
from kacrm_tui.writers import Sheet
from schema import vocab
from schema.exports import RECORDS, ExportFilter
from schema.money import format_money
from schema.models import Rep
from schema.reports_scope import Scope, scoped_customers

BASE = ("code", "name", "owner", "region")


def _title(key: str) -> str:
    return t("col.customer_name") if key == "name" else column_title(key)


def _columns(keys) -> list[tuple[str, str]]:
    return [(key, _title(key)) for key in keys]


def _money(cents: int | None) -> str | None:
    return None if cents is None else format_money(cents)


def _percent(value) -> str | None:
    return None if value is None else str(value)


def _count(rep: Rep, scope: Scope) -> int:
    return scoped_customers(rep, scope).count()


def records_sheet(kind: str, rep: Rep, f: ExportFilter) -> Sheet:
    export = RECORDS[kind](rep, f)
    return Sheet(kind, _columns(export.fields), export.rows(), export.money, total=export.count())


def balances_sheet(rep: Rep, f: ExportFilter, as_of: dt.date | None) -> Sheet:
    from schema.balances import balances

    keys = (*BASE, "balance", "credit_limit", "unapplied_credit", "overdue")
    rows = ({"code": r.code, "name": r.name, "owner": r.owner, "region": r.region,
             "balance": format_money(r.balance_cents), "credit_limit": format_money(r.credit_limit_cents),
             "unapplied_credit": format_money(r.unapplied_credit_cents), "overdue": format_money(r.overdue_cents)}
            for r in balances(rep, as_of=as_of, scope=f.scope))
    return Sheet("balances", _columns(keys), rows, keys[4:], total=_count(rep, f.scope))


def aging_sheet(rep: Rep, config, scope: Scope, as_of: dt.date | None) -> Sheet:
    """Open amounts by the configured buckets, unapplied credit beside them (negated), and the balance."""
    from schema.aging import aging

    names = config.aging.bucket_names
    columns = [*_columns(BASE), *((name, bucket_title(name)) for name in names),
               ("unapplied_credit", t("col.unapplied_credit")), ("balance", t("col.balance"))]
    rows = ({"code": r.code, "name": r.name, "owner": r.owner, "region": r.region,
             **{name: format_money(r.buckets[name]) for name in names},
             "unapplied_credit": format_money(-r.unapplied_credit_cents), "balance": format_money(r.balance_cents)}
            for r in aging(rep, config.aging, scope, as_of=as_of))
    return Sheet("aging", columns, rows, (*names, "unapplied_credit", "balance"), total=_count(rep, scope))


def segments_sheet(rep: Rep, config, scope: Scope, as_of: dt.date | None) -> Sheet:
    """ABC class, segment and strategy per customer, each class with its strategy in words."""
    from schema.segments import classify

    lang = language()
    keys = (*BASE, "lifecycle", "sales_12m", "margin_12m", "months_with_orders", "spread_percent", "abc", "segment",
            "segment_strategy", "prospect_score", "intent", "potential", "share_percent", "strategy", "strategy_words")
    rows = ({"code": r.code, "name": r.name, "owner": r.owner, "region": r.region, "lifecycle": r.lifecycle,
             "sales_12m": format_money(r.sales_12m_cents), "margin_12m": _money(r.margin_12m_cents),
             "months_with_orders": r.months_with_orders, "spread_percent": _percent(r.spread_percent),
             "abc": r.abc_class, "segment": r.segment,
             "segment_strategy": vocab.label(vocab.SEGMENTS, r.segment, lang) if r.segment else "",
             "prospect_score": _percent(r.prospect_score), "intent": r.intent, "potential": _money(r.potential_cents),
             "share_percent": _percent(r.share_percent), "strategy": r.strategy,
             "strategy_words": vocab.label(vocab.STRATEGIES, r.strategy, lang) if r.strategy else ""}
            for r in classify(rep, config.abc, config.segments, scope, as_of=as_of))
    columns = [(k, "ABC" if k == "abc" else _title(k)) for k in keys]
    return Sheet("segments", columns, rows, ("sales_12m", "margin_12m", "potential"), total=_count(rep, scope))


def targets_sheet(rep: Rep, *, as_of: dt.date | None, period: str | None = None, metric: str | None = None,
                  owner: str | None = None) -> Sheet:
    """Targets with their actuals: attainment beside the share of the period elapsed."""
    from schema.targets import MONEY_METRICS, Period, attainment, parse_period

    lang = language()
    columns = [("scope", t("col.scope")), ("who", t("col.who")), ("period", t("col.period")),
               ("metric", t("col.metric")), ("target", t("col.target")), ("actual", t("col.actual")),
               ("attainment_percent", t("col.attainment")), ("elapsed_percent", t("col.elapsed")),
               ("note", t("col.note"))]

    def show(cents: int, metric_key: str) -> str:
        return format_money(cents) if metric_key in MONEY_METRICS else str(cents)

    rows = ({"scope": vocab.label(vocab.TARGET_SCOPES, a.target.scope, lang), "who": a.who,
             "period": Period(a.target.period, a.target.period_start, a.target.period_end).name,
             "metric": vocab.label(vocab.TARGET_METRICS, a.target.metric, lang),
             "target": show(a.target.value, a.target.metric), "actual": show(a.actual, a.target.metric),
             "attainment_percent": _percent(a.percent), "elapsed_percent": str(a.elapsed_percent),
             "note": t("targets.uncosted", count=a.uncosted_orders) if a.uncosted_orders else ""}
            for a in attainment(rep, as_of=as_of, period=parse_period(period) if period else None,
                                metric=metric, owner=owner))
    return Sheet("targets", columns, rows, ("target", "actual"))


def repayment_plans_sheet(rep: Rep, config, f: ExportFilter, as_of: dt.date | None) -> Sheet:
    """The open orders, each planned for collection on its due date (today once overdue), with the
    week and month it is planned in: `--since`/`--until` bound the due date."""
    from schema.repayment import plan_count, repayment_plan

    keys = (*BASE, "phone", "order_no", "order_date", "due_date", "amount", "open_amount", "overdue_days",
            "planned_on", "plan_week", "plan_month", "status")
    rows = ({"code": i.code, "name": i.name, "owner": i.owner, "region": i.region, "phone": i.phone,
             "order_no": i.order_no, "order_date": i.order_date, "due_date": i.due_date,
             "amount": format_money(i.amount_cents), "open_amount": format_money(i.open_cents),
             "overdue_days": i.overdue_days, "planned_on": i.planned_on, "plan_week": i.plan_week,
             "plan_month": i.plan_month, "status": i.status}
            for i in repayment_plan(rep, f.scope, as_of=as_of, due_since=f.since, due_until=f.until,
                                    week_start=config.targets.weekday))
    return Sheet("repayment_plans", _columns(keys), rows, ("amount", "open_amount"),
                 total=plan_count(rep, f.scope, as_of=as_of, due_since=f.since, due_until=f.until))


def arrears_sheet(rep: Rep, scope: Scope, as_of: dt.date | None, min_days: int = 1) -> Sheet:
    """The customers with money past due, the most first, beside balance, limit and last payment."""
    from schema.repayment import arrears

    keys = (*BASE, "phone", "overdue", "overdue_orders", "oldest_due", "max_overdue_days", "balance",
            "credit_limit", "over_limit", "last_paid_on", "last_paid")
    rows = ({"code": r.code, "name": r.name, "owner": r.owner, "region": r.region, "phone": r.phone,
             "overdue": format_money(r.overdue_cents), "overdue_orders": r.overdue_orders, "oldest_due": r.oldest_due,
             "max_overdue_days": r.max_overdue_days, "balance": format_money(r.balance_cents),
             "credit_limit": format_money(r.credit_limit_cents), "over_limit": r.over_limit,
             "last_paid_on": r.last_paid_on, "last_paid": _money(r.last_paid_cents)}
            for r in arrears(rep, scope, as_of=as_of, min_days=min_days))
    return Sheet("arrears", _columns(keys), rows, ("overdue", "balance", "credit_limit", "last_paid"))


def market_sheet(rep: Rep, scope: Scope, as_of: dt.date | None, by: tuple[str, ...] = ("region",)) -> Sheet:
    """Customers, sales, growth and share of potential per region (or channel, industry…)."""
    from schema.market import market

    keys = (*by, "customers", "active_customers", "coverage_percent", "new_customers", "sales_12m", "sales_prior_12m",
            "growth_percent", "share_of_sales_percent", "potential", "wallet_share_percent")
    rows = ({**dict(zip(by, r.keys)),
             "customers": r.customers, "active_customers": r.active, "coverage_percent": _percent(r.coverage_percent),
             "new_customers": r.new, "sales_12m": format_money(r.sales_12m_cents),
             "sales_prior_12m": format_money(r.sales_prior_12m_cents), "growth_percent": _percent(r.growth_percent),
             "share_of_sales_percent": _percent(r.share_of_sales_percent), "potential": format_money(r.potential_cents),
             "wallet_share_percent": _percent(r.wallet_share_percent)}
            for r in market(rep, scope, by=by, as_of=as_of))
    return Sheet("market", _columns(keys), rows, ("sales_12m", "sales_prior_12m", "potential"))


FIGURES = ("balances", "aging", "segments", "targets", "repayment_plans", "market")
KINDS = tuple(sorted((*RECORDS, *FIGURES, "statement")))
