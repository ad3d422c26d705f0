"""Rep reports (周报 / 日报): hand-worked figures for a week spanning a month end, weeks that start on
another day than Monday, and who may ask for whose report."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from schema import ledger
from schema.audit import audited_update, soft_delete
from schema.db import transaction
from schema.errors import PermissionDenied, ValidationError
from schema.models import Contact, Customer, Rep
from schema.rep_reports import daily, parse_week, rep_for_report, week_of, weekly
from schema.targets import Who, parse_period, set_target
from schema.visits import log_visit

D = dt.date
TZ = ZoneInfo("Asia/Shanghai")
TODAY = D(2026, 12, 9)  # a Wednesday, in the week after the one reported


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setenv("KACRM_NOW", "2026-12-09T10:00:00+08:00")


def at(day: str, time: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=TZ)


def test_iso_weeks_and_other_week_starts():
    w47 = parse_week("2026-W47")
    assert (w47.label, w47.start, w47.end) == ("2026-W47", D(2026, 11, 16), D(2026, 11, 22))
    # a Sunday week named 2026-W47 is the one holding that ISO week's Thursday (19 November)
    sunday = parse_week("2026-W47", 6)
    assert (sunday.label, sunday.start, sunday.end) == ("2026-W47", D(2026, 11, 15), D(2026, 11, 21))
    friday = parse_week("2026w47", 4)
    assert (friday.start, friday.end) == (D(2026, 11, 13), D(2026, 11, 19))
    thursday = parse_week("2026-W47", 3)
    assert (thursday.start, thursday.end) == (D(2026, 11, 19), D(2026, 11, 25))
    # any day names its week, and the label found back names the same week
    assert week_of(D(2026, 11, 22), 6) == parse_week("2026-W48", 6)  # Sunday 22nd starts W48 of Sunday weeks
    assert parse_week("2026-11-22", 0) == w47 and w47.following() == parse_week("2026-W48")
    # across a year end: ISO 2026-W01 begins on Monday 29 December 2025
    assert parse_week("2026-W01").start == D(2025, 12, 29) and week_of(D(2025, 12, 31)).label == "2026-W01"
    assert parse_week("2026-W53").start == D(2026, 12, 28)  # 2026 has 53 ISO weeks
    for bad in ("2025-W53", "2026-W00", "week 47", "2026-13-01"):
        with pytest.raises(ValidationError, match="2026-W47"):
            parse_week(bad)


@pytest.fixture
def team(make_rep, make_customer):
    boss = make_rep("boss", "manager")
    alice = make_rep("alice", manager=boss)
    bob = make_rep("bob", manager=boss)
    a1, a2 = make_customer(alice, code="A1", name="甲公司"), make_customer(alice, code="A2", name="乙公司")
    b1 = make_customer(bob, code="B1", name="丙公司")
    return boss, alice, bob, a1, a2, b1


def _order(customer, number, day, cents):
    ledger.post_order(Customer.get_by_id(customer.id), order_no=number, order_date=day, amount_cents=cents)


def _payment(customer, ref, day, cents):
    ledger.post_payment(Customer.get_by_id(customer.id), payment_ref=ref, paid_on=day, amount_cents=cents)


def test_a_week_spanning_a_month_end(team):
    boss, alice, bob, a1, a2, b1 = team
    week = parse_week("2026-W49")  # Monday 30 November to Sunday 6 December
    assert (week.start, week.end) == (D(2026, 11, 30), D(2026, 12, 6))
    _order(a1, "O1", D(2026, 11, 28), 500_00)   # the Saturday before: not in the week
    _order(a1, "O2", D(2026, 11, 30), 1000_00)  # in the week, but November: not in December's target
    _order(a2, "O3", D(2026, 12, 3), 2000_00)
    _order(a1, "R1", D(2026, 12, 4), -300_00)   # a return
    _order(a1, "O4", D(2026, 12, 8), 700_00)    # after the week: neither in it nor month-to-date at its end
    _order(b1, "B1", D(2026, 12, 2), 9000_00)   # bob's customer
    _payment(a1, "P1", D(2026, 12, 1), 800_00)
    _payment(a2, "P2", D(2026, 11, 29), 100_00)  # the Sunday before
    _payment(a2, "P3", D(2026, 12, 6), 250_00)   # the last day of the week
    _payment(b1, "PB", D(2026, 12, 2), 5000_00)
    set_target(boss, Who("rep", rep=alice), parse_period("2026-12"), "sales", 10_000_00)
    set_target(boss, Who("rep", rep=alice), parse_period("2026-11"), "sales", 1_00)  # not the month of the week's end
    set_target(boss, Who("rep", rep=bob), parse_period("2026-12"), "sales", 1_00)

    with transaction():
        buyer = Contact.create(customer=a1, name="王采购")
    log_visit(alice, a1, at=at("2026-11-30", "09:00"), summary="谈了新品", commitment="月底前下单",
                   next_step="送样品", follow_up_on=D(2026, 12, 4), contact_ids=(buyer.id,))
    v2 = log_visit(alice, a2, at=at("2026-12-02", "14:00"), status="planned", purpose="催款",
                   follow_up_on=D(2026, 12, 5))
    audited_update(v2, {"status": "cancelled"}, actor=alice, reason="customer away")  # planned, then cancelled
    log_visit(alice, a1, at=at("2026-12-03"), status="planned", purpose="培训")  # planned, not done yet
    log_visit(alice, a2, at=at("2026-12-05", "15:00"), summary="看了报价", next_step="报价",
              follow_up_on=D(2026, 12, 11))
    log_visit(alice, a1, at=at("2026-12-06", "23:30"), kind="call", summary="电话确认")  # 15:30 UTC: still Sunday here
    log_visit(alice, a1, at=at("2026-11-29", "23:30"), kind="call", summary="上周的")
    log_visit(alice, a1, at=at("2026-12-07", "00:30"), kind="call", status="planned", purpose="回访")  # 6 Dec in UTC
    log_visit(alice, a1, at=at("2026-12-10", "09:00"), status="planned", purpose="谈合同")
    log_visit(alice, a1, at=at("2026-12-14"), status="planned", purpose="两周后")
    log_visit(alice, a1, at=at("2026-11-20"), summary="早先", next_step="远期", follow_up_on=D(2026, 12, 20))
    finished = log_visit(alice, a1, at=at("2026-11-21"), summary="早先", next_step="已跟进",
                         follow_up_on=D(2026, 12, 1))
    audited_update(finished, {"follow_up_done": True}, actor=alice, reason="done")
    gone = log_visit(alice, a2, at=at("2026-12-04"), summary="记错了")
    soft_delete(gone, actor=alice, reason="wrong customer")
    log_visit(bob, b1, at=at("2026-12-02"), summary="bob 的", follow_up_on=D(2026, 12, 3))

    report = weekly(alice, alice, week, tz=TZ, today=TODAY)
    assert (report.collections_count, report.collections_cents) == (2, 1050_00)
    assert (report.orders_count, report.orders_cents) == (2, 3000_00)
    assert (report.returns_count, report.returns_cents) == (1, -300_00)
    assert report.sales_cents == 2700_00
    assert report.month == parse_period("2026-12")
    target = report.month_target
    assert (target.target.value, target.actual) == (10_000_00, 1700_00)  # 2000 - 300, 1 to 6 December
    assert (target.percent, target.elapsed_percent) == (Decimal("17.0"), Decimal("19.4"))  # 6 of 31 days
    # planned: 30 Nov (done), 2 Dec (cancelled), 3 Dec (still planned), 5 Dec and 6 Dec 23:30 (done)
    assert (report.visits_planned, report.visits_done, report.visits_done_percent) == (5, 3, Decimal("60.0"))
    assert [(v.at, v.code, v.kind, v.purpose) for v in report.next_week] == [
        (at("2026-12-07", "00:30"), "A1", "call", "回访"), (at("2026-12-10", "09:00"), "A1", "visit", "谈合同")]
    assert [(f.due, f.code, f.customer, f.next_step, f.overdue) for f in report.follow_ups] == [
        (D(2026, 12, 4), "A1", "甲公司", "送样品", True), (D(2026, 12, 11), "A2", "乙公司", "报价", False)]
    assert report.follow_ups[0].visited == at("2026-11-30", "09:00")

    # the manager sees the same figures; before the week ends, the month counts up to today
    early = weekly(boss, alice, week, tz=TZ, today=D(2026, 12, 3))
    assert (early.collections_cents, early.sales_cents) == (1050_00, 2700_00)
    assert (early.month_target.actual, early.month_target.elapsed_percent) == (2000_00, Decimal("9.7"))  # 3 of 31
    assert [f.overdue for f in early.follow_ups] == [False, False]

    # a quiet week: nothing, and no target in force
    quiet = weekly(alice, alice, parse_week("2026-W40"), tz=TZ, today=TODAY)
    assert (quiet.collections_count, quiet.orders_count, quiet.returns_count, quiet.sales_cents) == (0, 0, 0, 0)
    assert quiet.month_target is None and quiet.visits_planned == 0 and quiet.visits_done_percent is None

    # the day's visits: done and planned, not the cancelled one, with the contacts met
    [first] = daily(alice, D(2026, 11, 30), tz=TZ)
    assert (first.rep, first.code, first.status, first.contacts, first.commitment, first.next_step,
            first.follow_up_on) == ("alice", "A1", "done", ("王采购",), "月底前下单", "送样品", D(2026, 12, 4))
    assert daily(alice, D(2026, 12, 2), tz=TZ) == []
    assert [(v.rep, v.code) for v in daily(boss, D(2026, 12, 2), tz=TZ)] == [("bob", "B1")]
    assert [v.code for v in daily(boss, D(2026, 12, 2), tz=TZ, rep=alice)] == []
    assert [(v.at.time(), v.kind) for v in daily(alice, D(2026, 12, 6), tz=TZ)] == [(dt.time(23, 30), "call")]
    assert [v.status for v in daily(alice, D(2026, 12, 7), tz=TZ)] == ["planned"]


def test_who_may_ask_for_whose_report(team, make_rep, make_customer):
    boss, alice, bob, a1, a2, b1 = team
    east = make_rep("east", "manager", region="华东")
    carol = make_rep("carol", region="华东")  # in east's region, not in his team
    dave = make_rep("dave", region="华南", manager=east)  # in his team, another region
    admin = make_rep("root", "admin")
    assert rep_for_report(alice, None) == alice and rep_for_report(alice, "alice") == alice
    with pytest.raises(PermissionDenied, match="only see their own"):
        rep_for_report(alice, "bob")
    with pytest.raises(PermissionDenied):
        weekly(alice, bob, parse_week("2026-W49"), tz=TZ, today=TODAY)
    with pytest.raises(PermissionDenied):
        daily(alice, TODAY, tz=TZ, rep=bob)
    assert rep_for_report(boss, "bob") == bob  # a manager without a region: everyone
    assert rep_for_report(east, "carol") == carol and rep_for_report(east, "dave") == dave
    with pytest.raises(PermissionDenied, match="not one of the reps east manages"):
        rep_for_report(east, "alice")
    assert rep_for_report(admin, "alice") == alice

    # a manager sees only the customers of the rep that the access rule shows him
    c_east, c_south = make_customer(dave, region="华东"), make_customer(dave, region="华南")
    _order(c_east, "E1", D(2026, 12, 1), 100_00)
    _order(c_south, "S1", D(2026, 12, 1), 40_00)
    week = parse_week("2026-W49")
    assert weekly(east, dave, week, tz=TZ, today=TODAY).orders_cents == 140_00  # his team: all of dave's
    assert weekly(boss, dave, week, tz=TZ, today=TODAY).orders_cents == 140_00
    grant_less = make_rep("west", "manager", region="华南")
    assert weekly(grant_less, dave, week, tz=TZ, today=TODAY).orders_cents == 40_00  # only the 华南 one
    # a manager who left sees nobody's report
    audited_update(boss, {"active": False}, actor="root", reason="left")
    with pytest.raises(PermissionDenied):
        rep_for_report(Rep.get_by_id(boss.id), "bob")
