"""Targets (DESIGN §5): set, decompose, and attainment against actuals over the same scope and period."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schema import ledger
from schema.errors import PermissionDenied, ValidationError
from schema.models import Customer, Target
from schema.targets import Who, attainment, parse_period, set_target, split_by_shape

D = dt.date


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setenv("KACRM_NOW", "2028-02-15T09:00:00+08:00")  # 2028 is a leap year


@given(st.integers(0, 10**12), st.lists(st.integers(-5, 10**9), min_size=1, max_size=12))
def test_a_split_adds_up_exactly_and_follows_the_shape(value, shape):
    parts = split_by_shape(value, shape)
    assert sum(parts) == value and len(parts) == len(shape) and all(p >= 0 for p in parts)
    if sum(max(w, 0) for w in shape) > 0:
        assert all(p == 0 for p, w in zip(parts, shape) if w <= 0)


def test_periods():
    assert (parse_period("2028").start, parse_period("2028").end) == (D(2028, 1, 1), D(2028, 12, 31))
    assert parse_period("2028q1").end == D(2028, 3, 31) and parse_period("2028-02").end == D(2028, 2, 29)
    assert parse_period("2028Q1").elapsed(D(2028, 2, 15)) == Decimal(46) / 91
    with pytest.raises(ValidationError, match="period"):
        parse_period("Feb 2028")


def test_attainment_per_scope_and_metric(make_rep, make_customer):
    boss, alice, bob = make_rep("boss", "manager"), make_rep("alice", region="华东"), make_rep("bob", region="华南")
    a1, a2 = make_customer(alice, region="华东"), make_customer(alice, region="华东")
    b1 = make_customer(bob, region="华南")

    def order(customer, number, day, cents, cost=None):
        ledger.post_order(Customer.get_by_id(customer.id), order_no=number, order_date=day, amount_cents=cents,
                          cost_cents=cost)
    order(a1, "A1-1", D(2027, 12, 20), 500_00, 400_00)   # last year: not this quarter, and a1's first deal
    order(a1, "A1-2", D(2028, 1, 10), 1000_00, 800_00)
    order(a2, "A2-1", D(2028, 2, 1), 300_00)              # cost unknown; a2's first deal: a new outlet
    order(a1, "A1-R", D(2028, 2, 2), -100_00, -80_00)      # a return
    order(b1, "B1-1", D(2028, 2, 20), 9000_00)            # after the as-of day
    ledger.post_payment(Customer.get_by_id(a1.id), payment_ref="P1", paid_on=D(2028, 1, 31), amount_cents=700_00)
    q1 = parse_period("2028Q1")
    for who, metric, value in ((Who("rep", rep=alice), "sales", 2400_00), (Who("rep", rep=alice), "gross_margin", 500_00),
                               (Who("rep", rep=alice), "collections", 1000_00), (Who("rep", rep=alice), "new_outlets", 4),
                               (Who("region", region="华南"), "sales", 1000_00), (Who("team"), "sales", 0)):
        set_target(boss, who, q1, metric, value)
    got = {(a.target.scope, a.who, a.target.metric): (a.actual, a.percent, a.uncosted_orders)
           for a in attainment(boss, as_of=D(2028, 2, 15))}
    assert got[("rep", "alice", "sales")] == (1200_00, Decimal("50.0"), 0)
    assert got[("rep", "alice", "gross_margin")] == (180_00, Decimal("36.0"), 1)  # 200 - 20, a2's order uncounted
    assert got[("rep", "alice", "collections")] == (700_00, Decimal("70.0"), 0)
    assert got[("rep", "alice", "new_outlets")] == (1, Decimal("25.0"), 0)
    assert got[("region", "华南", "sales")] == (0, Decimal("0.0"), 0)
    assert got[("team", "", "sales")] == (1200_00, None, 0)  # a target of 0: no percentage
    [elapsed] = {a.elapsed_percent for a in attainment(boss, as_of=D(2028, 2, 15))}
    assert elapsed == Decimal("50.5")  # 46 of Q1's 91 days
    # bob sees the team's and regions' targets and his own, not alice's
    assert {(a.target.scope, a.who) for a in attainment(bob, as_of=D(2028, 2, 15))} == {("region", "华南"), ("team", "")}


def test_a_year_split_by_last_years_months_and_changed_later(make_rep, make_customer):
    boss, alice = make_rep("boss", "manager"), make_rep("alice")
    c = make_customer(alice)
    for month, cents in ((1, 100_00), (2, 300_00), (12, 600_00)):
        ledger.post_order(Customer.get_by_id(c.id), order_no=f"O{month}", order_date=D(2027, month, 3),
                          amount_cents=cents)
    year = set_target(boss, Who("rep", rep=alice), parse_period("2028"), "sales", 12_000_00, split="last_year")
    assert len(year) == 13 and all(t.parent_id == year[0].id for t in year[1:])
    assert [t.value for t in year[1:]] == [1_200_00, 3_600_00] + [0] * 9 + [7_200_00]
    even = set_target(boss, Who("rep", rep=alice), parse_period("2028"), "sales", 1_000, split="even", reason="重新分解")
    assert [t.value for t in even[1:]] == [84] * 4 + [83] * 8 and Target.select().count() == 13  # changed, not added
    with pytest.raises(PermissionDenied):
        set_target(alice, Who("team"), parse_period("2028"), "sales", 1)
    with pytest.raises(ValidationError, match="year"):
        set_target(boss, Who("team"), parse_period("2028Q1"), "sales", 1, split="even")


def test_target_commands(kacrm, make_rep, make_customer):
    make_rep("boss", "manager"), make_rep("alice")
    set_ok = kacrm("target", "set", "--rep", "alice", "--period", "2028Q1", "--metric", "sales", "--value", "1,000.50")
    assert set_ok.exit_code == 0, set_ok.output
    rows = json.loads(kacrm("report", "targets", "--format", "json").output)
    assert [(r["who"], r["period"], r["target"], r["actual"], r["elapsed_percent"]) for r in rows] == [
        ("alice", "2028Q1", "1000.50", "0.00", "50.5")]
    assert kacrm("target", "set", "--rep", "nobody", "--period", "2028", "--metric", "sales",
                 "--value", "1").exit_code == 2
    assert kacrm("target", "set", "--team", "--rep", "alice", "--period", "2028", "--metric", "sales",
                 "--value", "1").exit_code == 2
    assert kacrm("target", "set", "--team", "--period", "2028", "--metric", "new_outlets",
                 "--value", "2.5").exit_code == 2


def test_attainment_sums_every_target_as_its_own_query_would(make_rep, make_customer):
    """Attainment reads many targets in a few grouped passes; each figure must equal `actual()`
    for that target alone, over every scope, metric and period in force."""
    from schema.targets import actual

    boss = make_rep("boss", "manager")
    reps = [make_rep(f"rep{n}", region=region) for n, region in enumerate(("华东", "华东", "华南", ""))]
    customers = [make_customer(reps[n % 4], region=("华东", "华南", "", "西北")[n % 3]) for n in range(12)]
    for n, customer in enumerate(customers):
        for k in range(n % 5):
            day = D(2027, 12, 25) + dt.timedelta(days=6 * k + 2 * n)
            ledger.post_order(Customer.get_by_id(customer.id), order_no=f"O{n}-{k}", order_date=day,
                              amount_cents=(k + 1) * 1000_00 * (-1 if (n + k) % 7 == 0 else 1),
                              cost_cents=None if (n * k) % 3 == 1 else (k + 1) * 700_00)
            if k % 2:
                ledger.post_payment(Customer.get_by_id(customer.id), payment_ref=f"P{n}-{k}",
                                    paid_on=day + dt.timedelta(days=9), amount_cents=500_00 * k)
    periods = [parse_period(p) for p in ("2028", "2028Q1", "2028-02", "2028-01")]
    whos = [Who("team"), *(Who("rep", rep=r) for r in reps), *(Who("region", region=g) for g in ("华东", "华南", "")),
            *(Who("customer", customer=c) for c in customers[::3])]
    for period in periods:
        for who in whos:
            for metric in ("sales", "gross_margin", "collections", "new_outlets"):
                set_target(boss, who, period, metric, 1)
    found = list(attainment(boss, as_of=D(2028, 2, 15)))
    # in force on 15 February: the year, the quarter and February (not January), every scope and metric
    assert len(found) == 3 * len(whos) * 4
    assert {a.target.period_start for a in found} == {D(2028, 1, 1), D(2028, 2, 1)}
    assert sum(1 for a in found if a.actual) > 20  # the data reaches most targets
    for a in found:
        t = a.target
        who = Who(t.scope, t.rep, t.customer, t.region, t.product)
        assert (a.actual, a.uncosted_orders) == actual(who, t.metric, t.period_start, min(t.period_end, D(2028, 2, 15))), \
            (t.scope, a.who, t.period, t.metric)
