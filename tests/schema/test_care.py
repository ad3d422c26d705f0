"""Care reminders (birthdays solar and lunar, holidays with tier actions) and visit cadence."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from schema.care import occurrences, reminders, solar_date, visit_gaps
from schema.config import CareConfig
from schema.config_rules import Holiday
from schema.models import Contact, Visit

D = dt.date
SHANGHAI = dt.timezone(dt.timedelta(hours=8))

# published dates (国务院办公厅 holiday notices / the Chinese calendar)
SPRING = [D(2026, 2, 17), D(2027, 2, 6), D(2028, 1, 26), D(2029, 2, 13), D(2030, 2, 3)]
DRAGON_BOAT = [D(2026, 6, 19), D(2027, 6, 9), D(2028, 5, 28), D(2029, 6, 16), D(2030, 6, 5)]
MID_AUTUMN = [D(2026, 9, 25), D(2027, 9, 15), D(2028, 10, 3), D(2029, 9, 22), D(2030, 9, 12)]


@pytest.mark.parametrize("month, day, expected", [(1, 1, SPRING), (5, 5, DRAGON_BOAT), (8, 15, MID_AUTUMN)])
def test_the_lunar_holidays_of_2026_to_2030(month, day, expected):
    assert occurrences(month, day, True, D(2026, 1, 1), D(2030, 12, 31)) == expected


def test_birthday_edge_cases():
    assert solar_date(2027, 2, 29, False) == D(2027, 2, 28) and solar_date(2028, 2, 29, False) == D(2028, 2, 29)
    # lunar 12-30 in a year whose 12th month has 29 days (2026): kept on the 29th, the eve of Spring Festival
    assert solar_date(2026, 12, 30, True) == D(2027, 2, 5) == SPRING[1] - dt.timedelta(days=1)
    # a lunar 12th month reaches into the next solar year
    assert occurrences(12, 8, True, D(2027, 1, 1), D(2027, 1, 31)) == [D(2027, 1, 15)]  # 腊八 2027


def test_reminders_for_the_customers_one_sees(make_rep, make_customer, kacrm):
    alice, bob, boss = make_rep("alice"), make_rep("bob"), make_rep("boss", "manager")
    a = make_customer(alice, grade="A", lifecycle="active")
    b = make_customer(bob, grade="C", lifecycle="active")
    prospect = make_customer(alice, grade="B", lifecycle="prospect")
    Contact.create(customer=a, name="王总", mobile="13800000001", birthday_calendar="lunar", birthday_month=8,
                   birthday_day=15)  # 2026-09-25
    Contact.create(customer=b, name="李经理", birthday_calendar="solar", birthday_month=9, birthday_day=20)
    Contact.create(customer=prospect, name="赵工", birthday_calendar="solar", birthday_month=12, birthday_day=1)
    care = CareConfig(holidays=(Holiday("中秋节", 8, 15, lunar=True, action="月饼 moon cakes"),  # overrides
                                Holiday("Company day 司庆", 9, 28)))
    got = [(r.on, r.kind, r.occasion, r.code, r.action) for r in reminders(alice, care, today=D(2026, 9, 20))]
    assert got == [
        (D(2026, 9, 25), "birthday", "王总", a.code, "annual trip 年度旅游"),
        (D(2026, 9, 25), "holiday", "中秋节", a.code, "月饼 moon cakes"),  # the site's own action
        (D(2026, 9, 28), "holiday", "Company day 司庆", a.code, "annual trip 年度旅游"),  # the tier's
        (D(2026, 10, 1), "holiday", "National Day 国庆节", a.code, "annual trip 年度旅游"),  # built in
    ]  # bob's customer and the prospect (not in business) are not alice's to care for here
    everyone = {(r.code, r.occasion) for r in reminders(boss, care, today=D(2026, 9, 20), days_ahead=0)}
    assert everyone == {(b.code, "李经理")}
    result = kacrm("report", "care", "--as-of", "2026-09-20", "--days", "5", "--format", "json", user="alice")
    rows = json.loads(result.output)
    assert [(r["on"], r["occasion"]) for r in rows] == [("2026-09-25", "王总"), ("2026-09-25", "Mid-Autumn Festival 中秋节")]


def test_customers_past_their_grades_gap(make_rep, make_customer, kacrm):
    alice = make_rep("alice")
    make_customer(alice, code="NEVER", grade="C", lifecycle="active")
    late = make_customer(alice, code="LATE", grade="A", lifecycle="active")
    fine = make_customer(alice, code="FINE", grade="A", lifecycle="active")
    make_customer(alice, code="LOST", grade="A", lifecycle="lost")
    at = lambda day: dt.datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)  # noqa: E731
    Visit.create(customer=late, rep=alice, at=at(D(2026, 9, 1)), status="done")
    Visit.create(customer=late, rep=alice, at=at(D(2026, 11, 1)), status="planned")  # planned is not done
    Visit.create(customer=fine, rep=alice, at=at(D(2026, 11, 1)), status="done")
    gaps = visit_gaps(alice, {"A": 30, "B": 60, "C": 90}, today=D(2026, 11, 20), tz=SHANGHAI)
    assert [(g.code, g.days_since) for g in gaps] == [("NEVER", None), ("LATE", 79)]
    rows = json.loads(kacrm("report", "cadence", "--as-of", "2026-11-20", "--format", "json", user="alice").output)
    assert [(r["code"], r["max_gap_days"], r["days_since"]) for r in rows] == [("NEVER", 90, None), ("LATE", 30, 79)]


def test_the_agenda_carries_the_care_reminders(make_rep, make_customer):
    from schema.agenda import agenda

    alice = make_rep("alice")
    a = make_customer(alice, grade="B", lifecycle="active")
    Contact.create(customer=a, name="陈总", birthday_calendar="lunar", birthday_month=1, birthday_day=1)
    found = agenda(alice, today=D(2027, 2, 1), tz=SHANGHAI, max_gap_days={"A": 30, "B": 60, "C": 90},
                   care=CareConfig())
    assert (D(2027, 2, 6), a.code, a.name, "陈总", "holiday gift 节日礼品") in found.care  # 春节, and his birthday
    assert (D(2027, 2, 6), a.code, a.name, "Spring Festival 春节", "holiday gift 节日礼品") in found.care
    assert agenda(alice, today=D(2027, 2, 1), tz=SHANGHAI, max_gap_days={"A": 30}).care == []
