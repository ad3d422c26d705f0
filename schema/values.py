"""One typed value from what a person or a file wrote: money in integer cents, dates, text, counts.
The daemon reads dropped files' cells with these, and the archive form reads typed text with them.

Each parser takes what the file held (a str from CSV, a str/int/float/datetime from XLSX, a
str/int/Decimal from JSON) and returns the value or raises `BadValue(reason_key, **args)`; the
reason keys are the ones daemon/messages.py (and the app's
`archive.bad.*` texts) have texts for. Floats (Excel numbers) are read
through `Decimal(repr(x))` and must be within a hair of a value with the allowed decimals: they
are never used for arithmetic.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_CENTS = 10**17  # a trillion yuan is already absurd; this keeps every amount inside int64
_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+", re.ASCII)
_CODE = re.compile(r"[A-Z]{3}")
# Currency marks seen before or after an amount, longest first so "HK$" wins over "$".
_CURRENCY_MARKS = (
    ("人民币", "CNY"), ("HK$", "HKD"), ("US$", "USD"), ("RMB", "CNY"), ("¥", "CNY"), ("元", "CNY"),
    ("$", "USD"), ("€", "EUR"), ("£", "GBP"),
)
_MINUS = ("-", "\u2212", "\u2013")  # ASCII, the typographic minus, an en dash as some ERPs print it
_DATE_SEP = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})", re.ASCII)
_DATE_ZH = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?", re.ASCII)
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm]|Z|[+-]\d{2}:?\d{2})?", re.ASCII)
_SERIALS = range(1, 401769)  # Excel's 1900-01-01 .. 2999-12-31
_YEARS = range(1900, 3000)


class BadValue(ValueError):
    """A cell that cannot be read as what its column needs; `reason_key` names the reason."""

    def __init__(self, reason_key: str, **args: Any):
        super().__init__(reason_key)
        self.reason_key, self.args_ = reason_key, args


def show(raw: Any) -> str:
    """A cell as a person saw it in the file: text as written, numbers without float noise,
    a date cell as YYYY-MM-DD (with its time only when it has one)."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw.replace("\r\n", "\n").replace("\n", "\\n")
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        text = repr(raw)
        return text[:-2] if text.endswith(".0") else text
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw)


