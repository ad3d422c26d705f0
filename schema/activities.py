"""Adding and changing what happens with a customer — contracts (合同), complaints (投诉),
opportunities (销售机会) — and its contacts (关键联系人), as a form gives them: text for dates and
money, keys for choices. Every value is checked here, once, for the TUI and any other front end;
a bad one raises `FieldProblem`, which names the field and the problem. Writes go through the
access rule and the audit trail; an edit of a record saved by someone else since it was read is
refused by its version (`ConcurrentEdit`), never written over."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from schema import access, approvals, clock, vocab
from schema.audit import audited_create, audited_update
from schema.config import AccessConfig
from schema.db import transaction
from schema.errors import PendingApproval, ValidationError
from schema.funnel import weighted
from schema.models import Complaint, Contact, Contract, Customer, Opportunity, Rep, TrackedModel
from schema.money import format_money, parse_money, to_cents

Values = Mapping[str, Any]


class FieldProblem(ValidationError):
    """One field's value is not acceptable. `field` is the form's name for it, `problem` one of
    required, date, money, negative, choice, whole, range, percent, end_before_start,
    before_received, future, duplicate, too_long, email, birthday, reason, customer; `limits`
    fills in the sentence (e.g. the range)."""

    def __init__(self, field: str, problem: str, message: str, **limits: Any):
        super().__init__(message)
        self.field, self.problem, self.limits = field, problem, limits


def _raw(values: Values, name: str) -> Any:
    value = values.get(name)
    return value.strip() if isinstance(value, str) else value


def _text(values: Values, name: str, *, required: bool = False, max_length: int | None = None) -> str:
    value = _raw(values, name)
    text = "" if value is None else str(value)
    if required and not text:
        raise FieldProblem(name, "required", f"{name}: fill this in.")
    if max_length is not None and len(text) > max_length:
        raise FieldProblem(name, "too_long", f"{name}: at most {max_length} characters.", max=max_length)
    return text


def _date(values: Values, name: str, *, required: bool = False) -> dt.date | None:
    value = _raw(values, name)
    if value in (None, ""):
        if required:
            raise FieldProblem(name, "required", f"{name}: give a date as YYYY-MM-DD.")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise FieldProblem(name, "date", f"{name}: {value!r} is not a date; write it as YYYY-MM-DD.") from None


def _money(values: Values, name: str) -> int:
    """An amount in yuan ('12,345.60', Decimal) as cents; empty is zero; never negative."""
    value = _raw(values, name)
    if value in (None, ""):
        return 0
    try:
        cents = parse_money(value) if isinstance(value, str) else to_cents(value)
    except (ValueError, InvalidOperation):
        raise FieldProblem(name, "money", f"{name}: {value!r} is not an amount in yuan, such as 12,345.60.") from None
    if cents < 0:
        raise FieldProblem(name, "negative", f"{name}: an amount cannot be negative.")
    return cents


def _choice(values: Values, name: str, choices: vocab.Choices, default: str, record: TrackedModel | None = None) -> str:
    """A choice by its key; one not in the list only as `record` holds it already (a word from
    older data, kept as it was: a form that shows it saves it unchanged)."""
    value = _raw(values, name)
    key = default if value in (None, "") else str(value)
    if key not in choices and (record is None or getattr(record, name) != key):
        raise FieldProblem(name, "choice", f"{name}: one of {', '.join(choices)}, not {key!r}.",
                           choices=", ".join(choices))
    return key


def _whole(values: Values, name: str, low: int, high: int, *, default: int | None = None) -> int | None:
    value = _raw(values, name)
    if value in (None, ""):
        if default is None:
            return None
        return default
    if isinstance(value, bool) or not (isinstance(value, int) or str(value).isdigit()):
        raise FieldProblem(name, "whole", f"{name}: a whole number from {low} to {high}.", low=low, high=high)
    number = int(value)
    if not low <= number <= high:
        raise FieldProblem(name, "range", f"{name}: a whole number from {low} to {high}.", low=low, high=high)
    return number


def _basis_points(values: Values, name: str) -> int:
    """A percentage such as 2.5 (two decimals at most) as basis points (250)."""
    value = _raw(values, name)
    if value in (None, ""):
        return 0
    try:
        percent = Decimal(str(value).rstrip("%"))
        points = percent * 100
        if not percent.is_finite() or points != points.to_integral_value():
            raise InvalidOperation
    except InvalidOperation:
        raise FieldProblem(name, "percent", f"{name}: a percentage from 0 to 100, such as 2.5.") from None
    if not 0 <= percent <= 100:
        raise FieldProblem(name, "percent", f"{name}: a percentage from 0 to 100, such as 2.5.")
    return int(points)


def _write(model: type[TrackedModel], rep: Rep, customer: Customer, fields: dict[str, Any],
           record: TrackedModel | None, expected_version: int | None, reason: str, what: str) -> TrackedModel:
    """Create or change one record of `customer`, by a rep who may edit it, in the audit trail."""
    if record is None:
        return audited_create(model, {"customer": customer, **fields}, actor=rep, reason=reason.strip() or f"{what} added")
    if record.customer_id != customer.id:
        raise FieldProblem("customer", "customer", f"This {what} belongs to another customer.")
    if not reason.strip():
        raise FieldProblem("reason", "reason", "reason: say why the record is changed.")
    audited_update(record, fields, actor=rep, reason=reason.strip(), expected_version=expected_version)
    return model.get_by_id(record.id)


def _editable(rep: Rep, customer: Customer) -> None:
    access.require_edit(rep, customer)  # PermissionDenied, before any value is looked at


def save_contract(rep: Rep, customer: Customer, values: Values, *, contract: Contract | None = None,
                  expected_version: int | None = None, reason: str = "") -> Contract:
    """Add a contract to `customer` (`contract` None) or change `contract`. `values` by form name:
    number, title, signed_on, start_on, end_on, amount, status, settlement_cycle, payment_method,
    credit_days, entry_fee, promotion_fee, other_fee, rebate_percent, special_terms,
    customer_signatory, paper_archive_no, paper_archive_location."""
    _editable(rep, customer)
    number = _text(values, "number", required=True, max_length=64)
    fields = {
        "number": number, "title": _text(values, "title", required=True, max_length=200),
        "signed_on": _date(values, "signed_on"), "start_on": _date(values, "start_on", required=True),
        "end_on": _date(values, "end_on", required=True), "amount_cents": _money(values, "amount"),
        "status": _choice(values, "status", vocab.CONTRACT_STATUSES, "draft", contract),
        "settlement_cycle": _choice(values, "settlement_cycle", vocab.SETTLEMENT_CYCLES, "monthly", contract),
        "payment_method": _choice(values, "payment_method", vocab.PAYMENT_METHODS, "transfer", contract),
        "credit_days": _whole(values, "credit_days", 0, 365, default=customer.credit_days),
        "entry_fee_cents": _money(values, "entry_fee"), "promotion_fee_cents": _money(values, "promotion_fee"),
        "other_fee_cents": _money(values, "other_fee"), "rebate_basis_points": _basis_points(values, "rebate_percent"),
        "special_terms": _text(values, "special_terms"),
        "customer_signatory": _text(values, "customer_signatory", max_length=64),
        "paper_archive_no": _text(values, "paper_archive_no", max_length=64),
        "paper_archive_location": _text(values, "paper_archive_location", max_length=120),
    }
    if fields["end_on"] < fields["start_on"]:
        raise FieldProblem("end_on", "end_before_start", "end_on: the contract cannot end before it starts.")
    with transaction():
        taken = Contract.select().where(Contract.number == number)
        if contract is not None:
            taken = taken.where(Contract.id != contract.id)
        if taken.exists():  # soft-deleted ones too: the number stays unique in the table
            raise FieldProblem("number", "duplicate", f"number: contract {number} already exists.", number=number)
        if contract is None:
            fields["handler"] = rep
        return _write(Contract, rep, customer, fields, contract, expected_version, reason, "contract")


def save_complaint(rep: Rep, customer: Customer, values: Values, *, complaint: Complaint | None = None,
                   expected_version: int | None = None, reason: str = "",
                   config: AccessConfig | None = None) -> Complaint:
    """Add or change a complaint. `values` by form name: received_on, kind, severity, subject,
    detail, status, resolution, resolved_on, discount. A resolved or closed complaint has its
    resolution and the day it was resolved.

    `config` is the site's `[access]` settings (without it, approvals are off): where approvals are
    on and a rep sets a discount (折价) above zero, the complaint is saved with its discount as it
    was and the discount waits as a request for the customer's manager (PendingApproval)."""
    _editable(rep, customer)
    fields = {
        "received_on": _date(values, "received_on", required=True),
        "kind": _choice(values, "kind", vocab.COMPLAINT_KINDS, "complaint", complaint),
        "severity": _choice(values, "severity", vocab.SEVERITIES, "medium", complaint),
        "subject": _text(values, "subject", required=True, max_length=200), "detail": _text(values, "detail"),
        "status": _choice(values, "status", vocab.COMPLAINT_STATUSES, "open", complaint),
        "resolution": _text(values, "resolution"), "resolved_on": _date(values, "resolved_on"),
        "discount_cents": _money(values, "discount"),
    }
    if fields["received_on"] > clock.today() + dt.timedelta(days=1):  # today is UTC; the user's may be ahead
        raise FieldProblem("received_on", "future", "received_on: a complaint cannot be received in the future.")
    if fields["status"] in ("resolved", "closed"):
        if not fields["resolution"]:
            raise FieldProblem("resolution", "required", "resolution: say how the complaint was resolved.")
        if fields["resolved_on"] is None:
            raise FieldProblem("resolved_on", "required", "resolved_on: give the day it was resolved as YYYY-MM-DD.")
    if fields["resolved_on"] is not None and fields["resolved_on"] < fields["received_on"]:
        raise FieldProblem("resolved_on", "before_received", "resolved_on: cannot be before the complaint was received.")
    if complaint is None:
        fields["handler"] = rep
    wanted, had = fields["discount_cents"], (complaint.discount_cents if complaint is not None else 0)
    waits = (config is not None and wanted > 0 and wanted != had
             and approvals.needs_approval(rep, config, approvals.DISCOUNT))
    with transaction():
        if not waits:
            return _write(Complaint, rep, customer, fields, complaint, expected_version, reason, "complaint")
        if complaint is not None:  # the discount alone may be all that changes: check the version anyway
            approvals.unchanged_since(complaint, expected_version)
        fields["discount_cents"] = had
        saved = _write(Complaint, rep, customer, fields, complaint, expected_version, reason, "complaint")
        request = approvals.request_discount(rep, saved, wanted, reason.strip() or f"complaint: {saved.subject}")
    raise PendingApproval(f"The complaint is saved; its discount of {format_money(wanted)} waits for approval by "
                          f"the customer's manager (request {request.id}).", request.id)


