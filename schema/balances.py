"""Balances (应收余额) per customer, as `kacrm export balances` and the screens show them.

balance = sum of postings (cached on the customer); unapplied credit = payments not yet allocated
plus returns not yet used (a positive figure, 预收/未核销); overdue = what is still open on orders
due before the as-of date."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator

from peewee import chunked, fn

from schema import access, clock
from schema.models import Customer, LedgerEntry, Order, Payment, Rep


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


def balances(rep: Rep, *, as_of: dt.date | None = None, codes: list[str] | None = None,
             owner: str | None = None, region: str | None = None) -> Iterator[BalanceRow]:
    """One row per customer `rep` may see, ordered by code; as of today unless `as_of` is given
    (then the balance counts postings up to that day)."""
    as_of = as_of or clock.today()
    customers = access.visible_customers(rep).join(Rep, on=(Customer.owner == Rep.id))
    if codes:
        customers = customers.where(Customer.code.in_(codes))
    if owner:
        customers = customers.where(Rep.login == owner)
    if region:
        customers = customers.where(Customer.region == region)
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
        historic = dict(LedgerEntry.select(LedgerEntry.customer, fn.SUM(LedgerEntry.amount_cents))
                        .where(LedgerEntry.customer.in_(ids) & (LedgerEntry.posted_on <= as_of))
                        .group_by(LedgerEntry.customer).tuples())
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
    found: set[int] = set()
    ids = set(customer_ids)
    if len(ids) > 2000:  # one pass over each table beats thousands of narrow lookups
        found.update(cid for (cid,) in Payment.select(Payment.customer).distinct()
                     .where(Payment.unapplied_cents > 0).tuples())
        found.update(cid for (cid,) in Order.select(Order.customer).distinct().where(Order.open_cents < 0).tuples())
        return found & ids
    for chunk in chunked(sorted(ids), 500):
        found.update(cid for (cid,) in Payment.select(Payment.customer).distinct()
                     .where(Payment.customer.in_(chunk) & (Payment.unapplied_cents > 0)).tuples())
        found.update(cid for (cid,) in Order.select(Order.customer).distinct()
                     .where(Order.customer.in_(chunk) & (Order.open_cents < 0)).tuples())
    return found
