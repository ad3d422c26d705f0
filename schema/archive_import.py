"""Importing customer archives (`kacrm import customers FILE`): typed lines of a customer master,
read and validated by the daemon's own reader, upserted by code as the acting user.

The rules, each decided once here:
- a line with a known code updates that customer if the user may edit it (`access.can_edit`);
  an empty cell changes nothing (as for the daemon); changing the owner needs a manager or admin;
- a new code needs a name; its owner is the login of the `owner` column (an active user), else
  the acting user; a rep may only create customers they own, a manager only ones they may edit
  afterwards (their region or team), an admin any;
- a code of a deleted (or merged) customer is a rejected line: restore it first;
- where approvals are on (`[access] approvals`), a rep's line that would change an existing
  customer is a rejected line: an archive edit by a rep waits for a manager, and a file is applied
  whole or not at all, so a manager imports it (new customers and unchanged lines pass);
- the same code twice with the same content counts once, with other content is a rejected line;
- the whole file is one transaction: any rejected line (the reader's or these rules') and
  nothing is applied, every bad line is reported; a dry run does all the work and rolls it back,
  so it shows exactly what would happen;
- every change goes through `schema.audit` with the reason "import FILE": importing the same
  file again finds nothing to change and writes nothing.
Likely duplicates (same normalized name, phone or address) are listed within the file and
against the customers the user may see; they are a hint, never a rejection."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from schema import access
from schema.alerts import refresh_alerts
from schema.audit import audited_create, audited_update
from schema.db import transaction
from schema.models import Customer, Rep
from schema.problems import Problem

OUTCOMES = ("created", "updated", "unchanged")
MATCHES = ("name", "phone", "address")


@dataclass(frozen=True)
class ImportLine:
    """One good line of the file: `fields` as the reader typed them (field names of the customer
    master: `code`, `owner` as a login, money fields such as `credit_limit` in cents)."""

    line: int
    fields: dict[str, Any]
    content_hash: str = ""


# reason keys of the rules above, for a rejected line's `Problem` (the reader's own keys are those
# of `schema.problems.REASONS`)
REASONS = ("unknown_owner", "name_required_for_new_customer", "duplicate_in_file_conflict", "deleted_customer",
           "not_allowed_edit", "not_allowed_create", "owner_change_not_allowed", "needs_approval")


@dataclass(frozen=True)
class LineOutcome:
    line: int
    code: str
    name: str
    outcome: str  # created / updated / unchanged
    changed: tuple[str, ...] = ()  # fields changed (updated), in file order


@dataclass(frozen=True)
class Duplicate:
    """Line `line` (customer `code`) looks like `other_code`: of line `other_line` of the same
    file, or an existing customer (`other_line` None), by the same normalized `match`."""

    line: int
    code: str
    name: str
    match: str  # name / phone / address
    other_line: int | None
    other_code: str
    other_name: str


@dataclass
class ImportReport:
    source: str
    outcomes: list[LineOutcome] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    applied: bool = False

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def rejected_lines(self) -> int:
        return len({p.line for p in self.rejected})


# -- normalizing for duplicates -----------------------------------------------------------------

_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕|〈[^〈〉]*〉|《[^《》]*》")
# legal-form endings, longest first; stripped again and again ("集团股份有限公司" twice)
_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "总公司", "集团", "公司", "companylimited",
             "colimited", "coltd", "coinc", "corporation", "incorporated", "limited", "company", "group", "corp",
             "ltd", "inc")
_PHONE_SPLIT = re.compile(r"[/,;|、，；]|\s{2,}|\bor\b|或")


def _letters_and_digits(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def normalize_name(name: str) -> str:
    """A company name reduced for comparison: full-width to half-width, case folded, bracketed
    parts ("(天津)", "（集团）") and spaces and punctuation dropped, then legal-form endings
    (有限公司, 有限责任公司, 股份有限公司, 集团, Co., Ltd. ...) stripped:
    "华北石化销售（天津）有限公司" -> "华北石化销售". Never empty for a non-empty name."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    previous = None
    while previous != text:  # nested brackets, innermost first
        previous, text = text, _BRACKETED.sub("", text)
    text = _letters_and_digits(text)
    stripped = True
    while stripped:
        stripped = False
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, stripped = text[:-len(suffix)], True
                break
    return text or _letters_and_digits(unicodedata.normalize("NFKC", name or "").casefold())


