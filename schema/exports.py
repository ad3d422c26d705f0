"""The records kacrm hands out (`kacrm export KIND`, DESIGN §7): customers, contacts, visits,
contracts, orders, payments, the audit trail and approval requests, each as rows of plain values
under stable field names, always within what the acting user may see.

A row is a dict: text, whole numbers, booleans, `date`, aware `datetime`, None; money as text with
two decimals ("1234.50"), its keys listed in the kind's `money`. Rows are streamed from the
database in key order (`.iterator()`), so a million orders never sit in memory; `count()` tells
how many will come, for a progress bar. The figures (balances, aging, segments, targets) live in
their own modules and are turned into rows by the front end."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

from peewee import JOIN, Alias, BooleanField, DateField, DateTimeField, Field, ModelSelect, fn

from schema.archive import PARTS, label_name
from schema.models import (ApprovalRequest, AuditEntry, Contact, Contract, Customer, Order, Payment, Rep, Visit,
                           VisitContact)
from schema.models.base import MoneyField
from schema.money import format_money
from schema.periods import raw_rows
from schema.reports_scope import Scope, covers_everyone, scoped_customers


@dataclass(frozen=True)
class ExportFilter:
    """The filters every export takes. `since`/`until` bound the kind's own date (an order's date,
    a visit's day, a contract's signing, a customer's or contact's last change, an audit entry's
    day), both ends included, in the site's time zone `tz`."""

    scope: Scope = Scope()
    since: dt.date | None = None
    until: dt.date | None = None
    tz: dt.tzinfo = ZoneInfo("Asia/Shanghai")

    def utc_bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """`since` and the day after `until` as UTC instants, for timestamp columns."""
        def instant(day: dt.date | None) -> dt.datetime | None:
            return None if day is None else dt.datetime.combine(day, dt.time(), self.tz).astimezone(dt.timezone.utc)
        return instant(self.since), instant(self.until + dt.timedelta(days=1) if self.until else None)


@dataclass(frozen=True)
class Export:
    """One kind's fields (in column order), which of them are money, and its rows."""

    fields: tuple[str, ...]
    money: frozenset[str]
    rows: Callable[[], Iterator[dict[str, Any]]]
    count: Callable[[], int]


def _money(cents: int | None) -> str | None:
    return None if cents is None else format_money(cents)


def _between(query: ModelSelect, column, f: ExportFilter, *, instants: bool = False) -> ModelSelect:
    low, high = f.utc_bounds() if instants else (f.since, f.until)
    if low is not None:
        query = query.where(column >= low)
    if high is not None:
        query = query.where(column < high if instants else column <= high)
    return query


def _ids(rep: Rep, f: ExportFilter) -> ModelSelect | None:
    """The ids of the customers in view, or None when that is every customer (a big table is
    then read whole rather than tested row by row against a list)."""
    if covers_everyone(rep, f.scope):
        return None
    return scoped_customers(rep, f.scope).select(Customer.id)


def _of_customers(query: ModelSelect, column, rep: Rep, f: ExportFilter) -> ModelSelect:
    ids = _ids(rep, f)
    query = query.where(Customer.deleted_at.is_null())
    return query if ids is None else query.where(column.in_(ids))


def _dicts(query: ModelSelect) -> Iterator[dict[str, Any]]:
    """The query's rows as dicts by selected name, straight from the driver: only dates, times and
    booleans are converted (peewee's row-by-row conversion of every column costs more than the
    query over 100,000 wide rows)."""
    names, converters = [], []
    for node in query._returning:
        field = node.node if isinstance(node, Alias) else node
        names.append(node._alias if isinstance(node, Alias) else node.name if isinstance(node, Field)
                     else node._alias)  # a subquery with .alias()
        converters.append(field.python_value if isinstance(field, (DateField, DateTimeField, BooleanField))
                          else None)
    converting = [(i, convert) for i, convert in enumerate(converters) if convert is not None]
    for values in raw_rows(query):
        values = list(values)
        for i, convert in converting:
            if values[i] is not None:
                values[i] = convert(values[i])
        yield dict(zip(names, values))


