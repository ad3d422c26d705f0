"""Balances (应收余额) per customer, as `kacrm export balances` and the screens show them.

balance = sum of postings (cached on the customer); unapplied credit = payments not yet allocated
plus returns not yet used (a positive figure, 预收/未核销); overdue = what is still open on orders
due before the as-of date."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator

from peewee import fn

from schema import clock
from schema.models import Customer, Order, Payment, Posting, Rep
from schema.reports_scope import Scope, scoped_customers


@dataclass(frozen=True)
class BalanceRow:
    code: str
    name: str
    owner: str
    region: str
    balance_cents: int
    credit_limit_cents: int
    unapplied_credit_cents: int
    overdue_cents: int

    @property
    def over_limit(self) -> bool:
        return self.credit_limit_cents > 0 and self.balance_cents > self.credit_limit_cents


def balances(rep: Rep, *, as_of: dt.date | None = None, scope: Scope | None = None) -> Iterator[BalanceRow]:
    """One row per customer `rep` may see within `scope`, ordered by code; as of today unless
    `as_of` is given (then the balance counts postings up to that day)."""
    as_of = as_of or clock.today()
    customers = scoped_customers(rep, scope)
    ids = customers.select(Customer.id)
    overdue = dict(Order.select(Order.customer, fn.SUM(Order.open_cents))
                   .where(Order.customer.in_(ids) & (Order.open_cents > 0) & (Order.due_date < as_of))
                   .group_by(Order.customer).tuples())
    unapplied = dict(Payment.select(Payment.customer, fn.SUM(Payment.unapplied_cents))
                     .where(Payment.customer.in_(ids) & (Payment.unapplied_cents > 0))
                     .group_by(Payment.customer).tuples())
    for customer_id, cents in (Order.select(Order.customer, fn.SUM(Order.open_cents))
                               .where(Order.customer.in_(ids) & (Order.open_cents < 0))
                               .group_by(Order.customer).tuples()):
        unapplied[customer_id] = unapplied.get(customer_id, 0) - cents
    historic = None
    if as_of < clock.today():
        historic = dict(Posting.select(Posting.customer, fn.SUM(Posting.amount_cents))
                        .where(Posting.customer.in_(ids) & (Posting.posted_on <= as_of))
                        .group_by(Posting.customer).tuples())
    query = (customers.select(Customer.id, Customer.code, Customer.name, Rep.login, Customer.region,
                              Customer.balance_cents, Customer.credit_limit_cents)
             .order_by(Customer.code).tuples())
    for cid, code, name, login, customer_region, balance, limit in query.iterator():
        yield BalanceRow(code, name, login, customer_region,
                         balance if historic is None else historic.get(cid, 0),
                         limit, unapplied.get(cid, 0), overdue.get(cid, 0))


def open_credit_customers(customer_ids) -> set[int]:
    """Those of `customer_ids` holding a credit not yet allocated (an unapplied payment or an
    unused return): an order for them must go through allocation."""
    # the partial indexes payment_unapplied and order_credit hold just these customers: reading
    # them whole is cheaper than any lookup by the (perhaps thousands of) ids
    found = {cid for (cid,) in Payment.select(Payment.customer).distinct().where(Payment.unapplied_cents > 0).tuples()}
    found.update(cid for (cid,) in Order.select(Order.customer).distinct().where(Order.open_cents < 0).tuples())
    return found & set(customer_ids)
