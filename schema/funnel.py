"""The sales funnel (销售漏斗, DESIGN §5): opportunities by stage (酝酿 → 设计 → 比较 → 谈判 → 成交 /
丢单) with their amounts weighted by probability, and sales progress (销售进展) over the quarter's
target.

- An opportunity below `[funnel] min_amount` stays out of the funnel.
- Open stages count the opportunities open at the end of the as-of day. Won and lost count those
  closed within the as-of quarter.
- The forecast on a day is the weighted amount of the opportunities open then, expected to close
  within that day's quarter. Open then means created by that day and not closed by it. Amounts and
  probabilities are taken as they stand now.
- Sales progress = (this week's forecast − last week's) + (cumulative sales of the quarter now −
  a week ago), over the quarter's sales target. "A week ago" is the as-of day minus seven days.
  The target is the rep's own when one rep is asked for, else the team's."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from peewee import fn

from schema import clock
from schema.config import FunnelConfig
from schema.models import Customer, Opportunity, Order, Rep, Target
from schema.periods import quarter_bounds, quarter_of
from schema.reports_scope import Scope, scoped_customers
from schema.vocab import OPPORTUNITY_STAGES

OPEN_STAGES = ("build_trust", "uncover_needs", "present_value", "negotiate")


@dataclass(frozen=True)
class StageRow:
    stage: str
    count: int
    amount_cents: int
    weighted_cents: int


@dataclass(frozen=True)
class Progress:
    quarter: str
    forecast_cents: int
    forecast_week_ago_cents: int
    sales_cents: int  # the quarter's sales to the as-of day
    sales_week_ago_cents: int
    target_cents: int | None

    @property
    def progress_cents(self) -> int:
        return (self.forecast_cents - self.forecast_week_ago_cents) + (self.sales_cents - self.sales_week_ago_cents)

    @property
    def progress_percent(self) -> Decimal | None:
        if not self.target_cents:
            return None
        return (Decimal(self.progress_cents) * 100 / self.target_cents).quantize(Decimal("0.1"), ROUND_HALF_UP)


def weighted(amount, probability) -> int:
    """An amount times its probability (percent), to the cent."""
    return int((Decimal(amount) * probability / 100).quantize(Decimal(1), ROUND_HALF_UP))


def _opportunities(rep: Rep, scope: Scope | None, config: FunnelConfig):
    scope = scope or Scope()
    query = (Opportunity.select(Opportunity.stage, Opportunity.amount_cents, Opportunity.probability_percent,
                                Opportunity.created_at, Opportunity.closed_on, Opportunity.expected_close_on)
             .where(Opportunity.customer.in_(scoped_customers(rep, Scope(None, scope.codes, scope.region))
                                             .select(Customer.id))
                    & Opportunity.deleted_at.is_null() & (Opportunity.amount_cents >= config.min_amount_cents)))
    if scope.owner:
        query = query.join(Rep, on=(Opportunity.owner == Rep.id)).where(Rep.login == scope.owner)
    return list(query.tuples())


def _open_on(created, closed, stage, day: dt.date) -> bool:
    made = created.date() if isinstance(created, dt.datetime) else created
    if made is not None and made > day:
        return False
    if closed is not None:
        return closed > day
    return stage in OPEN_STAGES


def stages(rep: Rep, config: FunnelConfig, scope: Scope | None = None, *, as_of: dt.date | None = None) -> list[StageRow]:
    as_of = as_of or clock.today()
    start, end = quarter_bounds(quarter_of(as_of))
    sums = {stage: [0, 0, 0] for stage in OPPORTUNITY_STAGES}
    for stage, amount, probability, created, closed, _ in _opportunities(rep, scope, config):
        if stage in OPEN_STAGES:
            if not _open_on(created, closed, stage, as_of):
                continue
        elif closed is None or not (start <= closed <= as_of):
            continue
        row = sums[stage]
        row[0] += 1
        row[1] += amount
        row[2] += amount if stage == "won" else 0 if stage == "lost" else weighted(amount, probability)
    return [StageRow(stage, *values) for stage, values in sums.items()]


def progress(rep: Rep, config: FunnelConfig, scope: Scope | None = None, *, as_of: dt.date | None = None) -> Progress:
    as_of = as_of or clock.today()
    scope = scope or Scope()
    quarter = quarter_of(as_of)
    start, end = quarter_bounds(quarter)
    week_ago = as_of - dt.timedelta(days=7)
    opportunities = _opportunities(rep, scope, config)

    def forecast(day: dt.date) -> int:
        """What was expected to close within the as-of quarter, as it stood on `day`."""
        return sum(weighted(amount, probability) for stage, amount, probability, created, closed, expected
                   in opportunities if expected is not None and start <= expected <= end
                   and _open_on(created, closed, stage, day))

    customers = scoped_customers(rep, scope).select(Customer.id)

    def sales(until: dt.date) -> int:
        if until < start:
            return 0
        return int(Order.select(fn.COALESCE(fn.SUM(Order.amount_cents), 0))
                   .where(Order.customer.in_(customers) & (Order.order_date >= start) & (Order.order_date <= until))
                   .scalar())
    target = Target.select(Target.value).where(
        (Target.metric == "sales") & (Target.period == "quarter") & (Target.period_start == start)
        & Target.deleted_at.is_null())
    if scope.owner:
        target = target.join(Rep, on=(Target.rep == Rep.id)).where((Target.scope == "rep") & (Rep.login == scope.owner))
    else:
        target = target.where(Target.scope == "team")
    found = target.scalar()
    return Progress(quarter, forecast(as_of), forecast(week_ago), sales(as_of), sales(week_ago),
                    None if found is None else int(found))


__all__ = ["OPEN_STAGES", "Progress", "StageRow", "progress", "stages", "weighted"]