def _export(fields, money, query: ModelSelect, make_row) -> Export:
    return Export(tuple(fields), frozenset(money), lambda: (make_row(r) for r in _dicts(query)),
                  lambda: query.order_by().count())


# -- customers ---------------------------------------------------------------------------------

CUSTOMER_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys(
    ("code", *(name for names in PARTS.values() for name in names), "first_deal_date", "abc_class", "segment",
     "strategy", "balance_cents")))


def customers(rep: Rep, f: ExportFilter) -> Export:
    """Every archive field of DESIGN §3 (choices by key, as `kacrm import customers` reads them back),
    the owner's login, the cached balance and the record's version and times."""
    columns = [getattr(Customer, name) for name in CUSTOMER_COLUMNS]
    query = (scoped_customers(rep, f.scope)
             .select(*columns, Rep.login.alias("owner"), Customer.version, Customer.created_at, Customer.updated_at)
             .order_by(Customer.code))
    query = _between(query, Customer.updated_at, f, instants=True)
    money = {name for name in CUSTOMER_COLUMNS if isinstance(Customer._meta.fields[name], MoneyField)}
    fields = [label_name(name) for name in CUSTOMER_COLUMNS]
    fields.insert(fields.index("name") + 1, "owner")

    plain = [(name, label_name(name)) for name in CUSTOMER_COLUMNS if name not in money]
    cents = [(name, label_name(name)) for name in CUSTOMER_COLUMNS if name in money]
    kept = ("owner", "version", "created_at", "updated_at")

    def row(r: dict[str, Any]) -> dict[str, Any]:
        out = {to: r[name] for name, to in plain}
        out.update((to, _money(r[name])) for name, to in cents)
        out.update((key, r[key]) for key in kept)
        return out
    return _export([*fields, "version", "created_at", "updated_at"], {label_name(m) for m in money}, query, row)


# -- contacts ----------------------------------------------------------------------------------

CONTACT_COLUMNS = ("name", "title", "department", "buying_role", "stage", "phone", "mobile", "email", "wechat",
                   "birthday_calendar", "birthday_month", "birthday_day", "birth_year", "hobbies", "family_notes",
                   "personality_notes", "is_primary")


def contacts(rep: Rep, f: ExportFilter) -> Export:
    """The contacts of the customers in view, with their customer's code and name."""
    query = (Contact.select(Customer.code.alias("customer_code"), Customer.name.alias("customer_name"),
                            *(getattr(Contact, c) for c in CONTACT_COLUMNS), Contact.updated_at)
             .join(Customer).where(Contact.deleted_at.is_null()).order_by(Customer.code, Contact.id))
    query = _between(_of_customers(query, Contact.customer, rep, f), Contact.updated_at, f, instants=True)
    return _export(("customer_code", "customer_name", *CONTACT_COLUMNS, "updated_at"), (), query, dict)


# -- visits ------------------------------------------------------------------------------------

VISIT_COLUMNS = ("kind", "status", "purpose", "summary", "feedback", "commitment", "next_step", "follow_up_on",
                 "follow_up_done")


def visits(rep: Rep, f: ExportFilter) -> Export:
    """Visits logged and planned, oldest first, with the rep, the customer and the contacts met."""
    met = (VisitContact.select(fn.GROUP_CONCAT(Contact.name)).join(Contact)
           .where(VisitContact.visit == Visit.id))
    query = (Visit.select(Visit.id, Visit.at, Customer.code.alias("customer_code"),
                          Customer.name.alias("customer_name"), Rep.login.alias("rep"),
                          *(getattr(Visit, c) for c in VISIT_COLUMNS), met.alias("contacts_met"))
             .join(Customer).switch(Visit).join(Rep).where(Visit.deleted_at.is_null())
             .order_by(Visit.at, Visit.id))
    query = _between(_of_customers(query, Visit.customer, rep, f), Visit.at, f, instants=True)
    fields = ("at", "customer_code", "customer_name", "rep", "kind", "status", "purpose", "contacts_met", "summary",
              "feedback", "commitment", "next_step", "follow_up_on", "follow_up_done")

    def row(r: dict[str, Any]) -> dict[str, Any]:
        r["at"] = r["at"].astimezone(f.tz)
        r["contacts_met"] = (r["contacts_met"] or "").replace(",", ", ")
        return r
    return _export(fields, (), query, row)


