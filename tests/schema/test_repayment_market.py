"""Repayment plans (回款计划), arrears (欠款) and the market (市场) against hand-worked cases, through the
access rule, as of today and as of a day in the past."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from schema import ledger
from schema.market import market
from schema.models import Customer
from schema.repayment import arrears, repayment_plan
from schema.reports_scope import Scope

D = dt.date
TODAY = "2028-06-01T09:00:00+08:00"  # a Thursday; weeks start on Monday 29 May


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setenv("KACRM_NOW", TODAY)


def _order(customer, number, day, amount, due=None):
    ledger.post_order(Customer.get_by_id(customer.id), order_no=number, order_date=day, amount_cents=amount,
                      due_date=due)


def _pay(customer, ref, day, amount, order_no=""):
    ledger.post_payment(Customer.get_by_id(customer.id), payment_ref=ref, paid_on=day, amount_cents=amount,
                        order_no=order_no)


@pytest.fixture
def book(make_rep, make_customer):
    """alice owns C1; bob owns C2 and C3; boss, a manager without a region, sees all three."""
    alice, bob, boss = make_rep("alice", region="华东"), make_rep("bob", region="华南"), make_rep("boss", "manager")
    c1 = make_customer(alice, code="C1", region="华东", channel="retailer", purchase_potential_cents=10_000_00)
    c2 = make_customer(bob, code="C2", region="华南", channel="agent")
    c3 = make_customer(bob, code="C3", region="华东", channel="retailer")
    _order(c1, "O6", D(2028, 1, 5), 80_00, due=D(2028, 2, 4))
    _pay(c1, "P2", D(2028, 2, 1), 80_00, order_no="O6")            # O6 paid in full
    _order(c1, "O1", D(2028, 3, 1), 1000_00, due=D(2028, 3, 31))   # 62 days overdue today
    _pay(c1, "P1", D(2028, 4, 15), 400_00, order_no="O1")          # 600.00 of it still open
    _order(c1, "O2", D(2028, 5, 20), 300_00, due=D(2028, 6, 2))    # Friday of this week
    _order(c1, "O3", D(2028, 5, 25), 200_00, due=D(2028, 6, 6))    # Tuesday of next week
    _order(c1, "O4", D(2028, 5, 28), 150_00, due=D(2028, 6, 20))   # later this month
    _order(c1, "O5", D(2028, 5, 30), 50_00, due=D(2028, 7, 15))    # next month
    _order(c2, "Q0", D(2027, 3, 1), 250_00, due=D(2027, 3, 31))    # the prior twelve months
    _pay(c2, "PQ", D(2027, 3, 20), 250_00)
    _order(c2, "Q1", D(2028, 1, 1), 500_00, due=D(2028, 1, 31))
    _order(c2, "Q2", D(2028, 2, 1), -50_00)                        # a return: its credit pays Q1
    _order(c3, "R1", D(2027, 6, 15), 999_00, due=D(2027, 7, 15))   # in neither twelve months
    return alice, bob, boss


def test_the_plan_is_every_open_order_by_when_it_is_to_be_collected(book):
    alice, _, boss = book
    plan = [(i.code, i.order_no, i.open_cents, i.overdue_days, i.planned_on, i.plan_week, i.plan_month, i.status)
            for i in repayment_plan(boss)]
    assert plan == [
        ("C1", "O1", 600_00, 62, D(2028, 6, 1), "2028-W22", "2028-06", "overdue"),
        ("C1", "O2", 300_00, 0, D(2028, 6, 2), "2028-W22", "2028-06", "this_week"),
        ("C1", "O3", 200_00, 0, D(2028, 6, 6), "2028-W23", "2028-06", "next_week"),
        ("C1", "O4", 150_00, 0, D(2028, 6, 20), "2028-W25", "2028-06", "this_month"),
        ("C1", "O5", 50_00, 0, D(2028, 7, 15), "2028-W28", "2028-07", "later"),
        ("C2", "Q1", 450_00, 122, D(2028, 6, 1), "2028-W22", "2028-06", "overdue"),
        ("C3", "R1", 999_00, 322, D(2028, 6, 1), "2028-W22", "2028-06", "overdue"),
    ]
    assert {i.code for i in repayment_plan(alice)} == {"C1"}  # the access rule
    due_soon = repayment_plan(boss, Scope(region="华东"), due_since=D(2028, 6, 1), due_until=D(2028, 6, 30))
    assert [i.order_no for i in due_soon] == ["O2", "O3", "O4"]
    # weeks that start on Wednesday ([targets] week_start) run from 31 May to Tuesday 6 June
    wednesday = {i.order_no: (i.status, i.plan_week) for i in repayment_plan(alice, week_start=2)}
    assert wednesday["O3"] == ("this_week", "2028-W22")


def test_a_past_plan_is_rebuilt_from_the_documents(book):
    _, _, boss = book
    plan = [(i.code, i.order_no, i.open_cents, i.overdue_days, i.status)
            for i in repayment_plan(boss, as_of=D(2028, 4, 10))]
    # P1 (15 April) had not come: O1 was open whole; O6 was paid; O2..O5 did not exist
    assert plan == [("C1", "O1", 1000_00, 10, "overdue"), ("C2", "Q1", 450_00, 70, "overdue"),
                    ("C3", "R1", 999_00, 270, "overdue")]
    before_the_return = {i.order_no: i.open_cents for i in repayment_plan(boss, as_of=D(2028, 1, 20))}
    assert before_the_return["Q1"] == 500_00


def test_arrears_gather_what_is_past_due_per_customer(book):
    alice, _, boss = book
    rows = [(r.code, r.overdue_cents, r.overdue_orders, r.oldest_due, r.max_overdue_days, r.balance_cents,
             r.last_paid_on, r.last_paid_cents) for r in arrears(boss)]
    assert rows == [
        ("C3", 999_00, 1, D(2027, 7, 15), 322, 999_00, None, None),
        ("C1", 600_00, 1, D(2028, 3, 31), 62, 1300_00, D(2028, 4, 15), 400_00),
        ("C2", 450_00, 1, D(2028, 1, 31), 122, 450_00, D(2027, 3, 20), 250_00),
    ]
    assert [r.code for r in arrears(boss, min_days=100)] == ["C3", "C2"]
    assert [r.code for r in arrears(alice)] == ["C1"]
    past = {r.code: (r.overdue_cents, r.balance_cents, r.last_paid_on) for r in arrears(boss, as_of=D(2028, 4, 10))}
    assert past["C1"] == (1000_00, 1000_00, D(2028, 2, 1))  # O1 unpaid yet; O6 paid on 1 February


def test_the_market_per_region_and_channel(book):
    alice, _, boss = book
    rows = {r.keys: r for r in market(boss)}
    east, south = rows[("华东",)], rows[("华南",)]
    # 华东: C1 (sales 1,780.00, new this year, potential 10,000.00) and C3 (nothing in either year)
    assert (east.customers, east.active, east.new) == (2, 1, 1)
    assert (east.sales_12m_cents, east.sales_prior_12m_cents, east.potential_cents) == (1780_00, 0, 10_000_00)
    assert (east.coverage_percent, east.growth_percent, east.wallet_share_percent) == (Decimal("50.0"), None,
                                                                                         Decimal("17.8"))
    # 华南: C2, 500.00 less a 50.00 return against 250.00 a year before
    assert (south.customers, south.active, south.new, south.sales_12m_cents, south.sales_prior_12m_cents) == (
        1, 1, 0, 450_00, 250_00)
    assert (south.growth_percent, south.wallet_share_percent) == (Decimal("80.0"), None)
    assert (east.share_of_sales_percent, south.share_of_sales_percent) == (Decimal("79.8"), Decimal("20.2"))
    assert [r.keys for r in market(boss)] == [("华东",), ("华南",)]  # the biggest sales first
    by_channel = {r.keys: r.customers for r in market(boss, by=("region", "channel"))}
    assert by_channel == {("华东", "retailer"): 2, ("华南", "agent"): 1}
    mine = market(alice)
    assert [(r.keys, r.customers, r.share_of_sales_percent) for r in mine] == [(("华东",), 1, Decimal("100.0"))]
    with pytest.raises(ValueError):
        market(boss, by=("colour",))
