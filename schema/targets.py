"""Targets (目标分解, DESIGN §5): a goal for a rep, a customer, a region, a product or the whole team
over a month, quarter or year, on one metric; its decomposition into months; and attainment =
actual / target over the same scope and period, beside the share of the period elapsed.

Actuals, each over the orders (or payments) dated within the period:
- sales: order amounts net of returns; for a product, the amounts of its order lines (by SKU or
  product name);
- gross_margin: amount − cost of the orders whose cost is known (those without are counted, so the
  figure can say it is partial);
- new_product_sales: sales of products first sold within the 365 days before the period ends;
- new_outlets: customers whose first deal falls in the period (a count);
- collections: payments received (回款).
A rep's scope is the customers the rep owns now; a region's, the customers in it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterator

from peewee import JOIN, ModelSelect, Value, fn

from schema import clock
from schema.audit import audited_create, audited_update
from schema.db import transaction
from schema.errors import NotFound, PermissionDenied, ValidationError
from schema.models import Customer, Order, OrderLine, Payment, Rep, Target
from schema.periods import add_months, days_in_month, quarter_bounds

MONEY_METRICS = ("sales", "gross_margin", "new_product_sales", "collections")
NEW_PRODUCT_DAYS = 365


@dataclass(frozen=True)
class Period:
    kind: str  # month, quarter, year
    start: dt.date
    end: dt.date

    @property
    def name(self) -> str:
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "quarter":
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    def elapsed(self, as_of: dt.date) -> Decimal:
        """The share of the period gone by the end of `as_of`, 0..1."""
        days = (self.end - self.start).days + 1
        gone = min(max((as_of - self.start).days + 1, 0), days)
        return Decimal(gone) / days


def parse_period(text: str) -> Period:
    """2026 (a year), 2026Q3 (a quarter) or 2026-07 (a month)."""
    value = text.strip()
    try:
        if value.isdigit() and len(value) == 4:
            start = dt.date(int(value), 1, 1)
            return Period("year", start, dt.date(start.year, 12, 31))
        if "Q" in value.upper():
            start, end = quarter_bounds(value.upper())
            return Period("quarter", start, end)
        year, month = value.split("-")
        start = dt.date(int(year), int(month), 1)
        return Period("month", start, start.replace(day=days_in_month(start)))
    except ValueError:
        raise ValidationError(f"{text!r} is not a period: write a year (2026), a quarter (2026Q3) or a month (2026-07).") \
            from None


@dataclass(frozen=True)
class Who:
    """The scope of a target: exactly one of rep, customer, region, product, or none for the team."""

    scope: str
    rep: Rep | None = None
    customer: Customer | None = None
    region: str = ""
    product: str = ""

    @property
    def label(self) -> str:
        return (self.rep.login if self.rep else self.customer.code if self.customer else self.region or self.product
                or "")


def _customers_of(who: Who):
    if who.scope == "rep":
        return Customer.select(Customer.id).where(Customer.owner == who.rep)
    if who.scope == "customer":
        return Customer.select(Customer.id).where(Customer.id == who.customer.id)
    if who.scope == "region":
        return Customer.select(Customer.id).where(Customer.region == who.region)
    return None  # team, product: every customer


def actual(who: Who, metric: str, start: dt.date, end: dt.date) -> tuple[int, int]:
    """(the actual figure, how many orders it could not count for want of a cost)."""
    customers = _customers_of(who)
    in_period = (Order.order_date >= start) & (Order.order_date <= end)
    if customers is not None:
        in_period &= Order.customer.in_(customers)
    if metric == "collections":
        paid = (Payment.paid_on >= start) & (Payment.paid_on <= end)
        if customers is not None:
            paid &= Payment.customer.in_(customers)
        return int(Payment.select(fn.COALESCE(fn.SUM(Payment.amount_cents), 0)).where(paid).scalar()), 0
    if metric == "new_outlets":
        opened = (Customer.first_deal_date >= start) & (Customer.first_deal_date <= end)
        if customers is not None:
            opened &= Customer.id.in_(customers)
        return Customer.select().where(opened).count(), 0
    if metric == "new_product_sales" or who.scope == "product":
        lines = OrderLine.select(fn.COALESCE(fn.SUM(OrderLine.amount_cents), 0)).join(Order).where(in_period)
        if who.scope == "product":
            lines = lines.where((OrderLine.sku == who.product) | (OrderLine.product == who.product))
        if metric == "new_product_sales":
            lines = lines.where(OrderLine.sku.in_(new_products(end)))
        if metric == "gross_margin":
            lines = (OrderLine.select(fn.COALESCE(fn.SUM(OrderLine.amount_cents - OrderLine.cost_cents), 0))
                     .join(Order).where(in_period & OrderLine.cost_cents.is_null(False)
                                        & ((OrderLine.sku == who.product) | (OrderLine.product == who.product))))
        return int(lines.scalar()), 0
    if metric == "gross_margin":
        margin, unknown = (Order.select(fn.COALESCE(fn.SUM(Order.amount_cents - Order.cost_cents), 0),
                                        fn.COUNT(Order.id) - fn.COUNT(Order.cost_cents))
                           .where(in_period).tuples().get())
        return int(margin), int(unknown)
    return int(Order.select(fn.COALESCE(fn.SUM(Order.amount_cents), 0)).where(in_period).scalar()), 0


def new_products(end: dt.date) -> ModelSelect:
    """The SKUs first sold within the `NEW_PRODUCT_DAYS` before `end` (新产品), as a subquery."""
    return (OrderLine.select(OrderLine.sku).join(Order).where(OrderLine.sku != "")
            .group_by(OrderLine.sku)
            .having(fn.MIN(Order.order_date) > end - dt.timedelta(days=NEW_PRODUCT_DAYS)))


def _split_evenly(value: int, parts: int) -> list[int]:
    base, rest = divmod(value, parts)
    return [base + (1 if n < rest else 0) for n in range(parts)]


def split_by_shape(value: int, shape: list[int]) -> list[int]:
    """`value` in parts proportional to `shape` (largest remainder, so they add up exactly);
    evenly when the shape has nothing positive in it."""
    weights = [max(w, 0) for w in shape]
    total = sum(weights)
    if total <= 0:
        return _split_evenly(value, len(shape))
    exact = [value * w for w in weights]
    parts = [e // total for e in exact]
    order = sorted(range(len(shape)), key=lambda n: (-(exact[n] % total), n))
    for n in order[:value - sum(parts)]:
        parts[n] += 1
    return parts


def _existing(who: Who, period: Period, metric: str) -> Target | None:
    return Target.get_or_none((Target.scope == who.scope) & (Target.rep == who.rep) & (Target.customer == who.customer)
                              & (Target.region == who.region) & (Target.product == who.product)
                              & (Target.period == period.kind) & (Target.period_start == period.start)
                              & (Target.metric == metric) & Target.deleted_at.is_null())


def set_target(by: Rep, who: Who, period: Period, metric: str, value: int, *, split: str | None = None,
               reason: str = "") -> list[Target]:
    """Set (or change, audited) a target; with `split` ("even" or "last_year") a year's target is
    decomposed into twelve monthly ones that point at it. Returns the targets written."""
    if by.role not in ("manager", "admin"):
        raise PermissionDenied(f"Only a manager or an admin may set targets; {by.login} is a {by.role}.")
    if value < 0:
        raise ValidationError("A target is not negative.")
    if split and period.kind != "year":
        raise ValidationError("Only a year's target is split into months.")
    why = reason or "target set"
    with transaction():
        written = [_put(by, who, period, metric, value, None, why)]
        if split:
            months = [Period("month", add_months(period.start, n),
                             add_months(period.start, n + 1) - dt.timedelta(days=1)) for n in range(12)]
            shape = ([actual(who, metric, add_months(m.start, -12), add_months(m.start, -11) - dt.timedelta(days=1))[0]
                      for m in months] if split == "last_year" else [1] * 12)
            for month, part in zip(months, split_by_shape(value, shape)):
                written.append(_put(by, who, month, metric, part, written[0], why))
    return written


def _put(by: Rep, who: Who, period: Period, metric: str, value: int, parent: Target | None, reason: str) -> Target:
    found = _existing(who, period, metric)
    values = {"value": value, "parent": parent.id if parent else None, "set_by": by.id}
    if found is not None:
        audited_update(found, values, actor=by.login, reason=reason)
        return Target.get_by_id(found.id)
    return audited_create(Target, {"scope": who.scope, "rep": who.rep, "customer": who.customer,
                                   "region": who.region, "product": who.product, "period": period.kind,
                                   "period_start": period.start, "period_end": period.end, "metric": metric,
                                   **values}, actor=by.login, reason=reason)


@dataclass(frozen=True)
class Attainment:
    target: Target
    who: str
    actual: int
    percent: Decimal | None  # actual / target
    elapsed_percent: Decimal
    uncosted_orders: int = 0


def attainment(rep: Rep, *, as_of: dt.date | None = None, period: Period | None = None,
               metric: str | None = None, owner: str | None = None,
               scopes: tuple[str, ...] | None = None) -> Iterator[Attainment]:
    """The targets in force on `as_of` (or those of `period`), with their actuals up to `as_of`.
    A rep sees the team's, regions' and products' targets, their own and their customers'."""
    as_of = as_of or clock.today()
    # the rep and the customer come in the same query (not one query per target for each)
    query = (Target.select(Target, Rep, Customer)
             .join(Rep, JOIN.LEFT_OUTER, on=(Target.rep == Rep.id), attr="rep").switch(Target)
             .join(Customer, JOIN.LEFT_OUTER, on=(Target.customer == Customer.id), attr="customer")
             .where(Target.deleted_at.is_null()))
    if period is not None:
        query = query.where((Target.period == period.kind) & (Target.period_start == period.start))
    else:
        query = query.where((Target.period_start <= as_of) & (Target.period_end >= as_of))
    if metric:
        query = query.where(Target.metric == metric)
    if scopes:
        query = query.where(Target.scope.in_(scopes))
    if owner:
        query = query.where(Rep.login == owner)
    if rep.role == "rep":
        from schema.access import visible_customers
        query = query.where(Target.scope.in_(("team", "region", "product")) | (Target.rep == rep.id)
                            | Target.customer.in_(visible_customers(rep).select(Customer.id)))
    order = {"team": 0, "region": 1, "product": 2, "rep": 3, "customer": 4}
    targets = sorted(query, key=lambda t: (order.get(t.scope, 9), t.period_start, t.metric, t.id))
    figures = actuals(targets, as_of)
    for target in targets:
        who = Who(target.scope, target.rep, target.customer, target.region, target.product)
        figure, uncosted = figures[target.id]
        percent = None if not target.value else (Decimal(figure) * 100 / target.value).quantize(
            Decimal("0.1"), ROUND_HALF_UP)
        elapsed = (Period(target.period, target.period_start, target.period_end).elapsed(as_of) * 100).quantize(
            Decimal("0.1"), ROUND_HALF_UP)
        yield Attainment(target, who.label, figure, percent, elapsed, uncosted)


def _per_customer(metric: str, start: dt.date, end: dt.date) -> dict[int, tuple[int, int]]:
    """customer id -> (the metric's actual over [start, end], orders without a cost), one pass."""
    if metric == "collections":
        query = (Payment.select(Payment.customer, fn.SUM(Payment.amount_cents), Value(0))
                 .where((Payment.paid_on >= start) & (Payment.paid_on <= end)).group_by(Payment.customer))
    elif metric == "new_outlets":
        query = Customer.select(Customer.id, Value(1), Value(0)).where(
            (Customer.first_deal_date >= start) & (Customer.first_deal_date <= end))
    else:
        value = Order.amount_cents - Order.cost_cents if metric == "gross_margin" else Order.amount_cents
        uncosted = fn.COUNT(Order.id) - fn.COUNT(Order.cost_cents) if metric == "gross_margin" else Value(0)
        query = (Order.select(Order.customer, fn.SUM(value), uncosted)
                 .where((Order.order_date >= start) & (Order.order_date <= end)).group_by(Order.customer))
    return {cid: (int(v or 0), int(u or 0)) for cid, v, u in query.tuples()}


def actuals(targets: list[Target], as_of: dt.date) -> dict[int, tuple[int, int]]:
    """`actual()` of each target up to `as_of`, by target id. The targets of one metric and period
    share one pass over the documents, summed per customer and then per rep, region or the team
    (thousands of targets in force make a few queries, not thousands). Product targets and
    new-product sales go one by one."""
    out: dict[int, tuple[int, int]] = {}
    groups: dict[tuple, list[Target]] = {}
    for target in targets:
        end = min(target.period_end, as_of)
        if target.scope in ("rep", "customer", "region", "team") and target.metric != "new_product_sales":
            groups.setdefault((target.metric, target.period_start, end), []).append(target)
        else:
            who = Who(target.scope, target.rep, target.customer, target.region, target.product)
            out[target.id] = actual(who, target.metric, target.period_start, end)
    owners: dict[int, tuple[int, str]] = {}  # customer -> (owner, region): the scope as actual() reads it
    if any(t.scope in ("rep", "region") for members in groups.values() for t in members):
        owners = {cid: (owner, region) for cid, owner, region in
                  Customer.select(Customer.id, Customer.owner, Customer.region).tuples()}
    for (metric, start, end), members in groups.items():
        found = _per_customer(metric, start, end)
        scopes = {t.scope for t in members}
        totals: dict[tuple[str, object], list[int]] = {}
        for cid, (value, uncosted) in found.items():
            owner, region = owners.get(cid, (None, None))
            for scope, key in (("customer", cid), ("rep", owner), ("region", region), ("team", None)):
                if scope in scopes:
                    total = totals.setdefault((scope, key), [0, 0])
                    total[0] += value
                    total[1] += uncosted
        for target in members:
            key = {"customer": target.customer_id, "rep": target.rep_id, "region": target.region}.get(target.scope)
            out[target.id] = tuple(totals.get((target.scope, key), (0, 0)))
    return out


def who_from(scope: str, key: str | None) -> Who:
    """The scope named on the command line: a rep's login, a customer code, a region, a product."""
    if scope == "team":
        return Who("team")
    if not key:
        raise ValidationError(f"A {scope} target needs the {scope} it is for.")
    if scope == "rep":
        rep = Rep.get_or_none((Rep.login == key) & Rep.active)
        if rep is None:
            raise NotFound(f"No active user {key!r}; `kacrm user list` shows who there is.")
        return Who("rep", rep=rep)
    if scope == "customer":
        customer = Customer.get_or_none((Customer.code == key) & Customer.deleted_at.is_null())
        if customer is None:
            raise NotFound(f"No customer with code {key!r}.")
        return Who("customer", customer=customer)
    return Who(scope, region=key) if scope == "region" else Who(scope, product=key)


__all__ = ["Attainment", "MONEY_METRICS", "Period", "Who", "actual", "attainment", "parse_period", "set_target",
           "split_by_shape", "who_from"]
