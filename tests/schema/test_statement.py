"""The customer statement (对账单, issue 6): its figures worked out by hand from one small ledger."""
from __future__ import annotations

import datetime as dt

import pytest

from schema import access, ledger
from schema.balances import balances
from schema.config import AgingConfig
from schema.errors import NotFound, PermissionDenied, ValidationError
from schema.models import Contact, Customer
from schema.reports_scope import Scope
from schema.statement import statement

D = dt.date
TODAY = "2026-05-15T12:00:00+08:00"


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setenv("KACRM_NOW", TODAY)


def build_ledger(make_rep, make_customer):
    """C1 (alice's, 30 days' credit) with two orders, a return, three payments and two adjustments
    around March 2026; C2 (bob's) with an order of its own. Returns (boss, alice, bob, C1)."""
    boss = make_rep("boss", "manager")
    alice = make_rep("alice", region="华东", manager=boss)
    bob = make_rep("bob", region="华北")
    c1 = make_customer(alice, "华东", code="C1", name="<申华&Co> 化工", credit_days=30, address="=1+2 浦东新区",
                       phone="+86 21 5555 0000")
    Contact.create(customer=c1, name="李四", mobile="13800000000", is_primary=True)
    c2 = make_customer(bob, "华北", code="C2", name="北方商贸", credit_days=30)

    def fresh(customer):
        return Customer.get_by_id(customer.id)  # the cached balance as the ledger left it

    ledger.post_order(fresh(c1), order_no="O-1", order_date=D(2026, 2, 10), amount_cents=1000_00)  # due 03-12
    ledger.post_payment(fresh(c1), payment_ref="P-1", paid_on=D(2026, 2, 20), amount_cents=300_00)  # O-1: 700 open
    ledger.post_order(fresh(c1), order_no="O-2", order_date=D(2026, 3, 1), amount_cents=2500_00)  # due 03-31
    ledger.post_order(fresh(c1), order_no="-R-0310", order_date=D(2026, 3, 10), amount_cents=-200_00)  # O-1: 500
    ledger.post_payment(fresh(c1), payment_ref="P-2", paid_on=D(2026, 3, 15), amount_cents=1200_00,
                        method="cheque")  # O-1: 0, O-2: 1800
    ledger.post_adjustment(fresh(c1), amount_cents=50_00, reason="运费补收", by=boss, posted_on=D(2026, 3, 20))
    ledger.post_adjustment(fresh(c1), amount_cents=-80_00, reason="质量折让", by=boss, posted_on=D(2026, 3, 31))
    ledger.post_payment(fresh(c1), payment_ref="P-3", paid_on=D(2026, 4, 1), amount_cents=400_00,
                        order_no="O-2")  # O-2: 1400
    ledger.post_order(fresh(c2), order_no="X-1", order_date=D(2026, 3, 5), amount_cents=999_00)
    return boss, alice, bob, fresh(c1)


MARCH = [  # (day, document, kind, debit, credit, balance) from an opening 1000 - 300 = 700.00
    (D(2026, 3, 1), "O-2", "order", 2500_00, 0, 3200_00),
    (D(2026, 3, 10), "-R-0310", "return", 0, 200_00, 3000_00),
    (D(2026, 3, 15), "P-2", "payment", 0, 1200_00, 1800_00),
    (D(2026, 3, 20), None, "adjustment", 50_00, 0, 1850_00),
    (D(2026, 3, 31), None, "adjustment", 0, 80_00, 1770_00),
]


