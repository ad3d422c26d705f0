"""How a config value is checked and typed: each setting of `schema.config` names one of these
rules in its field's metadata (`setting(default, rule)`). A rule takes the raw TOML value and returns
the typed value, or raises `Invalid` saying what is allowed and what was found."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo

from schema.money import parse_money


class Invalid(ValueError):
    """A value that breaks its rule: what is allowed and what was found. `key` names the setting
    when the rule spans fields; `sub` points below the key (".growth", "[2].date")."""

    def __init__(self, allowed: str, found: Any, *, key: str = "", sub: str = ""):
        super().__init__(f"must be {allowed}; found {show(found)}")
        self.allowed, self.found, self.key, self.sub = allowed, found, key, sub


def show(value: Any) -> str:
    """A value as it would be written in TOML, for messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {show(item)}" for key, item in value.items()) + "}"
    return str(value)


Rule = Callable[[Any], Any]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def whole(low: int, high: int | None = None, unit: str = "") -> Rule:
    what = f"a whole number{unit}"
    allowed = f"{what} from {low} to {high}" if high is not None else f"{what} of at least {low}"

    def parse(value: Any) -> int:
        if not _is_int(value) or value < low or (high is not None and value > high):
            raise Invalid(allowed, value)
        return value
    return parse


def seconds(low: int, *, above: bool = False) -> Rule:
    allowed = f"a number of seconds {'greater than' if above else 'of at least'} {low}, e.g. 2 or 0.5"

    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or not Decimal(value).is_finite() \
                or (value <= low if above else value < low):
            raise Invalid(allowed, value)
        return float(value)  # a duration for time.sleep and timers, never money
    return parse


