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
from typing import Iterator, Sequence

from peewee import fn

from schema import clock
from schema.models import Adjustment, Customer, Order, Payment, Rep
from schema.periods import days_in_month, month_key, month_start, parse_month_key, previous_month, raw_rows
from schema.reports_scope import Scope, covers_everyone, scoped_customers

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
    ids = None if covers_everyone(rep, scope) else customers.select(Customer.id)
    listed = list(raw_rows(customers.select(Customer.id, Customer.code, Customer.name, Rep.login, Customer.region,
                                            Customer.balance_cents).order_by(Customer.code)))
    if as_of < clock.today():
        [balances] = posted_balances(ids, [as_of])
    else:
        balances = {row[0]: row[5] for row in listed}
    [figures] = dso_figures(ids, [as_of], [balances], method=method, days=days)
    for customer_id, code, name, login, region, _ in listed:
        figure = figures.get(customer_id)
        if figure is not None:
            yield DsoRow(code, name, login, region, balances.get(customer_id, 0), figure[1], figure[0], method,
                         figure[2])


def posted_balances(ids, days: Sequence[dt.date]) -> list[dict[int, int]]:
    """For each of `days`, customer -> the sum of its postings up to that day, for the customers
    with a posting by then. `ids`: a query of customer ids, None: every customer.

    The postings are summed as orders (returns negative) − payments ± adjustments, each table on
    its own (the identity of DESIGN §4 that `kacrm check` holds): summing the Posting view whole
    sorts every posting and takes four times as long."""
    found: list[dict[int, int]] = [{} for _ in days]
    for model, posted_on, sign in ((Order, Order.order_date, 1), (Payment, Payment.paid_on, -1),
                                   (Adjustment, Adjustment.posted_on, 1)):
        sums = [fn.SUM(model.amount_cents).filter(posted_on <= day) for day in days]
        query = (model.select(model.customer, *sums)
                 .where(_within(model.customer, ids) & (posted_on <= max(days))).group_by(model.customer))
        for customer_id, *cents in raw_rows(query):
            for balances, value in zip(found, cents):
                if value is not None:
                    balances[customer_id] = balances.get(customer_id, 0) + sign * int(value)
    return found


def dso_figures(ids, as_ofs: Sequence[dt.date], balances: Sequence[dict[int, int]], *, method: str = "standard",
                days: int = 90) -> list[dict[int, tuple[Decimal | None, int, bool]]]:
    """For each as-of day (with each customer's balance that day in `balances`: absent is 0),
    customer -> (DSO days, sales counted, lower bound?) for the customers with a balance or sales,
    as `dso` shows them; the orders are read once for all the days. `ids`: a query of customer
    ids, None: every customer."""
    if method == "standard":
        windows = _window_sales(ids, as_ofs, days)
        figures: list[dict[int, tuple[Decimal | None, int, bool]]] = []
        for balance_of, window in zip(balances, windows):
            found = {}
            for customer_id in balance_of.keys() | window.keys():
                balance, sales = balance_of.get(customer_id, 0), window.get(customer_id, 0)
                if balance or sales:
                    found[customer_id] = (standard_dso(balance, sales, days), sales, False)
            figures.append(found)
        return figures
    figures = _countback_walks(ids, as_ofs, balances)
    for as_of, balance_of, found in zip(as_ofs, balances, figures):
        for customer_id, balance in balance_of.items():
            if balance and customer_id not in found:  # no sales at all: no history to walk
                found[customer_id] = countback_dso(balance, {}, as_of, None)
    return figures


def _within(column, ids):
    """`column` among `ids`; anything when `ids` is None (every customer: the table read whole)."""
    return True if ids is None else column.in_(ids)


def _window_sales(ids, as_ofs: Sequence[dt.date], days: int) -> list[dict[int, int]]:
    """For each as-of day, customer -> its sales of the `days` days up to it (net of returns)."""
    sums = [fn.SUM(Order.amount_cents).filter((Order.order_date > as_of - dt.timedelta(days=days))
                                              & (Order.order_date <= as_of)) for as_of in as_ofs]
    query = (Order.select(Order.customer, *sums)
             .where(_within(Order.customer, ids) & (Order.order_date > min(as_ofs) - dt.timedelta(days=days))
                    & (Order.order_date <= max(as_ofs))).group_by(Order.customer))
    found: list[dict[int, int]] = [{} for _ in as_ofs]
    for customer_id, *cents in raw_rows(query):
        for n, value in enumerate(cents):
            if value:
                found[n][customer_id] = int(value)
    return found


def _countback_walks(ids, as_ofs: Sequence[dt.date],
                     balances: Sequence[dict[int, int]]) -> list[dict[int, tuple[Decimal, int, bool]]]:
    """For each as-of day, the countback of every customer with sales up to it: the monthly sums
    up to each day come from one pass in customer order, and each customer is walked as soon as
    its months are in, so only one customer's months are held at a time."""
    month = month_key(Order.order_date)
    sums = [fn.SUM(Order.amount_cents).filter(Order.order_date <= as_of) for as_of in as_ofs]
    rows = (Order.select(Order.customer, month, *sums)
            .where(_within(Order.customer, ids) & (Order.order_date <= max(as_ofs)))
            .group_by(Order.customer, month).order_by(Order.customer))
    firsts: dict[str, dt.date] = {}
    walks: list[dict[int, tuple[Decimal, int, bool]]] = [{} for _ in as_ofs]
    current, months = None, []

    def walk() -> None:
        for n, as_of in enumerate(as_ofs):
            # a month counts up to a day when it has orders by then
            upto = {first: int(cents[n]) for first, cents in months if cents[n] is not None}
            if upto:
                walks[n][current] = countback_dso(int(balances[n].get(current, 0)), upto, as_of, min(upto))
    for customer_id, key, *cents in raw_rows(rows):
        if customer_id != current:
            if current is not None:
                walk()
            current, months = customer_id, []
        months.append((firsts.get(key) or firsts.setdefault(key, parse_month_key(key)), cents))
    if current is not None:
        walk()
    return walks


__all__ = ["DsoRow", "countback_dso", "dso", "dso_figures", "posted_balances", "standard_dso"]