def normalize_phones(phone: str) -> set[str]:
    """The numbers in a phone field, digits only, without a +86/0086 country prefix; a field may
    hold several ("022-1234567 / 13800000000"). Fewer than 7 digits is not a number."""
    found = set()
    for part in _PHONE_SPLIT.split(unicodedata.normalize("NFKC", phone or "")):
        digits = "".join(ch for ch in part if ch.isdigit())
        for prefix in ("0086", "86"):
            if digits.startswith(prefix) and len(digits) - len(prefix) >= 11:
                digits = digits[len(prefix):]
        if len(digits) >= 7:
            found.add(digits)
    return found


def normalize_address(address: str) -> str:
    """An address reduced for comparison: full-width folded, case folded, letters and digits only."""
    return _letters_and_digits(unicodedata.normalize("NFKC", address or "").casefold())


def _keys(name: str, phone: str, address: str) -> Iterator[tuple[str, str]]:
    if name and (key := normalize_name(name)):
        yield "name", key
    for number in sorted(normalize_phones(phone)):
        yield "phone", number
    if address and (key := normalize_address(address)):
        yield "address", key


# -- the import -----------------------------------------------------------------------------------

class _RollBack(Exception):
    """Leaves `transaction()` without committing (a dry run, or a file with rejected lines)."""


def _stored(fields: dict[str, Any]) -> dict[str, Any]:
    """The Customer columns of a line's fields (money `credit_limit` -> `credit_limit_cents`);
    `code` and `owner` are handled apart."""
    columns = Customer._meta.fields
    values = {}
    for name, value in fields.items():
        if name in ("code", "owner") or value is None or value == "":
            continue
        column = name + "_cents" if name + "_cents" in columns else name
        if column in columns and column not in ("id", "version", "balance_cents", "first_deal_date"):
            values[column] = value
    return values


