"""Customer care (客户关怀) and visit cadence (DESIGN §5).

- Birthdays of contacts, solar (公历) or lunar (农历). A lunar birthday falls on another solar date
  each year, worked out with lunardate for any year. A lunar 30th in a month of 29 days is kept on
  the 29th, and a solar 29 February outside leap years on the 28th.
- Holidays: the built-in ones (Spring Festival, Dragon Boat and Mid-Autumn among them, lunar) and
  those `[care]` adds or overrides. Each customer in business (new or active) gets the action of
  its tier (A annual trip, B holiday gift, C card — configurable), or the holiday's own action.
- Reminders come `remind_days_ahead` days ahead.
- Visit cadence: each grade has a maximum gap between visits (`[visits] max_gap_days`). A customer
  in business with no visit done within it is past its gap."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from lunardate import LunarDate
from peewee import fn

from schema import access
from schema.config import CareConfig
from schema.models import Contact, Customer, Rep, Visit
from schema.periods import raw_rows

IN_BUSINESS = ("new", "active")


@lru_cache(maxsize=4096)
def solar_date(year: int, month: int, day: int, lunar: bool) -> dt.date | None:
    """The solar date of a yearly (month, day) in `year` (a lunar year for a lunar date), or None
    for a date that cannot be (month 13)."""
    try:
        if not lunar:
            if month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
                day = 28
            return dt.date(year, month, day)
        for candidate in (day, 29) if day == 30 else (day,):
            try:
                return LunarDate(year, month, candidate).to_solar_date()
            except ValueError:
                continue
    except ValueError:
        return None
    return None


def occurrences(month: int, day: int, lunar: bool, start: dt.date, end: dt.date) -> list[dt.date]:
    """The solar dates in [start, end] on which the yearly date falls."""
    found = []
    for year in range(start.year - 1, end.year + 1):  # a lunar year's 12th month reaches into the next solar year
        when = solar_date(year, month, day, lunar)
        if when is not None and start <= when <= end:
            found.append(when)
    return sorted(set(found))


@dataclass(frozen=True)
class Reminder:
    on: dt.date
    days_ahead: int
    kind: str  # birthday, holiday
    occasion: str  # the holiday, or the contact's name
    code: str
    customer: str
    grade: str
    owner: str
    action: str
    contact_mobile: str = ""


def _birthday_keys(start: dt.date, end: dt.date) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """The (month, day) of solar and of lunar birthdays that fall within [start, end]."""
    solar, lunar = set(), set()
    day = start
    while day <= end:
        solar.add((day.month, day.day))
        if (day.month, day.day) == (2, 28) and solar_date(day.year, 2, 29, False) == day:
            solar.add((2, 29))
        moon = LunarDate.from_solar_date(day.year, day.month, day.day)
        if not moon.is_leap_month:
            lunar.add((moon.month, moon.day))
            if moon.day == 29 and solar_date(moon.year, moon.month, 30, True) == day:
                lunar.add((moon.month, 30))
        day += dt.timedelta(days=1)
    return solar, lunar


def reminders(rep: Rep, care: CareConfig, *, today: dt.date, days_ahead: int | None = None) -> list[Reminder]:
    """Birthdays and holidays within the next `days_ahead` days (default `remind_days_ahead`),
    for the customers `rep` may see, soonest first."""
    ahead = care.remind_days_ahead if days_ahead is None else days_ahead
    end = today + dt.timedelta(days=ahead)
    customers = access.visible_customers(rep)
    out: list[Reminder] = []
    solar, lunar = _birthday_keys(today, end)

    day_key = Contact.birthday_month * 100 + Contact.birthday_day  # an IN list, however long the window

    def matching(calendar: str, keys: set[tuple[int, int]]):
        return (Contact.birthday_calendar == calendar) & day_key.in_(sorted(m * 100 + d for m, d in keys))
    where = matching("solar", solar) | matching("lunar", lunar)
    if solar or lunar:
        query = (Contact.select(Contact.name, Contact.mobile, Contact.birthday_calendar, Contact.birthday_month,
                                Contact.birthday_day, Customer.code, Customer.name, Customer.grade, Rep.login)
                 .join(Customer).join(Rep, on=(Customer.owner == Rep.id))
                 .where(Contact.customer.in_(customers.select(Customer.id)) & Contact.deleted_at.is_null() & where))
        for name, mobile, calendar, month, day, code, customer, grade, login in query.tuples():
            for when in occurrences(month, day, calendar == "lunar", today, end):
                out.append(Reminder(when, (when - today).days, "birthday", name, code, customer, grade, login,
                                    care.action(grade), mobile))
    holidays = [(holiday, when) for holiday in care.all_holidays()
                for when in occurrences(holiday.month, holiday.day, holiday.lunar, today, end)]
    if holidays:
        in_business = (customers.select(Customer.code, Customer.name, Customer.grade, Rep.login)
                       .join(Rep, on=(Customer.owner == Rep.id)).where(Customer.lifecycle.in_(IN_BUSINESS))
                       .order_by(Customer.code).tuples())
        rows = list(in_business)
        for holiday, when in holidays:
            out.extend(Reminder(when, (when - today).days, "holiday", holiday.name, code, name, grade, login,
                                care.action(grade, holiday)) for code, name, grade, login in rows)
    return sorted(out, key=lambda r: (r.on, r.kind, r.code, r.occasion))


@dataclass(frozen=True)
class Gap:
    code: str
    customer: str
    grade: str
    owner: str
    max_gap_days: int
    days_since: int | None  # None: never visited


def visit_gaps(rep: Rep, max_gap_days: dict[str, int], *, today: dt.date, tz: dt.tzinfo,
               limit: int | None = None) -> list[Gap]:
    """Customers in business, of a grade with a maximum gap, whose last visit done is older than it
    (or who were never visited), longest overdue first."""
    start = dt.datetime.combine(today, dt.time(), tz)
    customers = (access.visible_customers(rep)
                 .where(Customer.lifecycle.in_(IN_BUSINESS) & Customer.grade.in_(list(max_gap_days))))
    # the last visit done: one probe each of the partial index visit_done (migration 5)
    last = (Visit.select(fn.MAX(Visit.at)).where((Visit.customer == Customer.id) & (Visit.status == "done")
                                                 & Visit.deleted_at.is_null()))
    # overdue when the last visit is on or before the start of the day gap + 1 days back; compared
    # as stored (SQLite gives the text, which sorts as the time does), parsed only when overdue
    cutoff = {grade: Visit.at.db_value(start - dt.timedelta(days=gap + 1)) for grade, gap in max_gap_days.items()}
    cutoff_text = {grade: str(value) for grade, value in cutoff.items()}
    out = []
    for cid, code, name, grade, login, seen in raw_rows(
            customers.select(Customer.id, Customer.code, Customer.name, Customer.grade, Rep.login, last)
            .join(Rep, on=(Customer.owner == Rep.id))):
        if seen is not None and not seen <= (cutoff_text if isinstance(seen, str) else cutoff)[grade]:
            continue
        days = None if seen is None else (start - Visit.at.python_value(seen)).days
        out.append(Gap(code, name, grade, login, max_gap_days[grade], days))
    out.sort(key=lambda g: (g.days_since is not None, -(g.days_since or 0) + g.max_gap_days, g.code))
    return out[:limit] if limit else out


__all__ = ["Gap", "Reminder", "occurrences", "reminders", "solar_date", "visit_gaps"]
