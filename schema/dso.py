"""DSO (应收账款周转天数, DESIGN §5): how many days of sales the balance stands for, per customer.

- `standard`: balance / sales of the last N days × N.
- `countback` (倒算法): walk back month by month from the as-of day, taking each month's sales off
  the balance and adding that month's days, until what is left is less than a month's sales; then
  add the fraction (left / that month's sales × that month's days). The as-of month counts its
  sales and days up to the as-of day; a month without sales adds its days; when the customer's
  history runs out first, the days counted are the answer, flagged as a lower bound.

Sales are net of returns. A balance of zero or less is 0 days; standard DSO without sales in its
window has no value (None)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterator

from peewee import fn

from schema import clock
from schema.models import Customer, Order, Posting, Rep
from schema.periods import days_in_month, month_key, month_start, parse_month_key, previous_month, raw_rows
from schema.reports_scope import Scope, scoped_customers

ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class DsoRow:
    code: str
    name: str
    owner: str
    region: str
    balance_cents: int
    sales_cents: int  # standard: the window's sales; countback: the sales the walk went through
    dso_days: Decimal | None  # one decimal
    method: str
    lower_bound: bool = False  # countback ran out of history before the balance was covered


def standard_dso(balance_cents: int, sales_cents: int, days: int) -> Decimal | None:
    if balance_cents <= 0:
        return Decimal("0.0")
    if sales_cents <= 0:
        return None
    return (Decimal(balance_cents) / Decimal(sales_cents) * days).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def countback_dso(balance_cents: int, monthly_sales: dict[dt.date, int], as_of: dt.date,
                  history_from: dt.date | None) -> tuple[Decimal, int, bool]:
    """(days, sales walked through, lower bound?) for `monthly_sales` keyed by each month's first
    day; history starts in the month of `history_from` (None: no history at all)."""
    if balance_cents <= 0:
        return Decimal("0.0"), 0, False
    left = Decimal(balance_cents)
    days = Decimal(0)
    walked = 0
    month = month_start(as_of)
    first_month = month_start(history_from) if history_from else None
    while first_month is not None and month >= first_month:
        in_month = as_of.day if month == month_start(as_of) else days_in_month(month)
        sales = monthly_sales.get(month, 0)
        if sales > 0 and left <= sales:  # equal: exactly this month, no need to look further
            days += left / Decimal(sales) * in_month
            return days.quantize(ONE_DECIMAL, ROUND_HALF_UP), walked + int(left), False
        left -= sales
        walked += sales
        days += in_month
        month = previous_month(month)
    return days.quantize(ONE_DECIMAL, ROUND_HALF_UP), walked, True


def dso(rep: Rep, scope: Scope | None = None, *, method: str = "standard", days: int = 90,
        as_of: dt.date | None = None) -> Iterator[DsoRow]:
    """One row per customer `rep` may see (within `scope`) that has a balance or sales, by code."""
    as_of = as_of or clock.today()
    customers = scoped_customers(rep, scope)
    ids = customers.select(Customer.id)
    balances = None
    if as_of < clock.today():
        balances = dict(Posting.select(Posting.customer, fn.SUM(Posting.amount_cents))
                        .where(Posting.customer.in_(ids) & (Posting.posted_on <= as_of))
                        .group_by(Posting.customer).tuples())
    window: dict[int, int] = {}
    walks: dict[int, tuple[Decimal, int, bool]] = {}
    if method == "standard":
        since = as_of - dt.timedelta(days=days)
        window = dict(Order.select(Order.customer, fn.SUM(Order.amount_cents))
                      .where(Order.customer.in_(ids) & (Order.order_date > since) & (Order.order_date <= as_of))
                      .group_by(Order.customer).tuples())
    else:
        walks = _countback_walks(ids, as_of, balances if balances is not None else dict(
            customers.select(Customer.id, Customer.balance_cents).tuples()))
    query = (customers.select(Customer.id, Customer.code, Customer.name, Rep.login, Customer.region,
                              Customer.balance_cents).order_by(Customer.code).tuples())
    for customer_id, code, name, login, region, balance in query.iterator():
        if balances is not None:
            balance = int(balances.get(customer_id, 0))
        if method == "standard":
            sales = int(window.get(customer_id, 0))
            if not balance and not sales:
                continue
            yield DsoRow(code, name, login, region, balance, sales, standard_dso(balance, sales, days), method)
        else:
            walk = walks.get(customer_id)
            if walk is None:
                if not balance:
                    continue
                walk = countback_dso(balance, {}, as_of, None)
            yield DsoRow(code, name, login, region, balance, walk[1], walk[0], method, walk[2])


def _countback_walks(ids, as_of: dt.date, balances: dict[int, int]) -> dict[int, tuple[Decimal, int, bool]]:
    """The countback of every customer with sales up to `as_of`: the monthly sums come from the
    database in customer order and each customer is walked as soon as its months are in, so only
    one customer's months are held at a time."""
    month = month_key(Order.order_date)
    rows = (Order.select(Order.customer, month, fn.SUM(Order.amount_cents))
            .where(Order.customer.in_(ids) & (Order.order_date <= as_of))
            .group_by(Order.customer, month).order_by(Order.customer))
    firsts: dict[str, dt.date] = {}
    walks: dict[int, tuple[Decimal, int, bool]] = {}
    current, months = None, {}

    def walk() -> None:
        if current is not None:
            walks[current] = countback_dso(int(balances.get(current, 0)), months, as_of, min(months))
    for customer_id, key, cents in raw_rows(rows):
        if customer_id != current:
            walk()
            current, months = customer_id, {}
        months[firsts.get(key) or firsts.setdefault(key, parse_month_key(key))] = int(cents)
    walk()
    return walks


__all__ = ["DsoRow", "countback_dso", "dso", "standard_dso"]