class _Importer:
    def __init__(self, actor: Rep, source: str, columns: dict[str, str], report: ImportReport, approvals: bool):
        self.actor, self.source, self.columns, self.report = actor, source, columns, report
        self.waits = approvals and actor.role == "rep"  # a rep's archive edits wait for a manager
        self.reason = f"import {source}"
        self.owners = dict(Rep.select(Rep.login, Rep.id).where(Rep.active & Rep.deleted_at.is_null()).tuples())
        self.seen: dict[str, tuple[str, int]] = {}  # code -> (content hash, line)
        self.keys: list[tuple[int, str, str, str, str]] = []  # (line, code, name, match, key)
        self.touched: set[int] = set()

    def reject(self, at: int, name: str, value: Any, reason: str, **args: Any) -> None:
        self.report.rejected.append(Problem(at, self.columns.get(name, name), "" if value is None else str(value),
                                            reason, args, name))

    def take(self, item: ImportLine) -> None:
        fields = item.fields
        code = fields["code"]
        earlier = self.seen.get(code)
        if earlier is not None:
            if earlier[0] != item.content_hash:
                self.reject(item.line, "code", code, "duplicate_in_file_conflict", line=earlier[1])
            else:
                self.report.outcomes.append(LineOutcome(item.line, code, fields.get("name", ""), "unchanged"))
            return
        self.seen[code] = (item.content_hash, item.line)
        values = _stored(fields)
        login = fields.get("owner")
        if login:
            if login not in self.owners:
                self.reject(item.line, "owner", login, "unknown_owner")
                return
            values["owner"] = self.owners[login]
        customer = Customer.get_or_none(Customer.code == code)
        if customer is None:
            customer = self._create(item, values)
        else:
            customer = self._update(item, customer, values)
        if customer is not None:
            for match, key in _keys(customer.name, customer.phone, customer.address):
                self.keys.append((item.line, code, customer.name, match, key))

    def _create(self, item: ImportLine, values: dict[str, Any]) -> Customer | None:
        code = item.fields["code"]
        if not values.get("name"):
            self.reject(item.line, "name", "", "name_required_for_new_customer")
            return None
        values.setdefault("owner", self.actor.id)
        if self.actor.role == "rep" and values["owner"] != self.actor.id:
            self.reject(item.line, "owner", item.fields.get("owner", ""), "not_allowed_create")
            return None
        customer = audited_create(Customer, {"code": code, **values}, actor=self.actor, reason=self.reason)
        if not access.can_edit(self.actor, customer):  # a manager's new customer outside their region and team
            self.reject(item.line, "owner", item.fields.get("owner", ""), "not_allowed_create")
            return None
        self.touched.add(customer.id)
        self.report.outcomes.append(LineOutcome(item.line, code, customer.name, "created"))
        return customer

    def _update(self, item: ImportLine, customer: Customer, values: dict[str, Any]) -> Customer | None:
        code = customer.code
        if customer.deleted_at is not None:
            self.reject(item.line, "code", code, "deleted_customer")
            return None
        if not access.can_edit(self.actor, customer):
            self.reject(item.line, "code", code, "not_allowed_edit")
            return None
        if "owner" in values and values["owner"] != customer.owner_id and self.actor.role not in ("manager", "admin"):
            self.reject(item.line, "owner", item.fields["owner"], "owner_change_not_allowed")
            return None
        if self.waits and any(getattr(customer, "owner_id" if name == "owner" else name) != value
                              for name, value in values.items()):
            self.reject(item.line, "code", code, "needs_approval")
            return None
        diff = audited_update(customer, values, actor=self.actor, reason=self.reason)
        if diff:
            self.touched.add(customer.id)
            order = list(item.fields)
            changed = sorted((name.removesuffix("_cents") for name in diff),
                             key=lambda name: order.index(name) if name in order else len(order))
            self.report.outcomes.append(LineOutcome(item.line, code, customer.name, "updated", tuple(changed)))
        else:
            self.report.outcomes.append(LineOutcome(item.line, code, customer.name, "unchanged"))
        return customer

    def find_duplicates(self) -> None:
        """Lines alike within the file, then lines like a customer the user may see that the file
        does not name (those it names are compared as lines)."""
        first: dict[tuple[str, str], tuple[int, str, str]] = {}
        wanted: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
        for line, code, name, match, key in self.keys:
            earlier = first.get((match, key))
            if earlier is None:
                first[(match, key)] = (line, code, name)
            elif earlier[1] != code:
                self.report.duplicates.append(Duplicate(line, code, name, match, earlier[0], earlier[1], earlier[2]))
            wanted.setdefault((match, key), []).append((line, code, name))
        if not wanted:
            return
        codes = set(self.seen)
        found: list[Duplicate] = []
        query = (access.visible_customers(self.actor)
                 .select(Customer.code, Customer.name, Customer.phone, Customer.address).tuples())
        for other_code, other_name, phone, address in query.iterator():
            if other_code in codes:
                continue
            for match, key in _keys(other_name, phone, address):
                for line, code, name in wanted.get((match, key), ()):
                    found.append(Duplicate(line, code, name, match, None, other_code, other_name))
        found.sort(key=lambda d: (d.line, MATCHES.index(d.match), d.other_code))
        self.report.duplicates.extend(found)
        self.report.duplicates.sort(key=lambda d: (d.line, d.other_line is None, MATCHES.index(d.match)))


def import_customers(lines: Iterable[ImportLine | Problem], *, actor: Rep, source: str,
                     columns: dict[str, str] | None = None, dry_run: bool = False,
                     overdue_days: int | None = None, approvals: bool = False) -> ImportReport:
    """Upsert every line of a customer master by code as `actor`, in one transaction (see the
    module's rules). `lines` are the reader's typed lines, and its problems (each a rejected
    line); `columns` maps fields to the headers as the file wrote them, to name them in problems;
    `source` names the file in the audit reason "import SOURCE". The report lists each line's
    outcome, every rejected line, and the likely duplicates; `applied` says whether the changes
    were committed (never for a dry run or a file with a rejected line). With `overdue_days`,
    the credit alerts of the customers changed are refreshed. With `approvals` (the site's
    `[access] approvals`), a rep's change to an existing customer is a rejected line."""
    report = ImportReport(source)
    importer = _Importer(actor, source, columns or {}, report, approvals)
    try:
        with transaction():
            for item in lines:
                if isinstance(item, Problem):
                    report.rejected.append(item)
                else:
                    importer.take(item)
            importer.find_duplicates()
            report.rejected.sort(key=lambda p: p.line)
            if report.rejected or dry_run:
                raise _RollBack
            if overdue_days is not None and importer.touched:
                refresh_alerts(importer.touched, overdue_days=overdue_days)
            report.applied = True
    except _RollBack:
        report.applied = False
    return report