# -- contracts ---------------------------------------------------------------------------------

def contracts(rep: Rep, f: ExportFilter) -> Export:
    """Contracts with their terms, fees, rebate and the paper archive reference, by number."""
    handler, approver = Rep.alias(), Rep.alias()
    plain = ("number", "title", "signed_on", "start_on", "end_on", "amount_cents", "status", "settlement_cycle",
             "payment_method", "credit_days", "entry_fee_cents", "promotion_fee_cents", "other_fee_cents",
             "rebate_basis_points", "special_terms", "customer_signatory", "paper_archive_no",
             "paper_archive_location")
    query = (Contract.select(Customer.code.alias("customer_code"), Customer.name.alias("customer_name"),
                             *(getattr(Contract, c) for c in plain), handler.login.alias("handler"),
                             approver.login.alias("approver"))
             .join(Customer).switch(Contract)
             .join(handler, JOIN.LEFT_OUTER, on=(Contract.handler == handler.id)).switch(Contract)
             .join(approver, JOIN.LEFT_OUTER, on=(Contract.approver == approver.id))
             .where(Contract.deleted_at.is_null()).order_by(Contract.number))
    query = _between(_of_customers(query, Contract.customer, rep, f), Contract.signed_on, f)
    fields = ("number", "title", "customer_code", "customer_name", "signed_on", "start_on", "end_on", "amount",
              "status", "settlement_cycle", "payment_method", "credit_days", "entry_fee", "promotion_fee",
              "other_fee", "rebate_percent", "special_terms", "customer_signatory", "handler", "approver",
              "paper_archive_no", "paper_archive_location")

    def row(r: dict[str, Any]) -> dict[str, Any]:
        for key in [k for k in r if k.endswith("_cents")]:
            r[label_name(key)] = _money(r.pop(key))
        points = r.pop("rebate_basis_points")
        r["rebate_percent"] = f"{points // 100}.{points % 100:02d}"
        return r
    return _export(fields, ("amount", "entry_fee", "promotion_fee", "other_fee"), query, row)


# -- orders and payments -----------------------------------------------------------------------

def orders(rep: Rep, f: ExportFilter) -> Export:
    """Orders and returns (a negative amount), by date: the amount, its cost where known, what is
    still open, and the file and line it came from."""
    query = (Order.select(Order.order_no, Customer.code.alias("customer_code"), Customer.name.alias("customer_name"),
                          Order.order_date, Order.due_date, Order.amount_cents, Order.cost_cents, Order.open_cents,
                          Order.currency, Order.source_line)
             .join(Customer).order_by(Order.order_date, Order.id))
    query = _between(_of_customers(query, Order.customer, rep, f), Order.order_date, f)
    fields = ("order_no", "customer_code", "customer_name", "order_date", "due_date", "amount", "cost", "open",
              "currency", "source_line")

    def row(r: dict[str, Any]) -> dict[str, Any]:
        return {**r, "amount": _money(r["amount_cents"]), "cost": _money(r["cost_cents"]),
                "open": _money(r["open_cents"])}
    return _export(fields, ("amount", "cost", "open"), query, row)


def payments(rep: Rep, f: ExportFilter) -> Export:
    """Payments received, by date: the amount, the part not yet allocated, the method and the order
    the bank line named."""
    query = (Payment.select(Payment.payment_ref, Customer.code.alias("customer_code"),
                            Customer.name.alias("customer_name"), Payment.paid_on, Payment.amount_cents,
                            Payment.unapplied_cents, Payment.method, Payment.order_no, Payment.currency)
             .join(Customer).order_by(Payment.paid_on, Payment.id))
    query = _between(_of_customers(query, Payment.customer, rep, f), Payment.paid_on, f)
    fields = ("payment_ref", "customer_code", "customer_name", "paid_on", "amount", "unapplied", "method", "order_no",
              "currency")

    def row(r: dict[str, Any]) -> dict[str, Any]:
        return {**r, "amount": _money(r["amount_cents"]), "unapplied": _money(r["unapplied_cents"])}
    return _export(fields, ("amount", "unapplied"), query, row)


