"""Return and risk per customer (DESIGN §5).

- Profitability (投入产出) = 12-month gross margin − contract fees − rebates:
  - the fees (进场费, 促销费, other) count for every contract whose term overlaps the twelve months;
  - a rebate is the 12-month sales × the highest rebate rate among those contracts;
  - without a known cost for every order the margin, and so the profitability, is unknown, never
    guessed.
- Early warnings, compared with three months earlier:
  - DSO (by `[dso] method`) lengthened by more than `dso_increase_percent`;
  - or the last three months' sales fell by more than `sales_drop_percent` against the three
    before, while the balance grew (货款比失衡).
  Each is shown in `kacrm report risk` and raised as an alert (kinds `dso_rising`,
  `sales_falling`), resolved by itself when the warning no longer holds."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from peewee import fn

from schema import access, clock
from schema.config import DsoConfig, RiskConfig
from schema.db import transaction
from schema.dso import dso_figures, posted_balances
from schema.models import Alert, Contract, Customer, Order, Rep
from schema.money import format_money
from schema.periods import add_months, last_twelve_months, month_start, raw_rows
from schema.reports_scope import Scope, covers_everyone, scoped_customers

WARNINGS = ("dso_rising", "sales_falling")


@dataclass
class RiskRow:
    code: str
    name: str
    owner: str
    sales_12m_cents: int = 0
    margin_12m_cents: int | None = None
    fees_cents: int = 0
    rebates_cents: int = 0
    dso_now: Decimal | None = None
    dso_before: Decimal | None = None
    sales_3m_cents: int = 0
    sales_prior_3m_cents: int = 0
    balance_cents: int = 0
    balance_before_cents: int = 0
    warnings: list[str] = field(default_factory=list)
    customer_id: int = 0

    @property
    def profitability_cents(self) -> int | None:
        if self.margin_12m_cents is None:
            return None
        return self.margin_12m_cents - self.fees_cents - self.rebates_cents


def _sales_by_customer(ids, as_of: dt.date) -> dict[int, tuple[int, int, int, int, int]]:
    """customer -> (12-month sales, their margin where the cost is known, orders without a cost,
    the last three months' sales, the three before), from one pass over the year's orders."""
    start, _ = last_twelve_months(as_of)
    recent_start = month_start(add_months(month_start(as_of), -2))
    prior_start = add_months(month_start(as_of), -5)
    prior_end = add_months(month_start(as_of), -2) - dt.timedelta(days=1)
    recent = (Order.order_date >= recent_start) & (Order.order_date <= as_of)
    prior = (Order.order_date >= prior_start) & (Order.order_date <= prior_end)  # both within the twelve months
    query = (Order.select(Order.customer, fn.SUM(Order.amount_cents), fn.SUM(Order.amount_cents - Order.cost_cents),
                          fn.COUNT(Order.id) - fn.COUNT(Order.cost_cents), fn.SUM(Order.amount_cents).filter(recent),
                          fn.SUM(Order.amount_cents).filter(prior))
             .where(_within(Order.customer, ids) & (Order.order_date >= start) & (Order.order_date <= as_of))
             .group_by(Order.customer))
    return {cid: (int(sales), int(margin or 0), int(unknown), int(last or 0), int(before or 0))
            for cid, sales, margin, unknown, last, before in raw_rows(query)}


def _within(column, ids):
    """`column` among `ids`; anything when `ids` is None (everyone: rows of customers out of view
    are never looked up, so a big table is read whole instead of tested row by row)."""
    return True if ids is None else column.in_(ids)


def risk(rep: Rep, config: RiskConfig, dso_config: DsoConfig, scope: Scope | None = None, *,
         as_of: dt.date | None = None) -> list[RiskRow]:
    """One row per customer `rep` may see (within `scope`) with sales or a balance, by code."""
    as_of = as_of or clock.today()
    before = as_of - dt.timedelta(days=91)  # three months earlier
    start, _ = last_twelve_months(as_of)
    customers = scoped_customers(rep, scope)
    ids = None if covers_everyone(rep, scope) else customers.select(Customer.id)
    listed = list(raw_rows(customers.select(Customer.id, Customer.code, Customer.name, Rep.login,
                                            Customer.balance_cents).order_by(Customer.code)))
    sales_of = _sales_by_customer(ids, as_of)
    # the balances then (and on `as_of` if it is past) from one pass over the ledger; DSO at both
    # days from one pass over the orders
    past = as_of < clock.today()
    balance_before, *balance_then = posted_balances(ids, [before, as_of] if past else [before])
    cached = None if past else {row[0]: row[4] for row in listed}  # today's balances, kept on the customers
    balance_now = balance_then[0] if past else cached
    # DSO as `dso` gives it on each day: from the balances cached today, from the ledger before
    dso_before_balances = balance_before if before < clock.today() else cached
    now, then = dso_figures(ids, [as_of, before], [balance_now, dso_before_balances], method=dso_config.method,
                            days=dso_config.days)
    fees: dict[int, int] = {}
    rates: dict[int, int] = {}
    for cid, entry, promotion, other, rate in raw_rows(
            Contract.select(Contract.customer, Contract.entry_fee_cents, Contract.promotion_fee_cents,
                            Contract.other_fee_cents, Contract.rebate_basis_points)
            .where(_within(Contract.customer, ids) & Contract.deleted_at.is_null() & (Contract.status != "draft")
                   & (Contract.start_on.is_null() | (Contract.start_on <= as_of))
                   & (Contract.end_on.is_null() | (Contract.end_on >= start)))):
        fees[cid] = fees.get(cid, 0) + entry + promotion + other
        rates[cid] = max(rates.get(cid, 0), rate)
    rows = []
    for cid, code, name, login, _ in listed:
        sales, margin, unknown, recent, prior = sales_of.get(cid, (0, 0, 0, 0, 0))
        balance = balance_now.get(cid, 0)
        if not sales and not balance and cid not in balance_before:
            continue
        dso_now, dso_before = now.get(cid), then.get(cid)
        row = RiskRow(code, name, login, sales, None if unknown or not sales else margin, fees.get(cid, 0),
                      sales * rates.get(cid, 0) // 10_000, dso_now[0] if dso_now else None,
                      dso_before[0] if dso_before else None,
                      recent, prior, balance, balance_before.get(cid, 0), customer_id=cid)
        if row.dso_now is not None and row.dso_before and \
                row.dso_now > row.dso_before * (100 + config.dso_increase_percent) / 100:
            row.warnings.append("dso_rising")
        if row.sales_prior_3m_cents > 0 and row.balance_cents > row.balance_before_cents and \
                row.sales_3m_cents * 100 < row.sales_prior_3m_cents * (100 - config.sales_drop_percent):
            row.warnings.append("sales_falling")
        rows.append(row)
    return rows


def refresh_risk_alerts(config: RiskConfig, dso_config: DsoConfig, *, now: dt.datetime | None = None) -> tuple[int, int]:
    """Raise an alert for each warning that holds today and is not open yet; resolve the open ones
    that no longer hold. Returns (raised, resolved)."""
    now = now or clock.now()
    rows = risk(access.system_rep(), config, dso_config)
    holding = {(row.customer_id, kind): row for row in rows for kind in row.warnings}
    raised = resolved = 0
    with transaction():
        open_ones = {(cid, kind): aid for aid, cid, kind in
                     Alert.select(Alert.id, Alert.customer, Alert.kind)
                     .where(Alert.kind.in_(WARNINGS) & Alert.resolved_at.is_null()).tuples()}
        for (cid, kind), row in holding.items():
            if (cid, kind) in open_ones:
                continue
            detail = (f"DSO {row.dso_before} -> {row.dso_now} days" if kind == "dso_rising" else
                      f"3-month sales {format_money(row.sales_prior_3m_cents)} -> {format_money(row.sales_3m_cents)}, "
                      f"balance {format_money(row.balance_before_cents)} -> {format_money(row.balance_cents)}")
            Alert.create(customer=cid, kind=kind, amount_cents=row.balance_cents, details=detail, raised_at=now)
            raised += 1
        gone = [aid for key, aid in open_ones.items() if key not in holding]
        if gone:
            resolved = Alert.update(resolved_at=now).where(Alert.id.in_(gone)).execute()
    return raised, resolved


__all__ = ["RiskRow", "WARNINGS", "refresh_risk_alerts", "risk"]