def _clean(text: str) -> str:
    """Full-width folded (NFKC) and trimmed; ASCII text is already in that form."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.strip()


def _exact(value: Decimal | float | int, places: int, too_many: str, bad: str = "not_number") -> Decimal:
    """`value` as a Decimal with at most `places` decimals. A float may be off by binary noise
    (Excel's 1234.5600000000002) and is snapped when within the tolerance; otherwise too many."""
    if isinstance(value, float):
        number = Decimal(repr(value))
        if not number.is_finite():
            raise BadValue(bad)
        step = Decimal(1).scaleb(-places)
        try:
            snapped = number.quantize(step)
        except InvalidOperation:
            raise BadValue("too_large") from None
        tolerance = Decimal("1e-6") if places <= 3 else step / 1000
        if abs(number - snapped) > tolerance:
            raise BadValue(too_many, places=places)
        return snapped
    number = Decimal(value)
    if not number.is_finite():
        raise BadValue(bad)
    if number.as_tuple().exponent < -places:
        try:
            snapped = number.quantize(Decimal(1).scaleb(-places))
        except InvalidOperation:
            raise BadValue("too_large") from None
        if snapped != number:  # 1.000 is fine, 1.005 is not
            raise BadValue(too_many, places=places)
        return snapped
    return number


def _peel_currency(text: str) -> tuple[str, str | None]:
    for mark, code in _CURRENCY_MARKS:
        if text.startswith(mark):
            return text[len(mark):].strip(), code
        if text.endswith(mark):
            return text[:-len(mark)].strip(), code
    if len(text) > 3 and _CODE.fullmatch(text[:3]):
        return text[3:].strip(), text[:3]
    if len(text) > 3 and _CODE.fullmatch(text[-3:]):
        return text[:-3].strip(), text[-3:]
    return text, None


def _peel_sign(text: str) -> tuple[str, bool]:
    if text.startswith("(") and text.endswith(")"):
        return text[1:-1].strip(), True
    for minus in _MINUS:
        if text.startswith(minus):
            return text[1:].strip(), True
        if text.endswith(minus):  # SAP prints a return as 1,000.00-
            return text[:-1].strip(), True
    if text.startswith("+"):
        return text[1:].strip(), False
    return text, False


def parse_decimal(raw: Any, places: int, *, too_many: str = "too_many_places",
                  bad: str = "not_number") -> tuple[Decimal, str | None]:
    """A number with at most `places` decimals, and the currency code its text carried (a sign
    such as ¥ or $, or a code such as RMB or USD, before or after it), else None. Accepts
    thousands separators, inner spaces, full-width digits, a leading or trailing minus and
    accounting parentheses for a negative. Scientific notation is refused: Excel writes it only
    for a number it has already rounded for display."""
    if raw is None:
        raise BadValue("missing")
    if isinstance(raw, bool):
        raise BadValue(bad)
    if isinstance(raw, (int, float, Decimal)):
        return _exact(raw, places, too_many, bad), None
    if not isinstance(raw, str):
        raise BadValue(bad)
    text = _clean(raw)
    if not text:
        raise BadValue("missing")
    currency = None
    negative = False
    for _ in range(3):  # the marks come in any order: -¥1,000 ¥-1,000 (¥1,000) ¥(1,000) 1,000元
        text, found = _peel_currency(text)
        if found:
            if currency and currency != found:
                raise BadValue(bad)
            currency = found
        text, minus = _peel_sign(text)
        if minus:
            if negative:
                raise BadValue(bad)
            negative = True
    if " " in text and "," not in text:  # 1 250 000.00: spaces grouping thousands, as commas do
        text = text.replace(" ", ",")
    if not _NUMBER.fullmatch(text):
        raise BadValue(bad)
    number = _exact(Decimal(text.replace(",", "")), places, too_many, bad)
    return (-number if negative else number), currency


def parse_money(raw: Any) -> tuple[int, str | None]:
    """An amount in integer cents and the currency code its text showed (None if none):
    "1,250,000.00" -> (125000000, None), "¥-50" -> (-5000, "CNY"), "(1,000.00)" -> (-100000, None),
    "１２３，４５６．７８" -> (12345678, None), Excel's 86400.5 -> (8640050, None). Raises BadValue:
    missing, not_amount, too_many_decimals, too_large."""
    if type(raw) is str and raw.isascii():  # the plain ERP case "-1234.5", without Decimal
        whole, dot, fraction = raw.partition(".")
        digits = whole[1:] if whole[:1] == "-" else whole
        if digits.isdigit() and len(digits) <= 15 and (not dot or (fraction.isdigit() and len(fraction) <= 2)):
            cents = int(digits) * 100 + (int(fraction) * (10 if len(fraction) == 1 else 1) if dot else 0)
            return (-cents if digits is not whole else cents), None
    if type(raw) is int:
        cents = raw * 100
    else:
        number, currency = parse_decimal(raw, 2, too_many="too_many_decimals", bad="not_amount")
        cents = int(number.scaleb(2))
        if abs(cents) >= MAX_CENTS:
            raise BadValue("too_large")
        return cents, currency
    if abs(cents) >= MAX_CENTS:
        raise BadValue("too_large")
    return cents, None


def parse_amount(raw: Any) -> int:
    """An amount in integer cents (see `parse_money`, which also returns the currency seen)."""
    return parse_money(raw)[0]


def _make_date(year: str, month: str, day: str) -> dt.date:
    if int(year) not in _YEARS:
        raise BadValue("not_date")
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise BadValue("no_such_date") from None


def _serial_date(raw: int | float | Decimal) -> dt.date:
    if not isinstance(raw, int) and raw == int(raw):
        raw = int(raw)
    if isinstance(raw, int) and 19000101 <= raw <= 29991231:  # 20261012 as a number: YYYYMMDD
        text = str(raw)
        return _make_date(text[:4], text[4:6], text[6:])
    whole = int(raw)
    if whole not in _SERIALS:
        raise BadValue("not_date")
    if whole == 60:  # Excel's 1900-02-29, a day that never was
        raise BadValue("no_such_date")
    from openpyxl.utils.datetime import from_excel  # here: importing openpyxl costs 0.1 s at start

    value = raw if isinstance(raw, (int, float)) else int(raw)
    return from_excel(value).date()


_DATE_CACHE: dict[str, dt.date] = {}  # a big file holds a few hundred distinct dates at most


def parse_date(raw: Any) -> dt.date:
    """A date from YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD or 2026年10月8日 (each may be
    followed by a time, which is dropped), an XLSX date cell, or an Excel serial number (the
    1900 system; serial 60, Excel's 1900-02-29, does not exist). Raises BadValue: missing,
    not_date, no_such_date."""
    if type(raw) is str:
        day = _DATE_CACHE.get(raw)
        if day is None:
            day = _parse_date(raw)
            if len(_DATE_CACHE) >= 4096:
                _DATE_CACHE.clear()
            _DATE_CACHE[raw] = day
        return day
    return _parse_date(raw)


def _parse_date(raw: Any) -> dt.date:
    if raw is None:
        raise BadValue("missing")
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, bool):
        raise BadValue("not_date")
    if isinstance(raw, (int, float, Decimal)):
        try:
            return _serial_date(raw)
        except (ValueError, OverflowError, InvalidOperation) as exc:
            if isinstance(exc, BadValue):
                raise
            raise BadValue("not_date") from None
    if not isinstance(raw, str):
        raise BadValue("not_date")
    text = _clean(raw)
    if not text:
        raise BadValue("missing")
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            day = dt.date.fromisoformat(text)
            if day.year in _YEARS:
                return day
        except ValueError:
            pass
    head, _, tail = text.replace("T", " ", 1).partition(" ")
    if tail and not _TIME.fullmatch(tail.strip()):
        raise BadValue("not_date")
    for pattern in (_DATE_SEP, _DATE_ZH, _DATE_COMPACT):
        match = pattern.fullmatch(head)
        if match:
            year, month, day = (match.group(1), match.group(3), match.group(4)) if pattern is _DATE_SEP \
                else match.groups()
            return _make_date(year, month, day)
    raise BadValue("not_date")


