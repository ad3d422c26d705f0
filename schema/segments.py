"""Customer classification (DESIGN §5), each class defined once here and shared by the app, the CLI
and the exports:

- ABC (二八原理): customers ranked by sales over the last twelve months; those making up the first
  `a_percent` of the total are A, up to `b_percent` B, the rest C. A customer is classed by the
  share of the customers ranked above it, so the biggest customer is always A.
- Current customers (trading in the last twelve months) by contribution × stability (贡献度 ×
  稳定度): contribution is high for the top `contribution_high_top_percent` of them by sales;
  stability is high with orders in at least `stability_high_months` of the twelve months and a
  spread of monthly sales (coefficient of variation) of at most `stability_max_cv_percent`.
  EI high/high 巩固, EII high/low 扭转, EIII low/high 提升, EIV low/low 清算.
- Prospects by expected contribution × intent (预期贡献 × 意向度): the weighted mean of the factor
  scores the rep entered (1-5) against `prospect_high_score`, intent (1-5) against `intent_high`.
  PI high/high 首要突破, PII high/low 重点培养, PIII low/high 意向跟进, PIV low/low 观望. A prospect
  without scores is not classed.
- Attack / defend / maintain / give up (攻守模型), for customers with a purchase potential: high
  potential at `potential_high` or more; our share = 12-month sales / potential, high at
  `share_high_percent` or more. Attack 进攻 high/low, defend 防御 high/high, maintain 维持 low/high,
  give up 放弃 low/low.

`refresh_segments` stores the classes on the customers and one SegmentSnapshot per customer and
period, so moves between classes can be listed later (`segment_moves`)."""
from __future__ import annotations

import datetime as dt
import gc
import math
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterator

from peewee import JOIN, SQL, fn

from schema import access, clock
from schema.config import PROSPECT_FACTORS, AbcConfig, SegmentsConfig
from schema.db import database, is_sqlite, transaction
from schema.models import Customer, Order, Rep, SegmentSnapshot
from schema.periods import (add_months, computed_once, last_twelve_months, month_number, quarter_bounds, quarter_of,
                            raw_rows, raw_rows_aside)
from schema.reports_scope import Scope, covers_everyone, scoped_customers


@dataclass(slots=True)
class SegmentRow:
    customer_id: int
    code: str
    name: str
    owner: str
    region: str
    lifecycle: str
    sales_12m_cents: int = 0
    margin_12m_cents: int | None = None  # where the cost of every order is known
    months_with_orders: int = 0
    monthly: list[int] | None = None  # the twelve monthly sales, oldest first (None: no orders)
    abc_class: str = ""
    segment: str = ""  # EI..EIV, PI..PIV or ""
    strategy: str = ""  # attack, defend, maintain, give_up or ""
    prospect_score: Decimal | None = None
    intent: int | None = None
    potential_cents: int | None = None
    share_percent: Decimal | None = None
    stored: tuple = ()  # the (ABC, segment, strategy) the customer holds from the last refresh

    @property
    def spread(self) -> tuple[int, int] | None:
        """(n·Σx² − (Σx)², Σx) of the monthly sales (see `spread_percent`), worked out when asked."""
        return None if self.monthly is None else _spread(self.monthly)

    @property
    def spread_percent(self) -> Decimal | None:
        """The coefficient of variation of the monthly sales, in percent (None without sales)."""
        spread = self.spread
        return None if spread is None else _cv_percent(*spread)


def abc_classes(sales: list[tuple[int, int]], config: AbcConfig = AbcConfig()) -> list[tuple[str, int]]:
    """(class, key) for the (cents, key) pairs with sales: ranked by sales, biggest first (ties by
    key), classed by the share of those ranked above."""
    ranked = sorted((-cents, key) for cents, key in sales if cents > 0)  # biggest first, then by key
    total = -sum(negated for negated, _ in ranked)
    a_limit, b_limit = total * config.a_percent, total * config.b_percent
    classes, before = [], 0
    for negated, key in ranked:
        share = before * 100
        classes.append(("A" if share < a_limit else "B" if share < b_limit else "C", key))
        before -= negated
    return classes


