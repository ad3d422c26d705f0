"""The rows of an opened file to typed records, one per line, or one Problem per bad cell.

Each kind of file has one table of field specs: how a cell is read and whether it is required.
`Record.fields` keeps the field names of the alias table; money fields hold integer cents. Every
bad cell of every line is reported; a line with any bad cell yields no record. What needs the
database (unknown customers, repeated keys) is the applying half's to check."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Iterator

from daemon.messages import Problem
from schema import vocab
from schema.content import content_hash as _hash
from schema.values import (BadValue, canonical, parse_date, parse_decimal, parse_int, parse_money, parse_qty,
                           parse_text, show)

if TYPE_CHECKING:  # pragma: no cover
    from daemon.formats import Table


@dataclass(slots=True)
class Record:
    """One good line: `fields` maps field names to typed values (str; int cents for money such
    as amount, cost, credit_limit; int; datetime.date; Decimal for qty/unit_price; a method or
    choice as its vocab key). An order or payment carries every field of its kind, None where
    the file left it empty; a customer master carries only the cells it filled. `content_hash`
    is the same for the same content however the file wrote it ("1,250,000.00" or 1250000)."""

    line: int
    kind: str
    fields: dict[str, Any]
    content_hash: str


@dataclass(frozen=True)
class Spec:
    """How one field is read. `parse(raw)` gives the value; for money it gives (cents, the
    currency the cell showed) and for the currency column the code alone. A text field names its
    longest length in `text`, so a plain str cell skips the parser (the hot path of big files)."""

    parse: Callable[[Any], Any]
    required: bool = False
    text: int = 0
    money: bool = False
    currency: bool = False
    canonical: Callable[[Any], str] = str  # the value's text in the content hash


_UNLIMITED = 1 << 30


def _text(max_length: int | None, required: bool = False) -> Spec:
    return Spec(lambda raw: parse_text(raw, max_length), required, text=max_length or _UNLIMITED)


def _money(*, required: bool = False, floor: str | None = None) -> Spec:
    """Money in cents; `floor` "positive" (> 0) or "zero" (>= 0) where the sign matters."""
    if floor is None:
        return Spec(parse_money, required, money=True)

    def parse(raw: Any) -> tuple[int, str | None]:
        cents, currency = parse_money(raw)
        if floor == "positive" and cents <= 0:
            raise BadValue("not_positive")
        if floor == "zero" and cents < 0:
            raise BadValue("negative")
        return cents, currency
    return Spec(parse, required, money=True)


def _day_number(day: date) -> str:
    return str(day.toordinal())  # the hash's text for a date: 4x cheaper than isoformat()


def _date(required: bool = False) -> Spec:
    return Spec(parse_date, required, canonical=_day_number)


def _whole(floor: int | None = 0) -> Spec:
    def parse(raw: Any) -> int:
        number = parse_int(raw)
        if floor is not None and number < floor:
            raise BadValue("negative")
        return number
    return Spec(parse)


def _score() -> Spec:
    """A 1-5 score of the prospect assessment (预期贡献 factors, 意向度)."""
    def parse(raw: Any) -> int:
        number = parse_int(raw)
        if not 1 <= number <= 5:
            raise BadValue("score_range")
        return number
    return Spec(parse)


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _choice(choices: vocab.Choices, reason: str = "unknown_choice",
            synonyms: dict[str, tuple[str, ...]] | None = None) -> Spec:
    """A closed set: its key, or its Chinese or English label (any case, full-width folded)."""
    table: dict[str, str] = {}
    for key, labels in choices.items():
        for name in (key, *labels, *(synonyms or {}).get(key, ())):
            table.setdefault(_fold(name), key)
    allowed = ", ".join(f"{key} ({zh})" for key, (zh, _) in choices.items())

    def parse(raw: Any) -> str:
        found = table.get(_fold(parse_text(raw)))
        if found is None:
            raise BadValue(reason, allowed=allowed)
        return found
    return Spec(parse)


_CURRENCY_NAMES = {"人民币": "CNY", "RMB": "CNY", "¥": "CNY", "元": "CNY", "$": "USD", "US$": "USD",
                   "美元": "USD", "€": "EUR", "欧元": "EUR", "HK$": "HKD", "港币": "HKD", "£": "GBP"}
_CODE = re.compile(r"[A-Z]{3}")


def _currency(raw: Any) -> str:
    """A currency column: its value is not stored, only checked against the ledger's."""
    text = unicodedata.normalize("NFKC", parse_text(raw)).strip().upper()
    code = _CURRENCY_NAMES.get(text) or (text if _CODE.fullmatch(text) else None)
    if code is None:
        raise BadValue("not_currency")
    return code