def test_march_by_hand(make_rep, make_customer):
    boss, alice, _, c1 = build_ledger(make_rep, make_customer)
    found = statement(alice, "C1", D(2026, 3, 1), D(2026, 3, 31), AgingConfig())
    assert (found.code, found.name, found.address, found.phone) == ("C1", "<申华&Co> 化工", "=1+2 浦东新区",
                                                                   "+86 21 5555 0000")
    assert (found.contact_name, found.contact_phone, found.owner_login) == ("李四", "13800000000", "alice")
    assert found.opening_cents == 700_00  # postings before 03-01 only
    got = [(l.posted_on, l.document if l.kind != "adjustment" else None, l.kind, l.debit_cents, l.credit_cents,
            l.balance_cents) for l in found.lines]
    assert got == MARCH  # the first and the last day of the period are in it, 04-01 and C2 are not
    assert [l.document.startswith("ADJ-") for l in found.lines] == [False, False, False, True, True]
    assert (found.lines[2].method, found.lines[0].due_on, found.lines[3].reason) == ("cheque", D(2026, 3, 31), "运费补收")
    assert (found.debit_cents, found.credit_cents, found.closing_cents) == (2550_00, 1480_00, 1770_00)
    assert found.opening_cents + found.debit_cents - found.credit_cents == found.closing_cents
    running = found.opening_cents
    for line in found.lines:
        running += line.debit_cents - line.credit_cents
        assert line.balance_cents == running
    as_of = next(balances(boss, as_of=D(2026, 3, 31), scope=Scope(codes=("C1",))))
    assert as_of.balance_cents == found.closing_cents
    # aging at 03-31: O-1 fully paid (300 + return 200 + 500 of P-2); O-2 owes 1800, due that day (not
    # due); the +50 is owed since 03-20 (11 days); the -80 is credit; P-3 (04-01) does not count yet
    assert found.aging == {"not_due": 1800_00, "1-30": 50_00, "31-60": 0, "61-90": 0, "91-120": 0, ">120": 0}
    assert found.unapplied_credit_cents == 80_00
    assert sum(found.aging.values()) - found.unapplied_credit_cents == found.closing_cents


def test_a_period_ending_today_ages_from_the_open_amounts(make_rep, make_customer):
    boss, _, _, _ = build_ledger(make_rep, make_customer)
    found = statement(boss, "C1", D(2026, 4, 1), D(2026, 5, 15), AgingConfig(edges=(30, 60)))
    assert found.opening_cents == 1770_00
    assert [(l.document, l.order_no, l.credit_cents, l.balance_cents) for l in found.lines] == [
        ("P-3", "O-2", 400_00, 1370_00)]
    # O-2: 1400 open, 45 days past its 03-31 due date; the +50 of 03-20: 56 days; 80 of credit
    assert found.aging == {"not_due": 0, "1-30": 0, "31-60": 1450_00, ">60": 0}
    assert (found.unapplied_credit_cents, found.closing_cents) == (80_00, 1370_00)
    assert found.closing_cents == next(balances(boss, as_of=D(2026, 5, 15), scope=Scope(codes=("C1",)))).balance_cents


def test_a_quiet_period_carries_the_balance(make_rep, make_customer):
    _, alice, _, _ = build_ledger(make_rep, make_customer)
    found = statement(alice, "C1", D(2026, 2, 21), D(2026, 2, 28), AgingConfig())
    assert (found.opening_cents, found.lines, found.closing_cents) == (700_00, (), 700_00)
    assert found.aging["not_due"] == 700_00 and found.unapplied_credit_cents == 0  # O-1 due 03-12


def test_who_may_ask_and_for_what(make_rep, make_customer):
    boss, alice, bob, c1 = build_ledger(make_rep, make_customer)
    with pytest.raises(PermissionDenied) as refused:
        statement(bob, "C1", D(2026, 3, 1), D(2026, 3, 31), AgingConfig())
    message = str(refused.value)
    assert "bob" in message and "C1" in message and "\n" not in message and message.endswith(".")
    with pytest.raises(NotFound, match="C404"):
        statement(boss, "C404", D(2026, 3, 1), D(2026, 3, 31), AgingConfig())
    with pytest.raises(ValidationError, match="--from"):
        statement(alice, "C1", D(2026, 4, 1), D(2026, 3, 31), AgingConfig())
    assert statement(bob, "C2", D(2026, 3, 1), D(2026, 3, 31), AgingConfig()).closing_cents == 999_00
    access.approve_access(access.request_access(c1, bob, reason="joint bid"), boss)  # a grant opens it
    shared = statement(bob, "C1", D(2026, 3, 1), D(2026, 3, 31), AgingConfig())
    assert (shared.closing_cents, shared.aging["not_due"], shared.unapplied_credit_cents) == (1770_00, 1800_00, 80_00)