def parse_text(raw: Any, max_length: int | None = None) -> str:
    """A text cell, trimmed; a number from XLSX/JSON as it would be typed ("1001", not "1001.0");
    "" for an empty cell. Raises BadValue: not_text, too_long (args: max)."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        text = raw.strip()
    elif isinstance(raw, bool) or isinstance(raw, (dict, list)):
        raise BadValue("not_text")
    elif isinstance(raw, float):
        number = Decimal(repr(raw))
        text = str(int(number)) if number == number.to_integral_value() else repr(raw)
    elif isinstance(raw, Decimal):
        text = str(int(raw)) if raw.is_finite() and raw == raw.to_integral_value() else str(raw)
    elif isinstance(raw, (dt.date, dt.datetime)):
        text = show(raw)
    else:
        text = str(raw)
    if max_length is not None and len(text) > max_length:
        raise BadValue("too_long", max=max_length)
    return text


def parse_int(raw: Any) -> int:
    """A whole number ("1,200", ３０, 30.0 from Excel). Raises BadValue: missing, not_integer."""
    if type(raw) is int:
        return raw
    number, currency = parse_decimal(raw, 0, too_many="not_integer", bad="not_integer")
    if currency:
        raise BadValue("not_integer")
    return int(number)


def parse_qty(raw: Any) -> Decimal:
    """A quantity with up to 4 decimals. Raises BadValue: missing, not_number, too_many_places."""
    number, currency = parse_decimal(raw, 4)
    if currency:
        raise BadValue("not_number")
    return number


def parse_price(raw: Any) -> Decimal:
    """A unit price with up to 6 decimals; a currency sign is allowed (see `parse_decimal`)."""
    return parse_decimal(raw, 6)[0]


def canonical(number: Decimal) -> str:
    """The one text of a Decimal's value: 2.50 and 2.5 give "2.5", 100 gives "100"."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
