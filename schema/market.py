"""The market (市场) as the customers show it: how the sales spread over regions, channels,
industries…, how they grow, and how much of the customers' purchase potential we hold.

For each group of customers (by region by default; any of the archive fields in `GROUPS`):
- customers: how many the user may see in it; active: those with sales in the last twelve
  months; new: those whose first deal falls in them; coverage = active / customers;
- sales over the last twelve months (schema/periods.last_twelve_months: the current month counted
  up to the as-of day) and over the same stretch a year earlier, and the growth between them;
- the group's share of all the sales shown;
- potential: the purchase potential (采购潜力) the reps entered, and our share of it: the sales of
  the customers with a potential over their potential (share of wallet), as segments count it.
Returns count as sales (a negative amount), as everywhere. Percentages have one decimal, rounded
half up; None where the base is nothing."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from schema import clock
from schema.db import database
from schema.models import Customer, Rep
from schema.periods import add_months, last_twelve_months, raw_rows
from schema.reports_scope import Scope, covers_everyone, scoped_customers

GROUPS = ("region", "channel", "industry", "nature", "grade", "lifecycle", "owner")


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole in percent with one decimal, or None when the whole is nothing."""
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class MarketRow:
    keys: tuple[str, ...]  # the group's values, in the order of `by`
    customers: int = 0
    active: int = 0
    new: int = 0
    sales_12m_cents: int = 0
    sales_prior_12m_cents: int = 0
    potential_cents: int = 0
    sales_with_potential_cents: int = 0
    share_of_sales_percent: Decimal | None = None  # filled once every group is summed

    @property
    def coverage_percent(self) -> Decimal | None:
        return percent(self.active, self.customers)

    @property
    def growth_percent(self) -> Decimal | None:
        if self.sales_prior_12m_cents <= 0:
            return None
        return percent(self.sales_12m_cents - self.sales_prior_12m_cents, self.sales_prior_12m_cents)

    @property
    def wallet_share_percent(self) -> Decimal | None:
        return percent(max(self.sales_with_potential_cents, 0), self.potential_cents)


def _a_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def market(rep: Rep, scope: Scope | None = None, *, by: tuple[str, ...] = ("region",),
           as_of: dt.date | None = None) -> list[MarketRow]:
    """One row per group of the customers `rep` may see (within `scope`), grouped by the fields
    `by` (each one of GROUPS), as of `as_of` (default today); the biggest sales first."""
    unknown = [name for name in by if name not in GROUPS]
    if unknown or not by:
        raise ValueError(f"cannot group by {', '.join(unknown) or 'nothing'}: use {', '.join(GROUPS)}")
    as_of = as_of or clock.today()
    start, end = last_twelve_months(as_of)
    prior_start, prior_end = add_months(start, -12), _a_year_before(end)
    customers = scoped_customers(rep, scope)
    columns = [Rep.login if name == "owner" else getattr(Customer, name) for name in by]
    group_of: dict[int, tuple[str, ...]] = {}
    potential_of: dict[int, int] = {}
    groups: dict[tuple[str, ...], MarketRow] = {}
    for cid, first_deal, potential, *keys in raw_rows(customers.select(
            Customer.id, Customer.first_deal_date, Customer.purchase_potential_cents, *columns)):
        key = tuple("" if value is None else str(value) for value in keys)
        group_of[cid] = key
        row = groups.get(key) or groups.setdefault(key, MarketRow(key))
        row.customers += 1
        if first_deal is not None and start.isoformat() <= str(first_deal)[:10] <= end.isoformat():
            row.new += 1
        if potential:
            potential_of[cid] = int(potential)
            row.potential_cents += int(potential)
    p = database.obj.param
    within = ""
    params = [start.isoformat(), prior_start.isoformat(), prior_end.isoformat(), prior_start.isoformat(),
              end.isoformat()]
    if not covers_everyone(rep, scope):
        ids_sql, ids_params = customers.select(Customer.id).sql()
        within, params = f" AND customer_id IN ({ids_sql})", params + list(ids_params)
    sums = database.execute_sql(
        f"SELECT customer_id, SUM(CASE WHEN order_date >= {p} THEN amount_cents ELSE 0 END),"
        f" SUM(CASE WHEN order_date >= {p} AND order_date <= {p} THEN amount_cents ELSE 0 END)"
        f' FROM "order" WHERE order_date >= {p} AND order_date <= {p}{within} GROUP BY customer_id', params)
    for cid, recent, prior in sums:
        key = group_of.get(cid)
        if key is None:  # a deleted customer's orders
            continue
        row = groups[key]
        recent, prior = int(recent or 0), int(prior or 0)
        row.sales_12m_cents += recent
        row.sales_prior_12m_cents += prior
        if recent > 0:
            row.active += 1
        if cid in potential_of:
            row.sales_with_potential_cents += recent
    total = sum(row.sales_12m_cents for row in groups.values())
    for row in groups.values():
        row.share_of_sales_percent = percent(row.sales_12m_cents, total)
    return sorted(groups.values(), key=lambda row: (-row.sales_12m_cents, row.keys))


__all__ = ["GROUPS", "MarketRow", "market", "percent"]
