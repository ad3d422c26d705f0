"""The customer statement (对账单, DESIGN §5 and issue 6): one customer's ledger over a period, as
the customer is asked to check and sign it.

It is read from the ledger itself (the `posting` view), never worked out again: the opening
balance is the sum of the postings before the first day; every posting of the period follows in
date order as a debit (an order, a positive adjustment) or a credit (a return, a payment, a
negative adjustment) with the balance after it; the closing balance is the opening one plus the
period, which is the balance as of the last day. The aging at the last day is `schema.aging`'s,
for this one customer, so its buckets less the unapplied credit equal the closing balance."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from peewee import JOIN, fn

from schema import access
from schema.aging import aging
from schema.config import AgingConfig
from schema.errors import NotFound, PermissionDenied, ValidationError
from schema.models import Adjustment, Contact, Customer, Order, Payment, Posting, Rep
from schema.reports_scope import Scope

KIND_ORDER = {"order": 0, "return": 1, "payment": 2, "adjustment": 3}  # within one day and one instant


@dataclass(frozen=True)
class StatementLine:
    """One posting of the period. Exactly one of `debit_cents` and `credit_cents` is non-zero
    (both positive figures); `balance_cents` is the customer's balance after it."""

    posted_on: dt.date
    kind: str  # order, return, payment, adjustment (vocab.LEDGER_KINDS)
    document: str  # order number, payment reference, or ADJ-<id> for an adjustment
    debit_cents: int
    credit_cents: int
    balance_cents: int
    due_on: dt.date | None = None  # an order's due date
    method: str = ""  # a payment's method (vocab.PAYMENT_METHODS)
    order_no: str = ""  # the order a payment names
    reason: str = ""  # an adjustment's reason
    reverses: str = ""  # the adjustment (ADJ-<id>) this one reverses


@dataclass(frozen=True)
class Statement:
    """A customer's statement for `date_from`..`date_to` (both days included)."""

    customer_id: int
    code: str
    name: str
    address: str
    phone: str
    contact_name: str  # the primary contact (else the first one), '' if none
    contact_phone: str
    owner_login: str
    owner_name: str
    owner_phone: str
    date_from: dt.date
    date_to: dt.date
    opening_cents: int
    lines: tuple[StatementLine, ...]
    closing_cents: int
    aging: dict[str, int] = field(default_factory=dict)  # bucket -> open cents at date_to, configured order
    unapplied_credit_cents: int = 0  # a positive figure, shown negative beside the buckets

    @property
    def debit_cents(self) -> int:
        return sum(line.debit_cents for line in self.lines)

    @property
    def credit_cents(self) -> int:
        return sum(line.credit_cents for line in self.lines)


def adjustment_document(adjustment_id: int) -> str:
    return f"ADJ-{adjustment_id}"


def _customer(rep: Rep, code: str) -> Customer:
    customer = Customer.get_or_none(Customer.code == code)
    if customer is None:
        raise NotFound(f"There is no customer with code {code}; check the code (kacrm export balances lists them).")
    if not access.can_see(rep, customer):
        raise PermissionDenied(f"{rep.login} may not see customer {code}; ask its owner's manager for a grant "
                               f"(kacrm user grant).")
    if customer.deleted_at is not None:
        raise NotFound(f"Customer {code} was deleted; restore it from the trash before printing its statement.")
    return customer


def _balance_before(customer: Customer, day: dt.date) -> int:
    return int(Posting.select(fn.COALESCE(fn.SUM(Posting.amount_cents), 0))
               .where((Posting.customer == customer.id) & (Posting.posted_on < day)).scalar() or 0)


def _lines(customer: Customer, date_from: dt.date, date_to: dt.date, opening: int) -> list[StatementLine]:
    named = Payment.order_no.alias("named_order")
    query = (Posting.select(Posting.posted_on, Posting.kind, Posting.amount_cents, Posting.reason, Posting.created_at,
                            Posting.order.alias("order_id"), Posting.payment.alias("payment_id"),
                            Posting.adjustment.alias("adjustment_id"), Order.order_no, Order.due_date,
                            Payment.payment_ref, Payment.method, named, Adjustment.reverses.alias("reverses_id"))
             .join(Order, JOIN.LEFT_OUTER, on=(Posting.order == Order.id))
             .switch(Posting).join(Payment, JOIN.LEFT_OUTER, on=(Posting.payment == Payment.id))
             .switch(Posting).join(Adjustment, JOIN.LEFT_OUTER, on=(Posting.adjustment == Adjustment.id))
             .where((Posting.customer == customer.id) & (Posting.posted_on >= date_from)
                    & (Posting.posted_on <= date_to))
             .dicts())
    rows = sorted(query, key=lambda r: (r["posted_on"], r["created_at"], KIND_ORDER.get(r["kind"], 9),
                                        r["order_id"] or r["payment_id"] or r["adjustment_id"] or 0))
    lines: list[StatementLine] = []
    balance = opening
    for row in rows:
        cents = int(row["amount_cents"])
        balance += cents
        kind = row["kind"]
        if kind in ("order", "return"):
            document = row["order_no"]
        elif kind == "payment":
            document = row["payment_ref"]
        else:
            document = adjustment_document(row["adjustment_id"])
        lines.append(StatementLine(
            posted_on=row["posted_on"], kind=kind, document=document or "",
            debit_cents=max(cents, 0), credit_cents=max(-cents, 0), balance_cents=balance,
            due_on=row["due_date"] if kind == "order" else None,
            method=(row["method"] or "") if kind == "payment" else "",
            order_no=(row["named_order"] or "") if kind == "payment" else "",
            reason=(row["reason"] or "") if kind == "adjustment" else "",
            reverses=adjustment_document(row["reverses_id"]) if kind == "adjustment" and row["reverses_id"] else ""))
    return lines


def statement(rep: Rep, code: str, date_from: dt.date, date_to: dt.date, aging_config: AgingConfig) -> Statement:
    """The statement of customer `code` from `date_from` to `date_to` (both included), as `rep`
    may see it. Raises NotFound for an unknown (or deleted) code, PermissionDenied for a customer
    `rep` may not see, ValidationError when the period ends before it starts."""
    if date_from > date_to:
        raise ValidationError(f"The period starts ({date_from}) after it ends ({date_to}); "
                              f"give a --from on or before --to.")
    customer = _customer(rep, code)
    owner = Rep.get_by_id(customer.owner_id)
    contact = (Contact.live().where(Contact.customer == customer.id)
               .order_by(Contact.is_primary.desc(), Contact.id).first())
    opening = _balance_before(customer, date_from)
    lines = _lines(customer, date_from, date_to, opening)
    closing = lines[-1].balance_cents if lines else opening
    aged = next(aging(rep, aging_config, Scope(codes=(code,)), as_of=date_to), None)
    return Statement(
        customer_id=customer.id, code=customer.code, name=customer.name, address=customer.address,
        phone=customer.phone, contact_name=contact.name if contact else "",
        contact_phone=(contact.mobile or contact.phone) if contact else "",
        owner_login=owner.login, owner_name=owner.name, owner_phone=owner.phone,
        date_from=date_from, date_to=date_to, opening_cents=opening, lines=tuple(lines), closing_cents=closing,
        aging=dict(aged.buckets) if aged else dict.fromkeys(aging_config.bucket_names, 0),
        unapplied_credit_cents=aged.unapplied_credit_cents if aged else 0)


__all__ = ["Statement", "StatementLine", "adjustment_document", "statement"]
