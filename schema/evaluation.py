"""Customer evaluation (客户考核, DESIGN §5): ability, attitude and results, each 0-100, weighted
into one score and a band (特别优秀 / 优秀 / 良好 / 及格 / 不及格, by `[evaluation]`). A scorecard is
kept per customer and period; entering it again for the same period changes it (audited). The
training the customer received in the period (visits of kind training, done) stands beside it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from peewee import fn

from schema import access
from schema.audit import audited_create, audited_update
from schema.config import EvaluationConfig
from schema.db import transaction
from schema.errors import PermissionDenied, ValidationError
from schema.models import Customer, Evaluation, Rep, Visit
from schema.targets import parse_period

SCORES = ("ability", "attitude", "results")


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """2026, 2026Q3 or 2026-07 as its first and last day."""
    found = parse_period(period)
    return found.start, found.end


def weighted(scores: dict[str, int], config: EvaluationConfig) -> int:
    total = sum(config.weights.values())
    exact = Decimal(sum(config.weights[name] * scores[name] for name in SCORES)) / total
    return int(exact.quantize(Decimal(1), ROUND_HALF_UP))


def evaluate(by: Rep, customer: Customer, period: str, scores: dict[str, int], config: EvaluationConfig, *,
             notes: str = "") -> Evaluation:
    """Record (or change) the scorecard of `customer` for `period`, by someone who may edit it."""
    if not access.can_edit(by, customer):
        raise PermissionDenied(f"{by.login} may not evaluate {customer.code}.")
    period_bounds(period)
    for name in SCORES:
        value = scores.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            raise ValidationError(f"The {name} score must be a whole number from 0 to 100; found {value!r}.")
    score = weighted(scores, config)
    values = {"ability_score": scores["ability"], "attitude_score": scores["attitude"],
              "results_score": scores["results"], "score": score, "band": config.band(score),
              "notes": notes.strip(), "evaluated_by": by.id}
    key = period.strip().upper()
    with transaction():
        found = Evaluation.get_or_none((Evaluation.customer == customer) & (Evaluation.period == key))
        if found is None:
            return audited_create(Evaluation, {"customer": customer, "period": key, **values}, actor=by,
                                  reason="evaluation")
        audited_update(found, values, actor=by, reason="evaluation")
        return Evaluation.get_by_id(found.id)


@dataclass(frozen=True)
class Scorecard:
    code: str
    name: str
    owner: str
    period: str
    ability: int
    attitude: int
    results: int
    score: int
    band: str
    trainings: int
    notes: str


def scorecards(rep: Rep, *, period: str | None = None, codes: tuple[str, ...] = ()) -> list[Scorecard]:
    """The scorecards of the customers `rep` may see (of one period, or all), with the trainings done."""
    query = (Evaluation.select(Evaluation, Customer.code, Customer.name, Rep.login)
             .join(Customer).join(Rep, on=(Customer.owner == Rep.id))
             .where(Evaluation.customer.in_(access.visible_customers(rep).select(Customer.id))
                    & Evaluation.deleted_at.is_null()))
    if period:
        period_bounds(period)
        query = query.where(Evaluation.period == period.strip().upper())
    if codes:
        query = query.where(Customer.code.in_(list(codes)))
    cards = list(query.order_by(Customer.code, Evaluation.period).objects())
    trainings: dict[tuple[int, str], int] = {}
    for key in sorted({row.period for row in cards}):  # one count per period, not one per card
        first, last = period_bounds(key)
        counted = (Visit.select(Visit.customer, fn.COUNT(Visit.id))
                   .where(Visit.customer.in_(query.select(Evaluation.customer).where(Evaluation.period == key))
                          & (Visit.kind == "training") & (Visit.status == "done") & Visit.deleted_at.is_null()
                          & (Visit.at >= dt.datetime.combine(first, dt.time(), dt.timezone.utc))
                          & (Visit.at < dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.timezone.utc)))
                   .group_by(Visit.customer).tuples())
        trainings.update(((customer_id, key), count) for customer_id, count in counted)
    return [Scorecard(row.code, row.name, row.login, row.period, row.ability_score, row.attitude_score,
                      row.results_score, row.score, row.band, int(trainings.get((row.customer_id, row.period), 0)),
                      row.notes)
            for row in cards]


__all__ = ["SCORES", "Scorecard", "evaluate", "period_bounds", "scorecards", "weighted"]
