"""The ledger (往来明细): every order, return, payment and adjustment is one posting (the view
`posting` over those documents), and each is written in the same transaction that updates the
customer's cached balance. Credits are allocated to open orders (核销): first the order a payment
names, then oldest due date first (FIFO).

Invariant (checked by `schema.check`): cached balance = sum of postings
= orders − returns − payments ± adjustments, for every customer."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import chain
from typing import Hashable, Iterable, Iterator

from schema import clock
from schema.db import transaction
from schema.errors import PermissionDenied, ValidationError
from schema.models import Adjustment, Customer, Order, Payment, PaymentAllocation, Rep


@dataclass
class OpenItem:
    """Something still owed: an order's open amount, due on `due`."""

    key: Hashable
    due: dt.date
    open_cents: int


def allocate(amount_cents: int, items: Iterable[OpenItem], preferred: Hashable | None = None
             ) -> tuple[list[tuple[Hashable, int]], int]:
    """Spread a credit over open items: the preferred one first, then by due date (FIFO).

    Returns the (key, cents) applied and the cents left over (unapplied credit). Pure: the demo
    builder and the database path share it."""
    if amount_cents < 0:
        raise ValueError("a credit to allocate is a positive amount")
    ordered = sorted((i for i in items if i.open_cents > 0),
                     key=lambda i: (i.key != preferred, i.due, i.key))
    applied: list[tuple[Hashable, int]] = []
    left = amount_cents
    for item in ordered:
        if left == 0:
            break
        take = min(left, item.open_cents)
        item.open_cents -= take
        applied.append((item.key, take))
        left -= take
    return applied, left


def _move_balance(customer: Customer, cents: int) -> None:
    Customer.update(balance_cents=Customer.balance_cents + cents).where(Customer.id == customer.id).execute()
    customer.balance_cents += cents


PAGE = 64  # open orders read at a time: a credit rarely needs more than the oldest few


def _open_orders(customer, *, before: int | None = None, skip: int | None = None) -> Iterator[list[Order]]:
    """The customer's open orders, oldest due first (then by id), a page at a time, so that a
    payment against a customer with thousands of open orders reads only the ones it pays."""
    base = (Order.open_cents > 0) & (Order.customer == customer)
    if before is not None:
        base &= Order.id < before
    if skip is not None:
        base &= Order.id != skip
    last: Order | None = None
    while True:
        where = base if last is None else base & ((Order.due_date > last.due_date)
                                                  | ((Order.due_date == last.due_date) & (Order.id > last.id)))
        page = list(Order.select().where(where).order_by(Order.due_date, Order.id).limit(PAGE))
        if not page:
            return
        yield page
        last = page[-1]


def _apply(credit: Payment | Order, amount_cents: int, pages: Iterable[list[Order]]) -> int:
    """Allocate `amount_cents` of `credit` to the orders of `pages` in turn; returns what is left."""
    source = {"payment": credit} if isinstance(credit, Payment) else {"credit_order": credit}
    left = amount_cents
    for page in pages:
        if left == 0:
            break
        by_id = {o.id: o for o in page}
        applied, left = allocate(left, [OpenItem(o.id, o.due_date, o.open_cents) for o in page])
        for order_id, cents in applied:
            PaymentAllocation.create(order=order_id, amount_cents=cents, **source)
            Order.update(open_cents=Order.open_cents - cents).where(Order.id == order_id).execute()
            by_id[order_id].open_cents -= cents
    return left


def post_order(customer: Customer, *, order_no: str, order_date: dt.date, amount_cents: int,
               due_date: dt.date | None = None, cost_cents: int | None = None, currency: str = "CNY",
               content_hash: str = "", source_file=None, source_line: int | None = None) -> Order:
    """Record an order (or, with a negative amount, a return), which is its posting, then settle it."""
    with transaction():
        due = due_date or order_date + dt.timedelta(days=customer.credit_days)
        order = Order.create(order_no=order_no, customer=customer, order_date=order_date, due_date=due,
                             amount_cents=amount_cents, open_cents=amount_cents, cost_cents=cost_cents,
                             currency=currency, content_hash=content_hash, source_file=source_file,
                             source_line=source_line)
        _move_balance(customer, amount_cents)
        if amount_cents > 0 and (customer.first_deal_date is None or order_date < customer.first_deal_date):
            Customer.update(first_deal_date=order_date).where(Customer.id == customer.id).execute()
            customer.first_deal_date = order_date
        settle_order(order)
        return order


