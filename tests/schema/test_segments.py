"""Classification (DESIGN §5): ABC, EI–EIV, PI–PIV, attack/defend, snapshots and moves."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schema import ledger
from schema.config import AbcConfig, SegmentsConfig
from schema.models import Customer, SegmentSnapshot
from schema.segments import abc_classes, classify, prospect_score, refresh_segments, segment_moves, spread_percent

D = dt.date


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setenv("KACRM_NOW", "2026-12-10T09:00:00+08:00")  # twelve months: 2026-01 .. 2026-12-10


def _orders(customer, monthly: list[int], *, cost: bool = True, prefix: str = ""):
    """One order on the 5th of each month of 2026 with sales, cost at 90%."""
    for month, cents in enumerate(monthly, start=1):
        if cents:
            ledger.post_order(Customer.get_by_id(customer.id), order_no=f"{prefix or customer.code}-{month}",
                              order_date=D(2026, month, 5), amount_cents=cents,
                              cost_cents=cents * 9 // 10 if cost else None)


def test_abc_by_the_share_of_those_ranked_above():
    assert abc_classes([(50, 1), (30, 2), (15, 3), (5, 4), (0, 5)]) == [("A", 1), ("A", 2), ("B", 3), ("C", 4)]
    assert abc_classes([(50, 1), (30, 2), (15, 3), (5, 4)], AbcConfig(a_percent=50, b_percent=90)) == \
        [("A", 1), ("B", 2), ("B", 3), ("C", 4)]


@given(st.lists(st.integers(0, 10_000_000), min_size=1, max_size=60))
def test_abc_classes_every_seller_once_and_never_out_of_rank(sales):
    classes = abc_classes([(cents, n) for n, cents in enumerate(sales)])
    sellers = {n for n, cents in enumerate(sales) if cents > 0}
    assert {n for _, n in classes} == sellers and len(classes) == len(sellers)
    shares = {klass: sum(sales[n] for k, n in classes if k == klass) for klass in "ABC"}
    assert sum(shares.values()) == sum(sales)  # the classes' shares add up to 100%
    order = "ABC"
    ranks = [order.index(klass) for klass, _ in classes]  # biggest first: classes never go back up
    assert ranks == sorted(ranks)
    assert not classes or classes[0][0] == "A"


def test_spread_and_prospect_score():
    assert spread_percent([100] * 12) == Decimal("0.0")
    assert spread_percent([1200] + [0] * 11) == Decimal("331.7")  # one month of twelve: sqrt(11) = 3.317
    assert spread_percent([0] * 12) is None
    weights = {"strength": 20, "management": 10, "network": 15, "purchasing_power": 15, "marketing": 10,
               "growth": 15, "advantage": 15}
    assert prospect_score(dict.fromkeys(weights, 4), weights) == Decimal("4.00")
    assert prospect_score({"strength": 5, "management": 1, "network": None}, weights) == Decimal("3.67")  # (100+10)/30
    assert prospect_score(dict.fromkeys(weights), weights) is None


def test_current_customers_by_contribution_and_stability(make_rep, make_customer):
    boss = make_rep("boss", "manager")
    steady = [100_00] * 11 + [100_00]
    patchy = [0, 500_00, 0, 0, 900_00, 0, 0, 0, 700_00, 0, 0, 0]
    made = {}
    for code, monthly in (("BIG-STEADY", [m * 30 for m in steady]), ("BIG-PATCHY", [m * 30 for m in patchy]),
                          *((f"SMALL-{n}", steady) for n in range(7)), ("SMALL-PATCHY", [m // 10 for m in patchy])):
        made[code] = make_customer(boss, code=code)
        _orders(made[code], monthly)
    rows = {r.code: r for r in classify(boss, AbcConfig(), SegmentsConfig())}
    # 10 current customers: the top 20% (2) contribute most
    assert rows["BIG-STEADY"].segment == "EI" and rows["BIG-PATCHY"].segment == "EII"
    assert rows["SMALL-0"].segment == "EIII" and rows["SMALL-PATCHY"].segment == "EIV"
    assert rows["BIG-STEADY"].months_with_orders == 12 and rows["BIG-PATCHY"].months_with_orders == 3
    assert rows["BIG-STEADY"].margin_12m_cents == 12 * 3000_00 // 10
    assert rows["BIG-STEADY"].abc_class == "A"


def test_prospects_and_attack_or_defend(make_rep, make_customer):
    boss = make_rep("boss", "manager")
    scores = {f"score_{name}": 5 for name in ("strength", "management", "network", "purchasing_power", "marketing",
                                              "growth", "advantage")}
    make_customer(boss, code="P-HOT", intent=5, **scores)
    make_customer(boss, code="P-WARM", intent=2, **scores)
    make_customer(boss, code="P-LOW", intent=5, **{k: 2 for k in scores})
    make_customer(boss, code="P-NONE", intent=5)  # not scored: not classed
    big = make_customer(boss, code="BIG", purchase_potential_cents=5_000_000_00)  # high potential
    _orders(big, [100_00] * 12)                                                     # a tiny share: attack
    ours = make_customer(boss, code="OURS", purchase_potential_cents=2_000_000_00)
    _orders(ours, [100_000_00] * 12)                                                # 60%: defend
    small = make_customer(boss, code="SMALL", purchase_potential_cents=50_000_00)
    _orders(small, [2_000_00] * 12)                                                 # 48%: maintain
    make_customer(boss, code="NOTHING", purchase_potential_cents=10_000_00)          # low, none: give up
    rows = {r.code: r for r in classify(boss, AbcConfig(), SegmentsConfig())}
    assert [rows[c].segment for c in ("P-HOT", "P-WARM", "P-LOW", "P-NONE")] == ["PI", "PII", "PIII", ""]
    assert [rows[c].strategy for c in ("BIG", "OURS", "SMALL", "NOTHING")] == ["attack", "defend", "maintain",
                                                                              "give_up"]
    assert rows["SMALL"].share_percent == Decimal("48.0")


def test_refresh_keeps_snapshots_and_lists_moves(make_rep, make_customer, kacrm):
    boss, alice = make_rep("boss", "manager"), make_rep("alice")
    a, b = make_customer(alice, code="A"), make_customer(alice, code="B")
    _orders(a, [100_00] * 9 + [0, 0, 0], prefix="A1")
    _orders(b, [10_00] * 9 + [0, 0, 0], prefix="B1")
    assert refresh_segments(AbcConfig(), SegmentsConfig(), as_of=D(2026, 9, 30)) == 2
    _orders(b, [0] * 9 + [5000_00, 5000_00, 5000_00], prefix="B2")  # B grows past A in the fourth quarter
    refresh_segments(AbcConfig(), SegmentsConfig(), as_of=D(2026, 12, 10))
    refresh_segments(AbcConfig(), SegmentsConfig(), as_of=D(2026, 12, 10))  # again: the period's snapshot replaced
    assert SegmentSnapshot.select().count() == 4
    assert Customer.get(Customer.code == "B").abc_class == "A"
    moves = {m.code: (m.before, m.after) for m in segment_moves(boss, "2026Q3", "2026Q4", what="abc_class")}
    assert moves == {"A": ("A", "B"), "B": ("B", "A")}  # A fell as B rose past it
    result = kacrm("report", "segments", "--moves", "2026Q3", "2026Q4", "--format", "json")
    # nine months of twelve with orders spread too much (57.7% > 50%) for either to be stable; the top
    # contributor (1 of 2) swaps
    assert [(r["code"], r["from"], r["to"], r["meaning"]) for r in json.loads(result.output)] == [
        ("A", "EII", "EIV", "清算"), ("B", "EIV", "EII", "扭转")]
    refused = kacrm("segments", "refresh", user="alice")
    assert refused.exit_code == 1 and "manager" in refused.output
    assert kacrm("segments", "refresh", "--period", "2026-Q5").exit_code == 2
    done = kacrm("segments", "refresh")
    assert done.exit_code == 0 and "2" in done.output


def test_refresh_again_rewrites_only_the_snapshots_that_changed(make_rep, make_customer):
    alice = make_rep("alice")
    a, b = make_customer(alice, code="A"), make_customer(alice, code="B")
    _orders(a, [100_00] * 12, prefix="A1")
    _orders(b, [10_00] * 12, prefix="B1")
    first = dt.datetime(2026, 12, 10, 1, tzinfo=dt.timezone.utc)
    refresh_segments(AbcConfig(), SegmentsConfig(), as_of=D(2026, 12, 10), now=first)
    _orders(b, [0] * 11 + [1_00], prefix="B2")  # B's sales change, nobody's class: A's row is the same
    refresh_segments(AbcConfig(), SegmentsConfig(), as_of=D(2026, 12, 10), now=first + dt.timedelta(hours=2))
    rows = {r.customer.code: r for r in SegmentSnapshot.select()}
    assert rows["A"].created_at == first and rows["A"].sales_12m_cents == 1200_00
    assert rows["B"].created_at == first + dt.timedelta(hours=2) and rows["B"].sales_12m_cents == 121_00
    refresh_segments(AbcConfig(), SegmentsConfig(), as_of=D(2026, 12, 11), now=first + dt.timedelta(days=1))
    assert {r.as_of for r in SegmentSnapshot.select()} == {D(2026, 12, 11)}  # a new day: every row again
    assert SegmentSnapshot.select().count() == 2


def test_twelve_months_edges_returns_and_margin(make_rep, make_customer):
    boss = make_rep("boss", "manager")
    c = make_customer(boss, code="EDGE", purchase_potential_cents=2000_00)
    day = {"EDGE-0": D(2025, 12, 31), "EDGE-1": D(2026, 1, 1), "EDGE-2": D(2026, 3, 15), "EDGE-3": D(2026, 3, 20),
           "EDGE-4": D(2026, 12, 10), "EDGE-5": D(2026, 12, 11)}
    for number, cents, cost in (("EDGE-0", 900_00, 1), ("EDGE-1", 100_00, 80_00), ("EDGE-2", 50_00, 40_00),
                                ("EDGE-3", -80_00, -60_00), ("EDGE-4", 30_00, 20_00), ("EDGE-5", 700_00, None)):
        ledger.post_order(Customer.get_by_id(c.id), order_no=number, order_date=day[number], amount_cents=cents,
                          cost_cents=cost)
    [row] = classify(boss, AbcConfig(), SegmentsConfig())  # as of 2026-12-10: 2026-01-01 .. 2026-12-10
    # December 2025 and December 11th are out; March nets to -30 (a return) and is no month with orders
    assert row.monthly == [100_00, 0, -30_00, 0, 0, 0, 0, 0, 0, 0, 0, 30_00]
    assert (row.sales_12m_cents, row.months_with_orders) == (100_00, 2)
    assert row.margin_12m_cents == 100_00 - (80_00 + 40_00 - 60_00 + 20_00)  # every cost in the year known
    assert row.share_percent == Decimal("5.0") and row.strategy == "give_up"  # 100 of 2000
    ledger.post_order(Customer.get_by_id(c.id), order_no="EDGE-6", order_date=D(2026, 6, 1), amount_cents=101_00,
                      cost_cents=None)
    [row] = classify(boss, AbcConfig(), SegmentsConfig())
    assert (row.sales_12m_cents, row.months_with_orders, row.margin_12m_cents) == (201_00, 3, None)  # a cost unknown
    assert str(row.share_percent) == "10.1"  # 201 of 2000 is 10.05%: half up


def test_a_reps_classes_rank_only_the_customers_they_see(make_rep, make_customer):
    alice, bob = make_rep("alice"), make_rep("bob")
    _orders(make_customer(alice, code="A"), [900_00] + [0] * 11)
    _orders(make_customer(alice, code="B"), [100_00] + [0] * 11)
    _orders(make_customer(bob, code="C"), [10_000_00] + [0] * 11)
    # alice's two: A makes 90% (nothing above it: A), B has 90% above it (B)
    assert [(r.code, r.sales_12m_cents, r.abc_class) for r in classify(alice, AbcConfig(), SegmentsConfig())] == \
        [("A", 900_00, "A"), ("B", 100_00, "B")]
    # the whole company: C is above both (A: 10000/11000 = 90.9% above, B: 99.1%)
    boss = make_rep("boss", "manager")
    assert [(r.code, r.abc_class) for r in classify(boss, AbcConfig(), SegmentsConfig())] == \
        [("A", "B"), ("B", "C"), ("C", "A")]


def test_a_refresh_drops_the_rows_of_customers_gone_since(make_rep, make_customer):
    boss = make_rep("boss", "manager")
    kept, gone = make_customer(boss, code="KEPT"), make_customer(boss, code="GONE")
    _orders(kept, [100_00] * 12)
    assert refresh_segments(AbcConfig(), SegmentsConfig(), as_of=D(2026, 12, 10)) == 2
    Customer.update(deleted_at=dt.datetime(2026, 12, 10, tzinfo=dt.timezone.utc)).where(
        Customer.id == gone.id).execute()
    _orders(kept, [0] * 11 + [900_00], prefix="MORE")
    assert refresh_segments(AbcConfig(), SegmentsConfig(), as_of=D(2026, 12, 10)) == 1
    assert [(s.customer_id, s.period, s.sales_12m_cents, s.months_with_orders) for s in SegmentSnapshot.select()] == \
        [(kept.id, "2026Q4", 2100_00, 12)]