def _price(raw: Any) -> tuple[Decimal, str | None]:
    return parse_decimal(raw, 6)


PAYMENT_METHOD_SYNONYMS = {
    "cash": ("现金", "cash"),
    "transfer": ("转账", "银行转账", "电汇", "汇款", "网银", "bank transfer", "wire", "wire transfer", "t/t"),
    "cheque": ("支票", "check"),
    "bill": ("承兑汇票", "银行承兑", "商业承兑", "银行承兑汇票", "商业承兑汇票", "票据", "汇票", "acceptance bill"),
}

SPECS: dict[str, dict[str, Spec]] = {
    "orders": {
        "order_no": _text(64, True), "customer_code": _text(32, True), "order_date": _date(True),
        "amount": _money(required=True), "due_date": _date(), "cost": _money(),
        "sku": _text(64), "product": _text(200), "qty": Spec(parse_qty, canonical=canonical),
        "unit_price": Spec(_price, money=True, canonical=canonical), "currency": Spec(_currency, currency=True),
    },
    "payments": {
        "payment_ref": _text(64, True), "order_no": _text(64), "customer_code": _text(32, True),
        "paid_on": _date(True), "amount": _money(required=True, floor="positive"),
        "method": _choice(vocab.PAYMENT_METHODS, "unknown_method", PAYMENT_METHOD_SYNONYMS),
        "currency": Spec(_currency, currency=True),
    },
    "customers": {
        "code": _text(32, True), "name": _text(200), "owner": _text(64), "short_name": _text(64),
        "address": _text(300), "phone": _text(40), "region": _text(64), "industry": _text(64),
        "credit_limit": _money(floor="zero"), "credit_days": _whole(),
        "grade": _choice(vocab.GRADES), "channel": _choice(vocab.CHANNELS), "website": _text(200),
        "legal_rep": _text(64), "proprietor": _text(64), "general_manager": _text(64), "founded": _date(),
        "org_form": _choice(vocab.ORG_FORMS), "registered_capital": _money(floor="zero"),
        "employees": _whole(), "annual_revenue": _money(floor="zero"),
        "credit_rating": _text(8), "settlement_method": _choice(vocab.SETTLEMENT_METHODS),
        "lifecycle": _choice(vocab.LIFECYCLES), "nature": _choice(vocab.NATURES), "route": _whole(),
        "purchase_potential": _money(floor="zero"), "notes": _text(None),
        **{name: _text(None) for name in ("service_area", "sales_capacity", "growth_potential", "philosophy",
                                          "management_style", "competitor_relation", "attitude_to_us",
                                          "staff_quality", "trade_terms", "reputation", "credit_incidents")},
        **{name: _score() for name in ("score_strength", "score_management", "score_network",
                                       "score_purchasing_power", "score_marketing", "score_growth",
                                       "score_advantage", "intent")},
    },
}
_ANY_TEXT = _text(None)  # a field a newer alias table knows and this table does not yet


def record_fields(kind: str) -> tuple[str, ...]:
    """The names a Record of `kind` may carry (every field but currency, which is only checked)."""
    return tuple(name for name in SPECS[kind] if name != "currency")


def _cell(entry: tuple, raw: Any, line: int, currency: str, fields: dict[str, Any], parts: list[str],
          problems: list[Problem]) -> None:
    """The whole rule for one cell: its value into `fields` (and its text into the hash `parts`),
    or its problem into `problems`. Every unusual cell comes here."""
    name, parse, required, text, money, is_currency, to_text, column = entry
    if raw is None or (type(raw) is str and (not raw or raw.isspace())):
        if required:
            problems.append(Problem(line, column, "", "missing", {}, name))
        return
    if text and type(raw) is str:
        value = raw.strip()
        if len(value) > text:
            problems.append(Problem(line, column, show(raw), "too_long", {"max": text}, name))
            return
    else:
        try:
            value = parse(raw)
        except BadValue as error:
            problems.append(Problem(line, column, show(raw), error.reason_key, error.args_, name))
            return
    if money or is_currency:
        shown = value if is_currency else value[1]
        if shown is not None and shown != currency:
            problems.append(Problem(line, column, show(raw), "second_currency",
                                    {"found": shown, "expected": currency}, name))
        if is_currency:
            return
        value = value[0]
    fields[name] = value
    text_form = to_text(value)
    parts.append(f"{name}:{len(text_form)}:{text_form}")