def _spread(monthly: list[int]) -> tuple[int, int] | None:
    """(n·Σx² − (Σx)², Σx) of the monthly sales, in integers (variance · n² is the first), or None
    when the sales are not positive."""
    total = sum(monthly)
    if total <= 0:
        return None
    return len(monthly) * sum(cents * cents for cents in monthly) - total * total, total


def _cv_percent(scaled: int, total: int) -> Decimal:
    return Decimal(math.sqrt(scaled) / total * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def spread_percent(monthly: list[int]) -> Decimal | None:
    """The coefficient of variation of twelve monthly sales (population standard deviation over
    the mean), in percent; None when the mean is not positive."""
    spread = _spread(monthly)
    return None if spread is None else _cv_percent(*spread)


def prospect_score(scores: dict[str, int | None], weights: dict[str, int]) -> Decimal | None:
    """The weighted mean of the factors scored (a factor left empty does not count); None if none."""
    scored = [(weights.get(name, 0), value) for name, value in scores.items() if value is not None]
    total = sum(weight for weight, _ in scored)
    if not scored or total <= 0:
        return None
    return (Decimal(sum(weight * value for weight, value in scored)) / total).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _share_percent(sales_cents: int, potential_cents: int) -> Decimal:
    """The 12-month sales (none below zero) over the potential, in percent to one decimal, half up:
    in integers for a positive potential (the figure Decimal division gives, at a third of the cost)."""
    sales_cents = max(sales_cents, 0)
    if potential_cents < 0:
        return (Decimal(sales_cents) * 100 / potential_cents).quantize(Decimal("0.1"), ROUND_HALF_UP)
    tenths, rest = divmod(sales_cents * 1000, potential_cents)
    return Decimal(tenths + (2 * rest >= potential_cents)).scaleb(-1)


def _quadrant(high_first: bool, high_second: bool, names: tuple[str, str, str, str]) -> str:
    return names[(0 if high_second else 1) if high_first else (2 if high_second else 3)]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold Python's cycle collector while a row per customer is built: the rows make no cycles,
    and its passes over a hundred thousand of them cost a fifth of the classification."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


def classify(rep: Rep, abc: AbcConfig, config: SegmentsConfig, scope: Scope | None = None, *,
             as_of: dt.date | None = None) -> list[SegmentRow]:
    """Every customer `rep` may see (within `scope`), classed as of `as_of` (default today). ABC
    and the contribution ranking are over all the customers the scope holds."""
    with _collector_paused():
        return _classify(rep, abc, config, scope, as_of)


def _classify(rep: Rep, abc: AbcConfig, config: SegmentsConfig, scope: Scope | None,
              as_of: dt.date | None) -> list[SegmentRow]:
    as_of = as_of or clock.today()
    start, end = last_twelve_months(as_of)
    customers = scoped_customers(rep, scope)
    # the year's monthly sums (a scan of the orders) are read beside the customers
    sums = raw_rows_aside(_twelve_month_sums(start, end, None if covers_everyone(rep, scope) else customers))
    score_fields = [getattr(Customer, f"score_{name}") for name in PROSPECT_FACTORS]
    rows: dict[int, SegmentRow] = {}
    scores: dict[int, tuple] = {}  # the factor scores, in PROSPECT_FACTORS order
    for values in raw_rows(customers.select(Customer.id, Customer.code, Customer.name, Rep.login, Customer.region,
                                            Customer.lifecycle, Customer.purchase_potential_cents, Customer.intent,
                                            Customer.abc_class, Customer.segment, Customer.strategy,
                                            *score_fields).order_by(Customer.code)):
        cid, code, name, login, region, lifecycle, potential, intent = values[:8]
        rows[cid] = SegmentRow(cid, code, name, login, region, lifecycle, potential_cents=potential, intent=intent,
                               stored=values[8:11])
        scores[cid] = values[11:]
    for cid, *values in sums():
        row = rows.get(cid)
        if row is None:
            continue
        series, (orders, costed, cost) = [cents or 0 for cents in values[:12]], values[12:]
        row.sales_12m_cents = sales = sum(series)
        row.margin_12m_cents = sales - cost if costed == orders else None  # only where every cost is known
        row.months_with_orders = len([cents for cents in series if cents > 0])
        row.monthly = series
    for klass, cid in abc_classes([(row.sales_12m_cents, cid) for cid, row in rows.items()], abc):
        rows[cid].abc_class = klass
    current = sorted((row for row in rows.values() if row.sales_12m_cents > 0),
                     key=lambda row: (-row.sales_12m_cents, row.code))
    top = math.ceil(len(current) * config.contribution_high_top_percent / 100)
    steady_months, max_cv = config.stability_high_months, config.stability_max_cv_percent
    for rank, row in enumerate(current):
        # CV = sqrt(scaled) / total <= limit%, in integers: scaled * 100^2 <= (limit * total)^2
        stable = (row.months_with_orders >= steady_months and (spread := row.spread) is not None
                  and spread[0] * 10_000 <= (max_cv * spread[1]) ** 2)
        row.segment = _quadrant(rank < top, stable, ("EI", "EII", "EIII", "EIV"))
    for cid, row in rows.items():
        if row.sales_12m_cents <= 0 and row.lifecycle != "lost":
            row.prospect_score = prospect_score(dict(zip(PROSPECT_FACTORS, scores[cid])), config.prospect_weights)
            if row.prospect_score is not None and row.intent is not None:
                row.segment = _quadrant(row.prospect_score >= config.prospect_high_score,
                                        row.intent >= config.intent_high, ("PI", "PII", "PIII", "PIV"))
        if row.potential_cents:
            row.share_percent = _share_percent(row.sales_12m_cents, row.potential_cents)
            row.strategy = _quadrant(row.potential_cents >= config.potential_high_cents,
                                     row.share_percent < config.share_high_percent,
                                     ("attack", "defend", "give_up", "maintain"))
    return list(rows.values())


def _twelve_month_sums(start: dt.date, end: dt.date, customers):
    """One row per customer with orders in [start, end] (twelve months from the first of `start`'s):
    the customer, its twelve monthly sales in order, its orders, those with a cost, their cost. One
    pass over the year's orders, each month told by its number; `customers` None: everyone."""
    orders = (Order.select(Order.customer.alias("cid"), Order.amount_cents.alias("amount"),
                           Order.cost_cents.alias("cost"), month_number(Order.order_date).alias("month"))
              .where((Order.order_date >= start) & (Order.order_date <= end)))
    if customers is not None:
        orders = orders.where(Order.customer.in_(customers.select(Customer.id)))
    each = computed_once(orders).alias("o")
    monthly = [fn.SUM(each.c.amount).filter(each.c.month == add_months(start, n).month) for n in range(12)]
    return (Order.select(each.c.cid, *monthly, fn.COUNT(SQL("*")), fn.COUNT(each.c.cost), fn.SUM(each.c.cost))
            .from_(each).group_by(each.c.cid))


def refresh_segments(abc: AbcConfig, config: SegmentsConfig, *, as_of: dt.date | None = None,
                     period: str | None = None, now: dt.datetime | None = None) -> int:
    """Class every customer (ABC over the whole company) and store the classes on the customers
    and in one SegmentSnapshot per customer for `period` (default: the quarter of `as_of`),
    replacing that period's earlier snapshot. Returns the number of customers classed."""
    as_of = as_of or clock.today()
    period = period or quarter_of(as_of)
    with _collector_paused():
        rows = classify(access.system_rep(), abc, config, as_of=as_of)
        _store(rows, period, as_of, now)
    return len(rows)


def _store(rows: list[SegmentRow], period: str, as_of: dt.date, now: dt.datetime | None) -> None:
    """The classes onto the customers (where they changed) and the period's snapshot."""
    p = database.obj.param
    with transaction():
        cursor = database.cursor()
        cursor.executemany(f'UPDATE "customer" SET abc_class = {p}, segment = {p}, strategy = {p} WHERE id = {p}',
                           [(r.abc_class, r.segment, r.strategy, r.customer_id) for r in rows
                            if r.stored != (r.abc_class, r.segment, r.strategy)])
        stamp = str(SegmentSnapshot.created_at.db_value(now or clock.now()))
        columns = ("customer_id", "period", "as_of", "abc_class", "segment", "strategy", "lifecycle",
                   "sales_12m_cents", "margin_12m_cents", "months_with_orders", "created_at")
        # the period's earlier snapshot is overwritten row by row (a third cheaper than deleting it
        # and inserting anew) where a figure changed: a row the same again keeps its first stamp,
        # and is not written; the rows of customers no longer classed are dropped
        differs = "IS NOT" if is_sqlite() else "IS DISTINCT FROM"
        cursor.executemany(
            f'INSERT INTO "segment_snapshot" ({", ".join(columns)}) VALUES ({", ".join([p] * len(columns))}) '
            f'ON CONFLICT (customer_id, period) DO UPDATE SET '
            + ", ".join(f"{column} = excluded.{column}" for column in columns[2:])
            + " WHERE " + " OR ".join(f'"segment_snapshot".{column} {differs} excluded.{column}'
                                      for column in columns[2:-1]),
            [(r.customer_id, period, as_of.isoformat(), r.abc_class, r.segment, r.strategy, r.lifecycle,
              r.sales_12m_cents, r.margin_12m_cents, r.months_with_orders, stamp) for r in rows])
        classed = {r.customer_id for r in rows}
        gone = [cid for cid, in raw_rows(SegmentSnapshot.select(SegmentSnapshot.customer)
                                         .where(SegmentSnapshot.period == period)) if cid not in classed]
        for first in range(0, len(gone), 500):
            SegmentSnapshot.delete().where((SegmentSnapshot.period == period)
                                           & SegmentSnapshot.customer.in_(gone[first:first + 500])).execute()


def refresh_finished_quarter(abc: AbcConfig, config: SegmentsConfig, *, today: dt.date | None = None) -> str | None:
    """The daemon's part: once a quarter has ended, class everyone as of its last day and keep the
    snapshot under its name, unless that is done already. Returns the quarter refreshed, or None."""
    today = today or clock.today()
    first, _ = quarter_bounds(quarter_of(today))
    last_day = first - dt.timedelta(days=1)
    period = quarter_of(last_day)
    if SegmentSnapshot.select().where(SegmentSnapshot.period == period).exists() \
            or not Customer.select().where(Customer.deleted_at.is_null()).exists():
        return None
    refresh_segments(abc, config, as_of=last_day, period=period)
    return period


@dataclass(frozen=True)
class SegmentMove:
    code: str
    name: str
    owner: str
    before: str
    after: str


def segment_moves(rep: Rep, before: str, after: str, scope: Scope | None = None, *,
                  what: str = "segment") -> Iterator[SegmentMove]:
    """The customers `rep` may see whose `what` (segment, abc_class or strategy) differs between
    the snapshots of two periods, by code ("who fell from EI to EII")."""
    Earlier, Later = SegmentSnapshot.alias(), SegmentSnapshot.alias()
    old, new = getattr(Earlier, what), getattr(Later, what)
    query = (scoped_customers(rep, scope)
             .select(Customer.code, Customer.name, Rep.login, fn.COALESCE(old, ""), fn.COALESCE(new, ""))
             .switch(Customer)
             .join(Earlier, JOIN.LEFT_OUTER, on=((Earlier.customer == Customer.id) & (Earlier.period == before)))
             .switch(Customer)
             .join(Later, JOIN.LEFT_OUTER, on=((Later.customer == Customer.id) & (Later.period == after)))
             .where((Earlier.id.is_null(False) | Later.id.is_null(False)) & (fn.COALESCE(old, "") != fn.COALESCE(new, "")))
             .order_by(Customer.code).tuples())
    for code, name, login, was, now in query.iterator():
        yield SegmentMove(code, name, login, was, now)


__all__ = ["SegmentMove", "SegmentRow", "abc_classes", "classify", "prospect_score", "refresh_finished_quarter",
           "refresh_segments", "segment_moves", "spread_percent"]