# -- audit and approvals -----------------------------------------------------------------------

def audit(rep: Rep, f: ExportFilter) -> Export:
    """The audit trail, oldest first: an admin's holds everything; anyone else's holds the entries
    about the customers they may see and their own actions."""
    query = (AuditEntry.select(AuditEntry.at, AuditEntry.actor_login.alias("actor"), AuditEntry.action,
                               AuditEntry.table_name.alias("table"), AuditEntry.record_id,
                               Customer.code.alias("customer_code"), AuditEntry.field,
                               AuditEntry.old_value.alias("old"), AuditEntry.new_value.alias("new"), AuditEntry.reason)
             .join(Customer, JOIN.LEFT_OUTER).order_by(AuditEntry.at, AuditEntry.id))
    narrowed = f.scope.narrows()
    if rep.role != "admin" or narrowed:
        seen = AuditEntry.customer.in_(scoped_customers(rep, f.scope).select(Customer.id))
        query = query.where(seen if narrowed else seen | (AuditEntry.actor == rep.id))
    query = _between(query, AuditEntry.at, f, instants=True)
    fields = ("at", "actor", "action", "table", "record_id", "customer_code", "field", "old", "new", "reason")

    def row(r: dict[str, Any]) -> dict[str, Any]:
        r["at"] = r["at"].astimezone(f.tz)
        return r
    return _export(fields, (), query, row)


def approvals(rep: Rep, f: ExportFilter) -> Export:
    """Approval requests (DESIGN §6), newest first, about the customers in view or made by the user."""
    requester, decider = Rep.alias(), Rep.alias()
    query = (ApprovalRequest.select(ApprovalRequest.requested_at, ApprovalRequest.kind, ApprovalRequest.status,
                                    Customer.code.alias("customer_code"), Customer.name.alias("customer_name"),
                                    ApprovalRequest.table_name.alias("table"), ApprovalRequest.record_id,
                                    ApprovalRequest.payload.alias("change"), ApprovalRequest.reason,
                                    requester.login.alias("requested_by"), decider.login.alias("decided_by"),
                                    ApprovalRequest.decided_at, ApprovalRequest.decision_note)
             .join(Customer, JOIN.LEFT_OUTER).switch(ApprovalRequest)
             .join(requester, on=(ApprovalRequest.requested_by == requester.id)).switch(ApprovalRequest)
             .join(decider, JOIN.LEFT_OUTER, on=(ApprovalRequest.decided_by == decider.id))
             .order_by(ApprovalRequest.requested_at.desc(), ApprovalRequest.id.desc()))
    if rep.role != "admin":
        seen = scoped_customers(rep, f.scope).select(Customer.id)
        query = query.where(ApprovalRequest.customer.in_(seen) | (ApprovalRequest.requested_by == rep.id))
    query = _between(query, ApprovalRequest.requested_at, f, instants=True)
    fields = ("requested_at", "kind", "status", "customer_code", "customer_name", "table", "record_id", "change",
              "reason", "requested_by", "decided_by", "decided_at", "decision_note")

    def row(r: dict[str, Any]) -> dict[str, Any]:
        for key in ("requested_at", "decided_at"):
            if r[key] is not None:
                r[key] = r[key].astimezone(f.tz)
        return r
    return _export(fields, (), query, row)


RECORDS: dict[str, Callable[[Rep, ExportFilter], Export]] = {
    "customers": customers, "contacts": contacts, "visits": visits, "contracts": contracts, "orders": orders,
    "payments": payments, "audit": audit, "approvals": approvals,
}