def save_opportunity(rep: Rep, customer: Customer, values: Values, *, opportunity: Opportunity | None = None,
                     expected_version: int | None = None, reason: str = "") -> Opportunity:
    """Add or change a sales opportunity. `values` by form name: title, stage, amount,
    probability (0-100), expected_close_on, product, next_step, lost_reason. Won or lost closes it
    (today, unless it was closed before); a lost one says why."""
    _editable(rep, customer)
    fields = {
        "title": _text(values, "title", required=True, max_length=200),
        "stage": _choice(values, "stage", vocab.OPPORTUNITY_STAGES, "build_trust", opportunity),
        "amount_cents": _money(values, "amount"),
        "probability_percent": _whole(values, "probability", 0, 100, default=10),
        "expected_close_on": _date(values, "expected_close_on"),
        "product": _text(values, "product", max_length=100), "next_step": _text(values, "next_step"),
        "lost_reason": _text(values, "lost_reason"),
    }
    if fields["stage"] == "lost" and not fields["lost_reason"]:
        raise FieldProblem("lost_reason", "required", "lost_reason: say why the opportunity was lost.")
    closed = fields["stage"] in ("won", "lost")
    fields["closed_on"] = ((opportunity.closed_on if opportunity is not None and opportunity.closed_on else clock.today())
                           if closed else None)
    if opportunity is None:
        fields["owner"] = rep
    with transaction():
        return _write(Opportunity, rep, customer, fields, opportunity, expected_version, reason, "opportunity")