def settle_order(order: Order) -> None:
    """Allocate a freshly recorded order against what came before it (by id), as if posted alone:
    an order takes up the customer's standing credits (unapplied payments oldest first, then unused
    returns); a return pays off open orders, oldest due first, and keeps the rest as credit.

    Bulk import inserts a file's orders first and settles them in file order afterwards; looking
    only at earlier ids makes that the same as posting them one by one."""
    customer = order.customer_id
    if order.amount_cents < 0:
        left = _apply(order, -order.amount_cents, _open_orders(customer, before=order.id))
        Order.update(open_cents=-left).where(Order.id == order.id).execute()
        order.open_cents = -left
        return
    if order.amount_cents == 0:
        return
    credits: list[Payment | Order] = list(
        Payment.select().where((Payment.customer == customer) & (Payment.unapplied_cents > 0))
        .order_by(Payment.paid_on, Payment.id))
    credits += list(Order.select().where((Order.customer == customer) & (Order.open_cents < 0) & (Order.id < order.id))
                    .order_by(Order.order_date, Order.id))
    for credit in credits:
        if order.open_cents == 0:
            break
        available = credit.unapplied_cents if isinstance(credit, Payment) else -credit.open_cents
        used = available - _apply(credit, available, [[order]])
        if isinstance(credit, Payment):
            Payment.update(unapplied_cents=Payment.unapplied_cents - used).where(Payment.id == credit.id).execute()
        else:
            Order.update(open_cents=Order.open_cents + used).where(Order.id == credit.id).execute()


def post_payment(customer: Customer, *, payment_ref: str, paid_on: dt.date, amount_cents: int,
                 method: str = "transfer", order_no: str = "", currency: str = "CNY",
                 content_hash: str = "", source_file=None, source_line: int | None = None) -> Payment:
    """Record money received (its posting); allocate it to the named order first, then FIFO."""
    if amount_cents <= 0:
        raise ValidationError("A payment is a positive amount; record a refund as an adjustment.")
    with transaction():
        payment = Payment.create(payment_ref=payment_ref, customer=customer, paid_on=paid_on,
                                 amount_cents=amount_cents, unapplied_cents=amount_cents, method=method,
                                 order_no=order_no, currency=currency, content_hash=content_hash,
                                 source_file=source_file, source_line=source_line)
        _move_balance(customer, -amount_cents)
        named = (Order.get_or_none((Order.order_no == order_no) & (Order.customer == customer) & (Order.open_cents > 0))
                 if order_no else None)
        first = [[named]] if named else []
        left = _apply(payment, amount_cents, chain(first, _open_orders(customer, skip=named.id if named else None)))
        Payment.update(unapplied_cents=left).where(Payment.id == payment.id).execute()
        payment.unapplied_cents = left
        return payment


def post_adjustment(customer: Customer, *, amount_cents: int, reason: str, by: Rep,
                    posted_on: dt.date | None = None, reverses: Adjustment | None = None) -> Adjustment:
    """A manual correction (±) by a manager, with a reason; the ledger itself is never edited."""
    if by.role not in ("manager", "admin"):
        raise PermissionDenied("Only a manager or an admin may adjust a customer's ledger.")
    if not reason.strip():
        raise ValidationError("An adjustment needs a reason.")
    if amount_cents == 0:
        raise ValidationError("An adjustment of 0.00 changes nothing.")
    with transaction():
        if reverses is not None and reverses.customer_id != customer.id:
            raise ValidationError("An adjustment can only reverse one of the same customer.")
        entry = Adjustment.create(customer=customer, posted_on=posted_on or clock.today(),
                                  amount_cents=amount_cents, reason=reason.strip(), created_by=by,
                                  reverses=reverses)
        _move_balance(customer, amount_cents)
        return entry


def settle_credits(customer) -> int:
    """Apply a customer's standing credits -- unapplied payments oldest first, then unused returns
    -- to its open orders, oldest due first (FIFO), the order `settle_order` takes them in. Needed
    when credits and open orders meet late, as when two customers are merged: one's unapplied
    money then pays the other's orders. Balances do not move (allocation only); returns the cents
    allocated."""
    with transaction():
        credits: list[Payment | Order] = list(
            Payment.select().where((Payment.customer == customer) & (Payment.unapplied_cents > 0))
            .order_by(Payment.paid_on, Payment.id))
        credits += list(Order.select().where((Order.customer == customer) & (Order.open_cents < 0))
                        .order_by(Order.order_date, Order.id))
        total = 0
        for credit in credits:
            available = credit.unapplied_cents if isinstance(credit, Payment) else -credit.open_cents
            used = available - _apply(credit, available, _open_orders(customer))
            if used == 0:
                break  # nothing is open any more
            if isinstance(credit, Payment):
                Payment.update(unapplied_cents=Payment.unapplied_cents - used).where(Payment.id == credit.id).execute()
            else:
                Order.update(open_cents=Order.open_cents + used).where(Order.id == credit.id).execute()
            total += used
        return total
