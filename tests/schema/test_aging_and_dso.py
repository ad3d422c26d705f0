"""Aging and DSO (DESIGN §5) against hand-worked cases, and through `kacrm report`."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from peewee import fn

from schema import aging as aging_module
from schema import ledger
from schema.aging import aging
from schema.config import AgingConfig
from schema.dso import countback_dso, dso, dso_figures, posted_balances, standard_dso
from schema.models import Customer, Posting
from schema.reports_scope import Scope

D = dt.date
TODAY = "2028-06-01T09:00:00+08:00"  # 2028 is a leap year


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setenv("KACRM_NOW", TODAY)


@pytest.fixture
def people(make_rep):
    return make_rep("alice", region="华东"), make_rep("boss", "manager")


def _order(customer, number, day, amount, due=None):
    return ledger.post_order(Customer.get_by_id(customer.id), order_no=number, order_date=day, amount_cents=amount,
                             due_date=due)


def _pay(customer, ref, day, amount, order_no=""):
    return ledger.post_payment(Customer.get_by_id(customer.id), payment_ref=ref, paid_on=day, amount_cents=amount,
                               order_no=order_no)


def _rows(rep, **kwargs):
    return {r.code: r for r in aging(rep, AgingConfig(), **kwargs)}


def test_buckets_by_days_past_due_with_a_leap_february(people, make_customer):
    alice, boss = people
    c = make_customer(alice, code="C1")
    _order(c, "O-not-due", D(2028, 3, 20), 100_00, due=D(2028, 3, 31))   # due on the day: not due
    _order(c, "O-30", D(2028, 2, 1), 200_00, due=D(2028, 3, 1))          # 30 days past due
    _order(c, "O-31", D(2028, 1, 30), 400_00, due=D(2028, 2, 29))        # 31 days (leap day)
    _order(c, "O-121", D(2027, 11, 1), 800_00, due=D(2027, 12, 1))       # 121 days
    row = _rows(boss, as_of=D(2028, 3, 31))["C1"]
    assert row.buckets == {"not_due": 100_00, "1-30": 200_00, "31-60": 400_00, "61-90": 0, "91-120": 0,
                           ">120": 800_00}
    assert (row.unapplied_credit_cents, row.balance_cents) == (0, 1500_00)


def test_payments_returns_and_adjustments_as_they_stood(people, make_customer):
    alice, boss = people
    c = make_customer(alice, code="C1")
    _order(c, "O1", D(2028, 1, 10), 1000_00, due=D(2028, 2, 9))
    _order(c, "O2", D(2028, 3, 1), 500_00, due=D(2028, 3, 31))
    _pay(c, "P1", D(2028, 3, 15), 1200_00)            # pays O1 (oldest), then 200 of O2
    _order(c, "R1", D(2028, 4, 2), -50_00)           # a return: pays 50 more of O2
    _pay(c, "P2", D(2028, 4, 20), 400_00)            # the rest of O2 (250), 150 left as credit
    ledger.post_adjustment(Customer.get_by_id(c.id), amount_cents=30_00, reason="运费", by=boss,
                           posted_on=D(2028, 5, 1))
    # before the first payment: everything open, nothing credited
    early = _rows(boss, as_of=D(2028, 3, 10))["C1"]
    assert early.buckets["1-30"] == 1000_00 and early.buckets["not_due"] == 500_00
    assert (early.unapplied_credit_cents, early.balance_cents) == (0, 1500_00)
    # after P1, before the return: O2 has 300 open and is 4 days overdue... not yet due on 3-20
    mid = _rows(boss, as_of=D(2028, 3, 20))["C1"]
    assert mid.buckets["not_due"] == 300_00 and mid.overdue_cents == 0 and mid.balance_cents == 300_00
    # today: O2 paid off, 150 of P2 left as credit, the adjustment owed since 5-1 (31 days)
    now = _rows(boss)["C1"]
    assert now.buckets["31-60"] == 30_00 and sum(now.buckets.values()) == 30_00
    assert (now.unapplied_credit_cents, now.balance_cents) == (150_00, -120_00)
    assert Customer.get_by_id(c.id).balance_cents == -120_00


def test_the_past_way_and_todays_way_agree_today(people, make_customer):
    alice, boss = people
    for n in range(3):
        c = make_customer(alice)
        _order(c, f"O{n}a", D(2028, 1, 5 + n), (n + 1) * 700_00)
        _order(c, f"O{n}b", D(2028, 4, 5 + n), 300_00)
        _pay(c, f"P{n}", D(2028, 5, 1), (n + 1) * 500_00)
        _order(c, f"R{n}", D(2028, 5, 2), -20_00)
    from schema.reports_scope import scoped_customers
    sql, params = aging_module._sql(scoped_customers(boss).select(Customer.id))
    today = D(2028, 6, 1)
    past = aging_module._past_figures(sql, params, today, (30, 60, 90, 120))
    current = aging_module._today_figures(sql, params, today, (30, 60, 90, 120))
    assert (sorted(past[0]), past[1]) == (sorted(current[0]), current[1])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # a fresh customer each
@given(st.lists(st.tuples(st.sampled_from("OPR"), st.integers(1, 150), st.integers(1, 900_00)), min_size=1,
                max_size=12), st.integers(0, 160))
def test_buckets_plus_credit_equal_the_balance_on_any_day(db, make_rep, make_customer, documents, back):
    rep = make_rep(f"r{Customer.select().count()}", "manager")
    c = make_customer(rep)
    for n, (kind, day, cents) in enumerate(documents):
        on = D(2028, 1, 1) + dt.timedelta(days=day)
        if kind == "O":
            _order(c, f"{c.code}-O{n}", on, cents)
        elif kind == "R":
            _order(c, f"{c.code}-R{n}", on, -cents)
        else:
            _pay(c, f"{c.code}-P{n}", on, cents)
    as_of = D(2028, 6, 1) - dt.timedelta(days=back)
    posted = sum(p.amount_cents for p in Posting.select().where((Posting.customer == c.id)
                                                                 & (Posting.posted_on <= as_of)))
    rows = list(aging(rep, AgingConfig(), Scope(codes=(c.code,)), as_of=as_of))
    assert sum(row.balance_cents for row in rows) == posted  # the ledger's own sum, however worked out
    for row in rows:
        assert sum(row.buckets.values()) - row.unapplied_credit_cents == row.balance_cents
        assert all(cents >= 0 for cents in row.buckets.values()) and row.unapplied_credit_cents >= 0


def test_countback_walks_months_back_with_a_leap_february():
    sales = {D(2028, 3, 1): 100, D(2028, 2, 1): 200, D(2028, 1, 1): 300}
    # March to the 15th (15 days, 100), all of February (29 days, 200), then 150/300 of January's 31
    assert countback_dso(450, sales, D(2028, 3, 15), D(2027, 6, 1)) == (Decimal("59.5"), 450, False)
    # a month without sales adds its days: 15 + 29 (nothing in February) + 31 (300 of January) + 50/100 of
    # December's 31
    assert countback_dso(450, {**sales, D(2028, 2, 1): 0, D(2027, 12, 1): 100}, D(2028, 3, 15),
                         D(2027, 6, 1)) == (Decimal("90.5"), 450, False)
    # history runs out: the days counted, a lower bound
    assert countback_dso(10_000, sales, D(2028, 3, 15), D(2028, 1, 20)) == (Decimal("75.0"), 600, True)
    assert countback_dso(0, sales, D(2028, 3, 15), D(2027, 1, 1)) == (Decimal("0.0"), 0, False)


def test_standard_dso():
    assert standard_dso(300_00, 900_00, 90) == Decimal("30.0")
    assert standard_dso(100_00, 0, 90) is None
    assert standard_dso(-5, 100, 90) == Decimal("0.0")


def test_dso_per_customer_through_the_access_rule(people, make_customer, make_rep):
    alice, boss = people
    bob = make_rep("bob")
    mine, theirs = make_customer(alice, code="A1"), make_customer(bob, code="B1")
    _order(mine, "A-1", D(2028, 4, 10), 900_00)
    _order(mine, "A-2", D(2028, 5, 20), 300_00)
    _pay(mine, "A-P", D(2028, 5, 25), 600_00)
    _order(theirs, "B-1", D(2028, 5, 1), 100_00)
    assert [r.code for r in dso(alice, method="standard", days=90)] == ["A1"]
    [row] = dso(boss, Scope(codes=("A1",)), method="standard", days=90)
    assert (row.balance_cents, row.sales_cents, row.dso_days) == (600_00, 1200_00, Decimal("45.0"))
    [row] = dso(boss, Scope(codes=("A1",)), method="countback")
    # June 1 (1 day, no sales), May (31 days, 300), then 300/900 of April's 30 days
    assert (row.dso_days, row.lower_bound) == (Decimal("42.0"), False)
    [past] = dso(boss, Scope(codes=("A1",)), method="countback", as_of=D(2028, 4, 30))
    assert (past.balance_cents, past.dso_days, past.lower_bound) == (900_00, Decimal("30.0"), False)  # April's sales
    [mid] = dso(boss, Scope(codes=("A1",)), method="countback", as_of=D(2028, 4, 15))  # April to the 15th
    assert (mid.dso_days, mid.lower_bound) == (Decimal("15.0"), False)


def test_report_json_carries_the_configured_buckets(kacrm, people, make_customer, tmp_path):
    alice, boss = people
    c = make_customer(alice, code="C9")
    _order(c, "O1", D(2028, 5, 1), 100_00, due=D(2028, 5, 10))  # 22 days past due on 6-1
    (tmp_path / "config.toml").write_text("[aging]\nedges = [15, 45]\n", encoding="utf-8")
    result = kacrm("report", "aging", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"code": "C9", "name": c.name, "owner": "alice", "region": "",
                                          "not_due": "0.00", "1-15": "0.00", "16-45": "100.00", ">45": "0.00",
                                          "unapplied_credit": "0.00", "balance": "100.00"}]
    result = kacrm("report", "dso", "--customer", "C9", "--method", "standard", "--days", "32", "--format", "json")
    assert json.loads(result.output)[0]["dso_days"] == "32.0"  # the window (4-30, 6-1] holds the order of 5-1
    assert kacrm("report", "aging", "--as-of", "2028-02-30").exit_code == 2  # no such day: one sentence


def test_a_report_into_dev_null_leaves_the_device_alone(kacrm, people, make_customer):
    import os
    import stat
    make_customer(people[0], code="C1")
    assert kacrm("report", "aging", "--format", "csv", "--output", os.devnull).exit_code == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_balances_on_past_days_are_the_postings_up_to_each_day(people, make_customer):
    alice, boss = people
    a, b, c = (make_customer(alice, code=code) for code in ("A", "B", "C"))
    _order(a, "A-1", D(2028, 1, 10), 500_00)
    _order(a, "A-R", D(2028, 2, 1), -100_00)  # a return
    _pay(a, "A-P", D(2028, 3, 1), 150_00)
    ledger.post_adjustment(Customer.get_by_id(a.id), amount_cents=-20_00, reason="折让", by=boss,
                           posted_on=D(2028, 3, 5))
    _order(b, "B-1", D(2028, 1, 20), 80_00)
    _pay(b, "B-P", D(2028, 2, 10), 80_00)  # paid up: a balance of 0, but postings there are
    _order(c, "C-1", D(2028, 4, 1), 70_00)  # nothing until April
    early, late = posted_balances(None, [D(2028, 2, 15), D(2028, 3, 31)])
    assert early == {a.id: 400_00, b.id: 0}  # 500 - 100; C had no posting yet
    assert late == {a.id: 230_00, b.id: 0}  # 500 - 100 - 150 - 20
    for day, found in ((D(2028, 2, 15), early), (D(2028, 3, 31), late)):  # the ledger view agrees
        view = dict(Posting.select(Posting.customer, fn.SUM(Posting.amount_cents))
                    .where(Posting.posted_on <= day).group_by(Posting.customer).tuples())
        assert found == view
    [only_b] = posted_balances(Customer.select(Customer.id).where(Customer.code == "B"), [D(2028, 6, 1)])
    assert only_b == {b.id: 0}


def test_dso_on_two_days_from_one_pass_of_the_orders(people, make_customer):
    alice, boss = people
    a, b = make_customer(alice, code="A1"), make_customer(alice, code="B1")
    _order(a, "A-1", D(2028, 3, 10), 300_00)
    _order(a, "A-2", D(2028, 4, 10), 900_00)
    _order(a, "A-3", D(2028, 5, 20), 300_00)
    _pay(a, "A-P", D(2028, 5, 25), 600_00)
    _pay(b, "B-P", D(2028, 5, 2), 50_00)  # credit, no sales
    days = [D(2028, 6, 1), D(2028, 4, 5)]
    cached = {a.id: 900_00, b.id: -50_00}  # today's balances
    then = {a.id: 300_00}  # on April 5th: the March order only
    now_cb, then_cb = dso_figures(None, days, [cached, then], method="countback")
    # June 1 (1 day, no sales), May (31 days, 300), then 600/900 of April's 30 days: 52.0
    assert now_cb[a.id] == (Decimal("52.0"), 900_00, False)
    # April 5th: April to the 5th counts 5 days and none of April's sales (all after it), then
    # 300/300 of March's 31 days: 36.0
    assert then_cb[a.id] == (Decimal("36.0"), 300_00, False)
    assert now_cb[b.id] == (Decimal("0.0"), 0, False) and b.id not in then_cb  # a credit is 0 days
    now_std, then_std = dso_figures(None, days, [cached, then], method="standard", days=90)
    assert now_std[a.id] == (Decimal("54.0"), 1500_00, False)  # 900 / 1500 × 90
    assert then_std[a.id] == (Decimal("90.0"), 300_00, False)  # 300 / 300 × 90
    # the same figures as `dso` gives day by day
    for method, figures in (("countback", (now_cb, then_cb)), ("standard", (now_std, then_std))):
        for day, found in zip(days, figures):
            [row] = dso(boss, Scope(codes=("A1",)), method=method, days=90, as_of=day)
            assert (row.dso_days, row.sales_cents, row.lower_bound) == found[a.id]
