"""Customer evaluation (客户考核): weighted score, band, per period, with the trainings beside it."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from schema.config import EvaluationConfig
from schema.config_rules import Invalid
from schema.errors import PermissionDenied, ValidationError
from schema.evaluation import evaluate, scorecards
from schema.models import AuditEntry, Evaluation, Visit

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize("scores, score, band", [
    ((100, 100, 100), 100, "outstanding"), ((90, 90, 88), 89, "excellent"), ((90, 90, 89), 90, "outstanding"), ((70, 70, 70), 70, "good"),
    ((60, 60, 59), 60, "pass"), ((59, 59, 59), 59, "fail"), ((90, 80, 70), 78, "good"),
])
def test_weights_and_bands(db, make_rep, make_customer, scores, score, band):
    rep = make_rep("alice")
    card = evaluate(rep, make_customer(rep), "2026Q3", dict(zip(("ability", "attitude", "results"), scores)),
                    EvaluationConfig())
    assert (card.score, card.band) == (score, band)


def test_bands_must_fall():
    with pytest.raises(Invalid):
        EvaluationConfig(bands={"outstanding": 90, "excellent": 95, "good": 70, "pass": 60})


def test_one_card_per_period_audited_with_trainings(make_rep, make_customer, kacrm):
    alice, bob = make_rep("alice"), make_rep("bob")
    c = make_customer(alice, code="C1")
    config = EvaluationConfig()
    evaluate(alice, c, "2026q3", {"ability": 80, "attitude": 80, "results": 80}, config)
    evaluate(alice, c, "2026Q3", {"ability": 80, "attitude": 80, "results": 95}, config, notes="复评")
    evaluate(alice, c, "2026Q4", {"ability": 50, "attitude": 50, "results": 50}, config)
    assert Evaluation.select().count() == 2
    assert AuditEntry.select().where(AuditEntry.field == "results_score").count() >= 1
    for day, kind, status in ((dt.date(2026, 8, 1), "training", "done"), (dt.date(2026, 9, 30), "training", "done"),
                              (dt.date(2026, 9, 1), "training", "planned"), (dt.date(2026, 10, 1), "training", "done"),
                              (dt.date(2026, 8, 2), "visit", "done")):
        Visit.create(customer=c, rep=alice, at=dt.datetime.combine(day, dt.time(10), SHANGHAI), kind=kind, status=status)
    cards = {card.period: card for card in scorecards(alice)}
    assert (cards["2026Q3"].score, cards["2026Q3"].band, cards["2026Q3"].trainings) == (88, "excellent", 2)
    assert (cards["2026Q4"].band, cards["2026Q4"].trainings) == ("fail", 1)
    assert scorecards(bob) == []
    with pytest.raises(PermissionDenied):
        evaluate(bob, c, "2026Q4", {"ability": 1, "attitude": 1, "results": 1}, config)
    with pytest.raises(ValidationError, match="0 to 100"):
        evaluate(alice, c, "2026Q4", {"ability": 101, "attitude": 1, "results": 1}, config)
    with pytest.raises(ValidationError, match="period"):
        evaluate(alice, c, "Q4", {"ability": 1, "attitude": 1, "results": 1}, config)

    done = kacrm("evaluate", "C1", "--period", "2026", "--ability", "95", "--attitude", "90", "--results", "92",
                 user="alice")
    assert done.exit_code == 0 and "特别优秀" in done.output
    rows = json.loads(kacrm("report", "evaluation", "--period", "2026", "--format", "json", user="alice").output)
    assert [(r["period"], r["score"], r["band"], r["trainings"]) for r in rows] == [("2026", 93, "特别优秀", 3)]


def test_trainings_counted_per_customer_and_period(make_rep, make_customer):
    alice = make_rep("alice")
    one, two = make_customer(alice, code="C1"), make_customer(alice, code="C2")
    config = EvaluationConfig()
    scores = {"ability": 70, "attitude": 70, "results": 70}
    for customer, period in ((one, "2026Q3"), (one, "2026-08"), (two, "2026Q3"), (two, "2026")):
        evaluate(alice, customer, period, scores, config)
    for customer, day, kind, status in ((one, dt.date(2026, 8, 1), "training", "done"),
                                        (one, dt.date(2026, 9, 30), "training", "done"),
                                        (two, dt.date(2026, 7, 15), "training", "done"),
                                        (two, dt.date(2026, 10, 1), "training", "done"),
                                        (two, dt.date(2026, 8, 20), "training", "cancelled")):
        Visit.create(customer=customer, rep=alice, at=dt.datetime.combine(day, dt.time(10), SHANGHAI), kind=kind,
                     status=status)
    assert [(c.code, c.period, c.trainings) for c in scorecards(alice)] == [
        ("C1", "2026-08", 1), ("C1", "2026Q3", 2), ("C2", "2026", 2), ("C2", "2026Q3", 1)]
    assert [(c.code, c.period, c.trainings) for c in scorecards(alice, period="2026q3", codes=("C2",))] == [
        ("C2", "2026Q3", 1)]
