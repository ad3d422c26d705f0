"""The funnel and sales progress (DESIGN §5), worked by hand."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from schema import ledger
from schema.config import FunnelConfig
from schema.funnel import progress, stages
from schema.models import Customer, Opportunity
from schema.reports_scope import Scope
from schema.targets import Who, parse_period, set_target

D = dt.date


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setenv("KACRM_NOW", "2026-11-20T09:00:00+08:00")


def _opportunity(customer, owner, stage, amount, probability, *, created, closed=None, expected=None):
    return Opportunity.create(customer=customer, owner=owner, title=f"{stage} {amount}", stage=stage,
                              amount_cents=amount, probability_percent=probability, closed_on=closed,
                              expected_close_on=expected,
                              created_at=dt.datetime.combine(created, dt.time(1), dt.timezone.utc))


def test_stages_progress_and_the_floor(make_rep, make_customer, kacrm):
    boss, alice, bob = make_rep("boss", "manager"), make_rep("alice"), make_rep("bob")
    a, b = make_customer(alice), make_customer(bob)
    _opportunity(a, alice, "negotiate", 100_000_00, 80, created=D(2026, 10, 1), expected=D(2026, 12, 15))
    _opportunity(a, alice, "build_trust", 50_000_00, 10, created=D(2026, 11, 18), expected=D(2026, 12, 30))  # new this week
    _opportunity(a, alice, "present_value", 30_000_00, 50, created=D(2026, 9, 1), expected=D(2027, 2, 1))  # next quarter
    _opportunity(a, alice, "won", 20_000_00, 100, created=D(2026, 8, 1), closed=D(2026, 11, 16),
                 expected=D(2026, 11, 30))  # won this week: in last week's forecast
    _opportunity(a, alice, "lost", 9_000_00, 30, created=D(2026, 8, 1), closed=D(2026, 9, 30))  # last quarter
    _opportunity(a, alice, "negotiate", 900_00, 90, created=D(2026, 10, 1), expected=D(2026, 12, 1))  # below the floor
    _opportunity(b, bob, "negotiate", 70_000_00, 60, created=D(2026, 10, 1), expected=D(2026, 12, 1))
    ledger.post_order(Customer.get_by_id(a.id), order_no="O1", order_date=D(2026, 10, 10), amount_cents=40_000_00)
    ledger.post_order(Customer.get_by_id(a.id), order_no="O2", order_date=D(2026, 11, 17), amount_cents=20_000_00)
    set_target(boss, Who("rep", rep=alice), parse_period("2026Q4"), "sales", 500_000_00)
    floor = FunnelConfig(min_amount_cents=1_000_00)

    got = {r.stage: (r.count, r.amount_cents, r.weighted_cents) for r in stages(boss, floor, Scope(owner="alice"))}
    assert got == {"build_trust": (1, 50_000_00, 5_000_00), "uncover_needs": (0, 0, 0),
                   "present_value": (1, 30_000_00, 15_000_00), "negotiate": (1, 100_000_00, 80_000_00),
                   "won": (1, 20_000_00, 20_000_00), "lost": (0, 0, 0)}
    assert stages(alice, floor)[3].count == 1  # alice does not see bob's customer
    assert stages(boss, floor)[3].count == 2

    p = progress(boss, floor, Scope(owner="alice"))
    # now: 80,000 + 5,000 expected this quarter; a week ago (11-13): 80,000 + the won one's 20,000
    assert (p.forecast_cents, p.forecast_week_ago_cents) == (85_000_00, 100_000_00)
    assert (p.sales_cents, p.sales_week_ago_cents) == (60_000_00, 40_000_00)
    assert p.progress_cents == -15_000_00 + 20_000_00 and p.progress_percent == Decimal("1.0")
    result = kacrm("report", "funnel", "--rep", "alice", "--progress", "--format", "json")
    assert json.loads(result.output)[0]["progress"] == "5000.00" and json.loads(result.output)[0]["target"] == "500000.00"
    rows = json.loads(kacrm("report", "funnel", "--format", "json").output)
    assert [r["stage"] for r in rows] == ["build_trust", "uncover_needs", "present_value", "negotiate", "won", "lost"]