def weighted_cents(opportunity: Opportunity) -> int:
    """What an opportunity counts for in the funnel: all of a won one, none of a lost one, else its
    amount times its probability (the funnel's own rounding)."""
    if opportunity.stage == "won":
        return opportunity.amount_cents
    if opportunity.stage == "lost":
        return 0
    return weighted(opportunity.amount_cents, opportunity.probability_percent)


def _birthday(values: Values, calendar: str) -> tuple[int | None, int | None]:
    """'MM-DD' (a lunar month has at most 30 days) as (month, day); empty is no birthday."""
    value = _raw(values, "birthday")
    if value in (None, ""):
        return None, None
    parts = str(value).replace("/", "-").split("-")
    last = 30 if calendar == "lunar" else 31
    try:
        month, day = (int(part) for part in parts)
        dt.date(2000, month, day)  # a leap year: 02-29 is a birthday
        if day > last:
            raise ValueError
    except ValueError:
        raise FieldProblem("birthday", "birthday", f"birthday: {value!r} is not a month and day such as 03-15.") from None
    return month, day


def save_contact(rep: Rep, customer: Customer, values: Values, *, contact: Contact | None = None,
                 expected_version: int | None = None, reason: str = "") -> Contact:
    """Add or change a key contact. `values` by form name: name, title, department, buying_role,
    stage, mobile, phone, email, wechat, birthday_calendar, birthday (MM-DD), birth_year, hobbies,
    family_notes, personality_notes."""
    _editable(rep, customer)
    calendar = _choice(values, "birthday_calendar", vocab.CALENDARS, "solar", contact)
    month, day = _birthday(values, calendar)
    email = _text(values, "email", max_length=120)
    if email and ("@" not in email or " " in email):
        raise FieldProblem("email", "email", f"email: {email!r} is not an e-mail address.")
    fields = {
        "name": _text(values, "name", required=True, max_length=64),
        "title": _text(values, "title", max_length=64), "department": _text(values, "department", max_length=64),
        "buying_role": _choice(values, "buying_role", vocab.BUYING_ROLES, "user", contact),
        "stage": _choice(values, "stage", vocab.RELATIONSHIP_STAGES, "acquainted", contact),
        "mobile": _text(values, "mobile", max_length=40), "phone": _text(values, "phone", max_length=40),
        "email": email, "wechat": _text(values, "wechat", max_length=64), "birthday_calendar": calendar,
        "birthday_month": month, "birthday_day": day,
        "birth_year": _whole(values, "birth_year", 1900, clock.today().year),
        "hobbies": _text(values, "hobbies"), "family_notes": _text(values, "family_notes"),
        "personality_notes": _text(values, "personality_notes"),
    }
    with transaction():
        return _write(Contact, rep, customer, fields, contact, expected_version, reason, "contact")


__all__ = ["FieldProblem", "save_complaint", "save_contact", "save_contract", "save_opportunity", "weighted_cents"]
