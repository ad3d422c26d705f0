"""The ledger's rules: postings, cached balance, FIFO allocation, returns and unapplied credit."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from schema import ledger
from schema.check import check_allocations, check_balances, check_postings
from schema.db import open_database
from schema.errors import PermissionDenied, ValidationError
from schema.migrate import upgrade
from schema.models import Customer, Order, Payment, PaymentAllocation, Posting, Rep

D = dt.date


def test_allocate_prefers_the_named_item_then_oldest_due():
    items = [ledger.OpenItem("late", D(2026, 3, 1), 500), ledger.OpenItem("early", D(2026, 1, 1), 300),
             ledger.OpenItem("named", D(2026, 6, 1), 200)]
    applied, left = ledger.allocate(900, items, preferred="named")
    assert applied == [("named", 200), ("early", 300), ("late", 400)] and left == 0
    applied, left = ledger.allocate(50, [ledger.OpenItem("x", D(2026, 1, 1), 0)])
    assert applied == [] and left == 50


def test_payment_to_named_order_then_fifo_return_and_credit(make_rep, make_customer):
    customer = make_customer(make_rep("alice"), credit_days=30)
    o1 = ledger.post_order(customer, order_no="O1", order_date=D(2026, 1, 1), amount_cents=100_000)
    o2 = ledger.post_order(customer, order_no="O2", order_date=D(2026, 2, 1), amount_cents=50_000)
    assert o1.due_date == D(2026, 1, 31)
    ledger.post_payment(customer, payment_ref="P1", paid_on=D(2026, 3, 1), amount_cents=120_000, order_no="O2")
    assert [o.open_cents for o in Order.select().order_by(Order.id)] == [30_000, 0]
    ledger.post_order(customer, order_no="R1", order_date=D(2026, 3, 2), amount_cents=-40_000)  # a return
    assert Order.get(Order.order_no == "O1").open_cents == 0
    assert Order.get(Order.order_no == "R1").open_cents == -10_000  # unused credit of the return
    p2 = ledger.post_payment(customer, payment_ref="P2", paid_on=D(2026, 3, 3), amount_cents=10_000)
    assert Payment.get_by_id(p2.id).unapplied_cents == 10_000  # nothing open: kept as credit
    ledger.post_order(customer, order_no="O3", order_date=D(2026, 3, 4), amount_cents=15_000)
    # the new order uses the payment's credit first, then the return's
    assert Payment.get_by_id(p2.id).unapplied_cents == 0
    assert Order.get(Order.order_no == "R1").open_cents == -5_000
    assert Order.get(Order.order_no == "O3").open_cents == 0
    assert Customer.get_by_id(customer.id).balance_cents == 100_000 + 50_000 - 120_000 - 40_000 - 10_000 + 15_000
    assert Customer.get_by_id(customer.id).first_deal_date == D(2026, 1, 1)
    assert o2.customer_id == customer.id
    assert all(c.ok for c in (check_balances(), check_postings(), check_allocations()))


def test_adjustments_need_a_manager_and_a_reason(make_rep, make_customer):
    rep, boss = make_rep("alice"), make_rep("boss", "manager")
    customer = make_customer(rep)
    with pytest.raises(PermissionDenied):
        ledger.post_adjustment(customer, amount_cents=100, reason="rounding", by=rep)
    with pytest.raises(ValidationError):
        ledger.post_adjustment(customer, amount_cents=100, reason=" ", by=boss)
    entry = ledger.post_adjustment(customer, amount_cents=-250, reason="price difference 差价", by=boss)
    assert Customer.get_by_id(customer.id).balance_cents == -250
    [posting] = Posting.select().where(Posting.customer == customer)
    assert (posting.kind, posting.amount_cents, posting.adjustment_id, posting.reason) == \
        ("adjustment", -250, entry.id, "price difference 差价")
    undo = ledger.post_adjustment(customer, amount_cents=250, reason="entered twice", by=boss, reverses=entry)
    assert undo.reverses_id == entry.id and Customer.get_by_id(customer.id).balance_cents == 0
    with pytest.raises(ValidationError):
        ledger.post_adjustment(make_customer(rep), amount_cents=250, reason="x", by=boss, reverses=entry)
    assert check_balances().ok and check_postings().ok


def test_a_payment_must_be_positive(make_rep, make_customer):
    with pytest.raises(ValidationError):
        ledger.post_payment(make_customer(make_rep("a")), payment_ref="P0", paid_on=D(2026, 1, 1), amount_cents=0)


amounts = st.integers(min_value=1, max_value=10_000_000)


class LedgerMachine(RuleBasedStateMachine):
    """Any sequence of orders, returns and payments keeps every invariant of the ledger."""

    @initialize()
    def setup(self):
        import tempfile
        self.tmp = tempfile.TemporaryDirectory()
        self.db = open_database(f"{self.tmp.name}/l.db")
        upgrade(self.db)
        rep = Rep.create(login="r", name="R")
        self.customers = [Customer.create(code=f"C{i}", name=f"客户{i}", owner=rep, credit_days=30) for i in range(2)]
        self.expected = {c.id: 0 for c in self.customers}
        self.day = D(2026, 1, 1)
        self.n = 0

    def _next(self, prefix):
        self.n += 1
        self.day += dt.timedelta(days=self.n % 3)
        return f"{prefix}{self.n}"

    @rule(who=st.integers(0, 1), amount=amounts)
    def order(self, who, amount):
        customer = Customer.get_by_id(self.customers[who].id)
        ledger.post_order(customer, order_no=self._next("O"), order_date=self.day, amount_cents=amount)
        self.expected[customer.id] += amount

    @rule(who=st.integers(0, 1), amount=amounts)
    def goods_return(self, who, amount):
        customer = Customer.get_by_id(self.customers[who].id)
        ledger.post_order(customer, order_no=self._next("R"), order_date=self.day, amount_cents=-amount)
        self.expected[customer.id] -= amount

    @rule(who=st.integers(0, 1), amount=amounts, name_an_order=st.booleans())
    def payment(self, who, amount, name_an_order):
        customer = Customer.get_by_id(self.customers[who].id)
        named = Order.select().where(Order.customer == customer).order_by(Order.id.desc()).first()
        ledger.post_payment(customer, payment_ref=self._next("P"), paid_on=self.day, amount_cents=amount,
                            order_no=named.order_no if (named and name_an_order) else "")
        self.expected[customer.id] -= amount

    @invariant()
    def balances_match_postings_and_allocations_fit(self):
        for customer in Customer.select():
            assert customer.balance_cents == self.expected[customer.id]
            posted = sum(e.amount_cents for e in Posting.select().where(Posting.customer == customer))
            assert posted == customer.balance_cents
            # what is open minus the credits standing equals the balance
            open_orders = sum(o.open_cents for o in Order.select().where(Order.customer == customer))
            unapplied = sum(p.unapplied_cents for p in Payment.select().where(Payment.customer == customer))
            assert open_orders - unapplied == customer.balance_cents
            # never both something open and an unused credit: credits are always applied
            has_open = Order.select().where((Order.customer == customer) & (Order.open_cents > 0)).exists()
            has_credit = (unapplied > 0 or Order.select().where((Order.customer == customer) & (Order.open_cents < 0)).exists())
            assert not (has_open and has_credit)
        assert all(a.amount_cents > 0 for a in PaymentAllocation.select())
        assert check_balances().ok and check_postings().ok and check_allocations().ok

    def teardown(self):
        self.db.close()
        self.tmp.cleanup()


LedgerMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None,
                                           suppress_health_check=[HealthCheck.too_slow])
test_ledger_state_machine = LedgerMachine.TestCase
