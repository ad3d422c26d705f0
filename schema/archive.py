"""The customer archive as a person fills it in: its fields in the four parts of a customer file
(DESIGN §3) plus classification, each typed text read into the value stored (money in integer
cents, dates, whole numbers, 1-5 scores, a choice's key), and each stored value back to text;
`save_archive` is the one way a person's archive edit is saved (or, with approvals on, asked for)."""
from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from peewee import CharField, DateField, IntegerField

from schema import access, approvals, vocab
from schema.audit import Actor, audited_update
from schema.config import AccessConfig
from schema.errors import ValidationError
from schema.models import Customer, Rep
from schema.models.base import MoneyField
from schema.money import format_money
from schema.values import BadValue, parse_date, parse_int, parse_money, parse_text

SCORES = ("score_strength", "score_management", "score_network", "score_purchasing_power", "score_marketing",
          "score_growth", "score_advantage", "intent")
# part -> the fields a person edits, in the order of the paper form
PARTS: dict[str, tuple[str, ...]] = {
    "basic": ("name", "short_name", "address", "phone", "website", "legal_rep", "proprietor", "general_manager",
              "founded", "org_form", "industry", "registered_capital_cents", "employees", "annual_revenue_cents",
              "notes"),
    "characteristics": ("service_area", "sales_capacity", "growth_potential", "philosophy", "management_style"),
    "business": ("competitor_relation", "attitude_to_us", "staff_quality"),
    "trading": ("credit_rating", "credit_limit_cents", "credit_days", "settlement_method", "trade_terms",
                "reputation", "credit_incidents"),
    "classification": ("lifecycle", "nature", "channel", "region", "route", "grade", "purchase_potential_cents",
                       *SCORES),
}
# part -> the fields shown but derived elsewhere (the first order; the classification run)
DERIVED: dict[str, tuple[str, ...]] = {"basic": ("first_deal_date",),
                                       "classification": ("abc_class", "segment", "strategy")}
EDITABLE: tuple[str, ...] = tuple(name for names in PARTS.values() for name in names)
CHOICES: dict[str, vocab.Choices] = {
    "org_form": vocab.ORG_FORMS, "settlement_method": vocab.SETTLEMENT_METHODS, "lifecycle": vocab.LIFECYCLES,
    "nature": vocab.NATURES, "channel": vocab.CHANNELS, "grade": vocab.GRADES, "segment": vocab.SEGMENTS,
    "strategy": vocab.STRATEGIES,
}
REQUIRED = {"name"}


class ArchiveValueError(ValidationError):
    """One archive field's text cannot be stored: `field` names it, `reason` is a reason key
    (missing, not_amount, too_many_decimals, too_large, negative, not_date, no_such_date,
    not_integer, too_long, unknown_choice, score_range) and `params` fill its text."""

    def __init__(self, field: str, reason: str, **args: Any):
        super().__init__(f"{field}: {reason}" + (f" {args}" if args else ""))
        self.field, self.reason, self.params = field, reason, args


def label_name(field: str) -> str:
    """The name a field is shown under: money columns without their `_cents` suffix."""
    return field.removesuffix("_cents")


def is_choice(field: str) -> bool:
    return field in CHOICES


def may_be_blank(field: str) -> bool:
    """Whether a field may be left empty (a choice with no default, an optional number or date)."""
    column = Customer._meta.fields[field]
    return field not in REQUIRED and (column.null or column.default in ("", 0))


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _choice(field: str, text: str) -> str:
    choices = CHOICES[field]
    wanted = _fold(text)
    for key, labels in choices.items():
        if wanted in (_fold(key), *(_fold(label) for label in labels)):
            return key
    raise ArchiveValueError(field, "unknown_choice", allowed=", ".join(f"{k} ({zh})" for k, (zh, _) in choices.items()))


def _parse(field: str, text: str) -> Any:
    column = Customer._meta.fields[field]
    text = text.strip()
    if not text:
        if field in REQUIRED:
            raise ArchiveValueError(field, "missing")
        if field in CHOICES or not isinstance(column, (MoneyField, DateField, IntegerField)):
            return ""
        if column.null:
            return None
        if isinstance(column, MoneyField):
            return 0
        raise ArchiveValueError(field, "missing")
    if field in CHOICES:
        return _choice(field, text)
    if isinstance(column, MoneyField):
        cents = parse_money(text)[0]
        if cents < 0:
            raise ArchiveValueError(field, "negative")
        return cents
    if isinstance(column, DateField):
        return parse_date(text)
    if isinstance(column, IntegerField):  # SmallIntegerField too: the scores
        number = parse_int(text)
        if field in SCORES and not 1 <= number <= 5:
            raise ArchiveValueError(field, "score_range")
        if number < 0:
            raise ArchiveValueError(field, "negative")
        return number
    return parse_text(text, column.max_length if isinstance(column, CharField) else None)


def parse_archive_changes(values: dict[str, str]) -> dict[str, Any]:
    """Each archive field's typed text (`values`: field -> text, a choice by key or zh/en label)
    as the value to store: money ("1,200,000.00", "¥50") in integer cents, dates (YYYY-MM-DD) as
    `datetime.date`, whole numbers, scores 1-5, choices as their key; an empty optional field as
    None (or "" for text and choices, 0 for the credit limit). Raises ArchiveValueError naming
    the first field, in form order, that cannot be stored; an unknown field is a ValueError."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not archive fields a person edits: {sorted(unknown)}")
    parsed = {}
    for field in EDITABLE:
        if field in values:
            try:
                parsed[field] = _parse(field, values[field])
            except BadValue as error:
                raise ArchiveValueError(field, error.reason_key, **error.args_) from None
    return parsed


def as_text(field: str, value: Any, language: str = "zh", *, label: bool = False) -> str:
    """A stored value as a person reads or types it: money "1,200,000.00", a date YYYY-MM-DD, a
    choice its key (or its label in `language` with `label=True`), None as ""."""
    if value is None:
        return ""
    if field in CHOICES:
        return vocab.label(CHOICES[field], value, language) if label else value
    if isinstance(Customer._meta.fields[field], MoneyField):
        return format_money(value, grouping=True)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def save_archive(rep: Actor, customer: Customer, changes: dict[str, Any], *, reason: str, expected_version: int,
                 config: AccessConfig) -> dict[str, tuple[Any, Any]]:
    """Save a person's edit of `customer`'s archive (`changes`: field -> stored value, as
    `parse_archive_changes` gives them) with its reason, if nobody saved the customer since
    `expected_version` (else ConcurrentEdit). Returns {field: (old, new)} of what changed. Where
    approvals are on (`config.approvals`) and `rep` is a rep, nothing is written: the edit is kept
    as a request for the customer's manager and PendingApproval (with the request id) is raised."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not archive fields a person edits: {sorted(unknown)}")
    if not reason.strip():
        raise ValidationError("Say why the archive is changed.")
    if isinstance(rep, Rep):
        access.require_edit(rep, customer)
    if approvals.needs_approval(rep, config, approvals.ARCHIVE_EDIT):
        request = approvals.request_change(rep, customer, changes, reason, expected_version=expected_version)
        if request is None:
            return {}
        raise approvals.pending(request)
    return audited_update(customer, changes, actor=rep, reason=reason.strip(), expected_version=expected_version)