def validate(table: Table, *, currency: str) -> Iterator[Record | Problem]:
    """Every line of `table` as a typed Record, or as one Problem per bad cell (and the file's
    unreadable lines as Problems). `currency` is the ledger's: a currency column or a currency
    sign in an amount that says otherwise is a second currency."""
    check = line_checker(table, currency=currency)
    for item in table.lines():
        if type(item) is Problem:
            yield item
            continue
        found = check(*item)
        if type(found) is Record:
            yield found
        else:
            yield from found


def line_checker(table: Table, *, currency: str) -> Callable[[int, Any], Record | list[Problem]]:
    """The rule of `validate` for one line of `table`: `check(line, cells)` gives its Record, or
    the list of its problems (in the file's column order)."""
    kind = table.kind
    specs = SPECS[kind]
    columns = table.columns
    entries = {name: (name, spec.parse, spec.required, spec.text, spec.money, spec.currency, spec.canonical,
                      columns.get(name, name)) for name, spec in specs.items()}
    template = dict.fromkeys(record_fields(kind)) if kind != "customers" else {}  # a master's empty
    required = [name for name, spec in specs.items() if spec.required]            # cell changes nothing
    positions = table.positions
    # CSV/XLSX: plain cells take a lean path (this loop runs for every cell of a million-line
    # file); anything unusual -- empty, bad, another type, a currency sign -- goes to _cell.
    texts, parsed, others = [], [], []
    for name, position in (positions or {}).items():
        entry = entries.get(name) or _any_entry(name, columns)
        _, parse, _, text, money, is_currency, to_text, _ = entry
        if text:
            texts.append((name, position, text, entry))
        elif is_currency:
            others.append((position, entry))
        else:
            parsed.append((name, position, parse, money, to_text, entry))
    check_due = kind == "orders" and (positions is None or "due_date" in positions)

    def check(line: int, cells: Any) -> Record | list[Problem]:
        fields = template.copy()
        parts: list[str] = []
        problems: list[Problem] = []
        if positions is not None:
            for name, position, limit, entry in texts:
                raw = cells[position]
                if type(raw) is str:
                    value = raw.strip()
                    if value and len(value) <= limit:
                        fields[name] = value
                        parts.append(f"{name}:{len(value)}:{value}")
                        continue
                _cell(entry, raw, line, currency, fields, parts, problems)
            for name, position, parse, money, to_text, entry in parsed:
                raw = cells[position]
                if raw is not None and raw != "":
                    try:
                        value = parse(raw)
                    except BadValue:
                        value = None
                    if value is not None and (not money or value[1] is None):
                        value = value[0] if money else value
                        fields[name] = value
                        text_form = to_text(value)
                        parts.append(f"{name}:{len(text_form)}:{text_form}")
                        continue
                _cell(entry, raw, line, currency, fields, parts, problems)
            for position, entry in others:
                _cell(entry, cells[position], line, currency, fields, parts, problems)
        else:
            for name, raw in cells.items():
                _cell(entries.get(name) or _any_entry(name, columns), raw, line, currency, fields, parts, problems)
            for name in required:
                if name not in cells:
                    problems.append(Problem(line, name, "", "missing", {}, name))
        if check_due and fields["due_date"] is not None and fields["order_date"] is not None \
                and fields["due_date"] < fields["order_date"]:
            problems.append(Problem(line, columns.get("due_date", "due_date"), show(fields["due_date"]),
                                    "due_before_order", {"order_date": fields["order_date"].isoformat()}, "due_date"))
        if problems:
            if positions is not None and len(problems) > 1:  # report in the file's column order
                problems.sort(key=lambda problem: positions.get(problem.field or "", -1))
            return problems
        return Record(line, kind, fields, _hash(kind, parts))

    return check


def _any_entry(name: str, columns: dict[str, str]) -> tuple:
    return (name, _ANY_TEXT.parse, False, _ANY_TEXT.text, False, False, str, columns.get(name, name))