def one_of(*options: str) -> Rule:
    allowed = "one of " + ", ".join(f'"{option}"' for option in options)

    def parse(value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            raise Invalid(allowed, value)
        return value
    return parse


def text(allowed: str, pattern: str = r".*\S.*", check: Callable[[str], bool] = lambda _: True) -> Rule:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or not re.fullmatch(pattern, value) or not check(value):
            raise Invalid(allowed, value)
        return value
    return parse


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("true or false", value)
    return value


def money(*, positive: bool) -> Rule:
    """An amount in yuan (a string, so that it is exact; an integer will do) -> integer cents."""
    allowed = f"an amount in yuan {'above' if positive else 'of at least'} 0 with at most two decimals, " \
              f'written as a string, e.g. "{"1000000" if positive else "0"}"'

    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            raise Invalid(allowed, value)
        try:
            cents = parse_money(str(value))
        except ValueError:
            raise Invalid(allowed, value) from None
        if cents < 0 or (positive and cents == 0):
            raise Invalid(allowed, value)
        return cents
    return parse


def score(low: int, high: int) -> Rule:
    allowed = f'a number from {low} to {high}, written as a string, e.g. "3.5"'

    def parse(value: Any) -> Decimal:
        try:
            number = Decimal(value) if isinstance(value, (str, int, Decimal)) and not isinstance(value, bool) else None
        except ArithmeticError:
            number = None
        if number is None or not number.is_finite() or not low <= number <= high:
            raise Invalid(allowed, value)
        return number
    return parse


def is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        return False
    return True


def increasing_days(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not value or not all(_is_int(item) and item > 0 for item in value) \
            or any(b <= a for a, b in zip(value, value[1:])):
        raise Invalid("a strictly increasing list of positive whole numbers of days, e.g. [30, 60, 90, 120]", value)
    return tuple(value)


def keymap(value: Any) -> dict[str, str]:
    """binding id -> keys, as Textual's keymap takes them: {"customer.visit" = "V", "quit" = "ctrl+x"}."""
    allowed = 'a table of binding id = "key" (several keys comma-separated), e.g. { "customer.visit" = "V" }'
    if not isinstance(value, dict) or not all(isinstance(k, str) and re.fullmatch(r"[a-z_]+(\.[a-z_]+)*", k)
                                              and isinstance(v, str) and v.strip() for k, v in value.items()):
        raise Invalid(allowed, value)
    return {k: v.replace(" ", "") for k, v in value.items()}


def words(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise Invalid('a list of non-empty texts, e.g. ["制造", "industrial"]', value)
    return tuple(item.strip() for item in value)


def bonus_tiers(value: Any) -> tuple[tuple[int, int], ...]:
    """[["100000", "1000"], ...]: (order total, bonus) pairs in yuan, totals strictly increasing."""
    allowed = 'a list of ["order total", "bonus"] pairs in yuan, totals increasing, e.g. [["100000", "1000"]]'
    if not isinstance(value, list) or not value:
        raise Invalid(allowed, value)
    pairs = []
    for item in value:
        if not isinstance(item, list) or len(item) != 2:
            raise Invalid(allowed, value)
        try:
            pairs.append((parse_money(str(item[0])), parse_money(str(item[1]))))
        except ValueError:
            raise Invalid(allowed, value) from None
    if any(b[0] <= a[0] for a, b in zip(pairs, pairs[1:])) or any(total < 0 or bonus < 0 for total, bonus in pairs):
        raise Invalid(allowed, value)
    return tuple(pairs)


def table(defaults: Mapping[str, Any], rule: Rule) -> Rule:
    """A table with a fixed set of keys; keys it leaves out keep their defaults."""
    allowed_keys = "one of " + ", ".join(defaults)

    def parse(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Invalid(f"a table with keys {', '.join(defaults)}", value)
        merged = dict(defaults)
        for key, item in value.items():
            if key not in defaults:
                raise Invalid(allowed_keys, key, sub=" keys")
            try:
                merged[key] = rule(item)
            except Invalid as exc:
                raise Invalid(exc.allowed, exc.found, sub=f".{key}") from None
        return merged
    return parse


def setting(default: Any, rule: Rule, *, key: str | None = None) -> Any:
    """A field with its default, its rule, and its TOML key when that differs from the field name."""
    meta = {"rule": rule, "key": key}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Holiday:
    """A yearly date for care reminders: solar (公历) or lunar (农历) month and day."""

    name: str
    month: int
    day: int
    lunar: bool = False
    action: str | None = None  # None: the action of the customer's tier


BUILTIN_HOLIDAYS: tuple[Holiday, ...] = (
    Holiday("New Year's Day 元旦", 1, 1), Holiday("Spring Festival 春节", 1, 1, lunar=True),
    Holiday("Lantern Festival 元宵节", 1, 15, lunar=True), Holiday("Labour Day 劳动节", 5, 1),
    Holiday("Dragon Boat Festival 端午节", 5, 5, lunar=True),
    Holiday("Mid-Autumn Festival 中秋节", 8, 15, lunar=True), Holiday("National Day 国庆节", 10, 1),
)


def _month_day(value: Any, lunar: bool) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d\d)-(\d\d)", value) if isinstance(value, str) else None
    if not match:
        return None
    month, day = int(match[1]), int(match[2])
    if lunar:
        return (month, day) if 1 <= month <= 12 and 1 <= day <= 30 else None
    try:
        dt.date(2000, month, day)  # a leap year, so 02-29 is a valid birthday or holiday
    except ValueError:
        return None
    return month, day


def holiday_list(value: Any) -> tuple[Holiday, ...]:
    shape = 'a table like {name = "Company day 司庆", date = "06-18"} (or lunar = "MM-DD"), action optional'
    if not isinstance(value, list):
        raise Invalid("a list of tables" + shape[len("a table"):], value)
    found: list[Holiday] = []
    for number, item in enumerate(value, 1):
        at = f"[{number}]"
        if not isinstance(item, dict) or set(item) - {"name", "date", "lunar", "action"}:
            raise Invalid(shape, item, sub=at)
        if not isinstance(item.get("name"), str) or not item["name"].strip():
            raise Invalid("a non-empty name", item.get("name"), sub=f"{at}.name")
        if ("date" in item) == ("lunar" in item):
            raise Invalid('given exactly one of date = "MM-DD" (solar) or lunar = "MM-DD"', item, sub=at)
        lunar = "lunar" in item
        key = "lunar" if lunar else "date"
        month_day = _month_day(item[key], lunar)
        if month_day is None:
            raise Invalid(f'a {"lunar" if lunar else "calendar"} month and day "MM-DD", e.g. "08-15"', item[key],
                          sub=f"{at}.{key}")
        action = item.get("action")
        if action is not None and (not isinstance(action, str) or not action.strip()):
            raise Invalid("a non-empty text", action, sub=f"{at}.action")
        found.append(Holiday(item["name"].strip(), *month_day, lunar=lunar, action=action))
    return tuple(found)
