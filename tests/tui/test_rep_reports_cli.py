"""`kacrm report weekly` and `kacrm report daily` through the command line: each format read back,
weeks that start on Sunday, and who may ask for whose report."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from schema import ledger
from schema.audit import audited_update
from schema.db import transaction
from schema.models import Contact, Customer
from schema.targets import Who, parse_period, set_target
from schema.visits import log_visit

D = dt.date
TZ = ZoneInfo("Asia/Shanghai")
EN = {"KACRM_LANG": "en"}


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setenv("KACRM_NOW", "2026-12-09T10:00:00+08:00")  # Wednesday of 2026-W50


def at(day: str, time: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=TZ)


@pytest.fixture
def week49(db, make_rep, make_customer):
    """2026-W49 runs from Monday 30 November to Sunday 6 December: across a month end."""
    boss = make_rep("boss", "manager", region="华东")
    alice = make_rep("alice", name="Alice", manager=boss, region="华东")
    bob = make_rep("bob", region="华南")  # neither in boss's team nor in his region
    make_rep("stranger")
    a1, a2 = make_customer(alice, code="A1", name="甲公司"), make_customer(alice, code="A2", name="乙公司")
    b1 = make_customer(bob, code="B1", name="丙公司", region="华南")
    for customer, number, day, cents in ((a1, "O1", D(2026, 11, 30), 1000_00), (a2, "O2", D(2026, 12, 3), 2000_00),
                                         (a1, "R1", D(2026, 12, 4), -300_00), (a1, "O3", D(2026, 12, 8), 700_00),
                                         (b1, "B1", D(2026, 12, 2), 9000_00)):
        ledger.post_order(Customer.get_by_id(customer.id), order_no=number, order_date=day, amount_cents=cents)
    for customer, ref, day, cents in ((a1, "P1", D(2026, 12, 1), 800_00), (a2, "P2", D(2026, 11, 29), 100_00),
                                      (a2, "P3", D(2026, 12, 6), 250_00)):
        ledger.post_payment(Customer.get_by_id(customer.id), payment_ref=ref, paid_on=day, amount_cents=cents)
    set_target(boss, Who("rep", rep=alice), parse_period("2026-12"), "sales", 10_000_00)
    with transaction():
        buyer = Contact.create(customer=a1, name="王采购")
        boss_contact = Contact.create(customer=a1, name="李总")
    log_visit(alice, a1, at=at("2026-11-30", "09:00"), summary="谈了新品", commitment="月底前下单", next_step="送样品",
              follow_up_on=D(2026, 12, 4), contact_ids=(buyer.id, boss_contact.id))
    cancelled = log_visit(alice, a2, at=at("2026-11-30", "14:00"), status="planned", purpose="催款")
    audited_update(cancelled, {"status": "cancelled"}, actor=alice, reason="customer away")
    log_visit(alice, a2, at=at("2026-12-05", "15:00"), summary="=看了报价", next_step="报价",
              follow_up_on=D(2026, 12, 11))
    log_visit(alice, a1, at=at("2026-12-10", "09:30"), status="planned", kind="meeting", purpose="谈合同")
    log_visit(bob, b1, at=at("2026-11-30", "11:00"), summary="bob 的拜访")
    return boss, alice, bob


def _summary(rows: list[dict]) -> dict[str, dict]:
    return {row["figure"]: row for row in rows}


def test_weekly_as_json(kacrm, week49):
    result = kacrm("report", "weekly", "--rep", "alice", "--week", "2026-W49", "--format", "json", user="alice", env=EN)
    assert result.exit_code == 0, result.output
    book = json.loads(result.stdout)
    assert list(book) == ["summary", "next_week_visits", "follow_ups"]
    s = _summary(book["summary"])
    assert s["week"]["note"] == "2026-W49: 2026-11-30 to 2026-12-06"
    assert (s["collections"]["count"], s["collections"]["amount"]) == (2, "1050.00")
    assert (s["orders"]["count"], s["orders"]["amount"]) == (2, "3000.00")
    assert (s["returns"]["count"], s["returns"]["amount"]) == (1, "-300.00")
    assert (s["sales"]["count"], s["sales"]["amount"]) == (None, "2700.00")
    # December, 1 to 6: 2000 - 300 against 10000; 6 of 31 days gone
    assert {k: s["month_target"][k] for k in ("amount", "target", "percent", "elapsed_percent", "note")} == {
        "amount": "1700.00", "target": "10000.00", "percent": "17.0", "elapsed_percent": "19.4", "note": "2026-12"}
    assert (s["visits_planned"]["count"], s["visits_done"]["count"], s["visits_done"]["percent"]) == (3, 2, "66.7")
    assert book["next_week_visits"] == [
        {"at": "2026-12-10T09:30:00", "code": "A1", "name": "甲公司", "kind": "Meeting", "purpose": "谈合同"}]
    assert book["follow_ups"] == [
        {"follow_up_on": "2026-12-04", "code": "A1", "name": "甲公司", "next_step": "送样品", "overdue": True,
         "visited_on": "2026-11-30"},
        {"follow_up_on": "2026-12-11", "code": "A2", "name": "乙公司", "next_step": "报价", "overdue": False,
         "visited_on": "2026-12-05"}]


def test_weekly_as_xlsx_has_a_typed_sheet_per_part(kacrm, week49, tmp_path):
    path = tmp_path / "week.xlsx"
    result = kacrm("report", "weekly", "--rep", "alice", "--week", "2026-W49", "--output", str(path), user="boss")
    assert result.exit_code == 0, result.output
    book = load_workbook(path)
    assert book.sheetnames == ["summary", "next_week_visits", "follow_ups"]
    summary = list(book["summary"].iter_rows(values_only=True))
    assert summary[0] == ("figure", "label", "count", "amount", "target", "percent", "elapsed_percent", "note")
    rows = {row[0]: row for row in summary[1:]}
    assert rows["collections"][1] == "回款" and rows["collections"][2:4] == (2, 1050)
    assert rows["returns"][3] == -300 and rows["month_target"][3:5] == (1700, 10000)
    amount = book["summary"].cell(row=[r[0] for r in summary].index("sales") + 1, column=4)
    assert (amount.value, amount.number_format) == (2700, "#,##0.00")  # a number shown with two decimals
    [(when, code, _name, kind, _purpose)] = list(book["next_week_visits"].iter_rows(min_row=2, values_only=True))
    assert (when, code, kind) == (dt.datetime(2026, 12, 10, 9, 30), "A1", "会议")  # a typed date and time
    follow = list(book["follow_ups"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[4]) for r in follow] == [(dt.datetime(2026, 12, 4), "A1", True),
                                                    (dt.datetime(2026, 12, 11), "A2", False)]


def test_weekly_as_csv_has_the_parts_one_after_another(kacrm, week49):
    result = kacrm("report", "weekly", "--week", "2026-12-02", "--format", "csv", user="alice", env=EN)
    assert result.exit_code == 0, result.output
    text = result.stdout.lstrip("\ufeff")
    parts = [list(csv.reader(io.StringIO(block))) for block in re.split(r"\r?\n\r?\n", text)]
    assert [part[0] for part in parts] == [["summary"], ["next_week_visits"], ["follow_ups"]]
    header, *rows = parts[0][1:]
    s = {row[0]: dict(zip(header, row)) for row in rows}
    assert (s["collections"]["amount"], s["sales"]["amount"], s["visits_done"]["count"]) == ("1050.00", "2700.00", "2")
    assert s["month_target"]["percent"] == "17.0" and s["sales"]["count"] == ""
    assert parts[1][1:] == [["at", "code", "name", "kind", "purpose"],
                            ["2026-12-10T09:30:00", "A1", "甲公司", "Meeting", "谈合同"]]
    assert [row[:5] for row in parts[2][2:]] == [["2026-12-04", "A1", "甲公司", "送样品", "true"],
                                                 ["2026-12-11", "A2", "乙公司", "报价", "false"]]


def test_weekly_as_a_table_and_for_this_week_by_default(kacrm, week49):
    table = kacrm("report", "weekly", "--format", "table", user="alice", env={**EN, "COLUMNS": "160"})
    assert table.exit_code == 0, table.output
    for words in ("Summary", "Next week's planned visits", "Follow-ups due", "2026-W50: 2026-12-07 to 2026-12-13"):
        assert words in table.stdout
    now = json.loads(kacrm("report", "weekly", "--format", "json", user="alice").stdout)
    s = _summary(now["summary"])
    assert s["week"]["note"].startswith("2026-W50") and s["orders"]["amount"] == "700.00"
    # this week: December up to today (9 December), 2000 - 300 + 700 of 10000, 9 of 31 days
    assert (s["month_target"]["amount"], s["month_target"]["percent"], s["month_target"]["elapsed_percent"]) == (
        "2400.00", "24.0", "29.0")


def test_a_week_starting_on_sunday(kacrm, week49, tmp_path):
    config = tmp_path / "sunday.toml"
    config.write_text('[targets]\nweek_start = "sunday"\n', encoding="utf-8")
    result = kacrm("--config", str(config), "report", "weekly", "--week", "2026-W49", "--format", "json",
                   user="alice", env=EN)
    assert result.exit_code == 0, result.output
    s = _summary(json.loads(result.stdout)["summary"])
    # Sunday 29 November to Saturday 5 December: P2 (29th) is in, P3 (6th) is out
    assert s["week"]["note"] == "2026-W49: 2026-11-29 to 2026-12-05"
    assert (s["collections"]["count"], s["collections"]["amount"]) == (2, "900.00")


def test_a_rep_may_not_see_another_reps_report(kacrm, week49):
    for command in (("weekly", "--week", "2026-W49"), ("daily", "--date", "2026-11-30")):
        denied = kacrm("report", *command, "--rep", "bob", "--format", "json", user="alice", env=EN)
        lines = [line for line in denied.stderr.splitlines() if line.strip()]
        assert denied.exit_code != 0 and len(lines) == 1 and "own report" in lines[0], denied.stderr
        assert denied.stdout == "" and "Traceback" not in denied.output
    # a manager: for the reps of his team or region, not for the others
    assert kacrm("report", "weekly", "--rep", "alice", "--format", "json", user="boss").exit_code == 0
    outside = kacrm("report", "weekly", "--rep", "bob", "--format", "json", user="boss", env=EN)
    assert outside.exit_code != 0 and "not one of the reps boss manages" in outside.stderr
    unknown = kacrm("report", "weekly", "--rep", "nobody", user="boss", env=EN)
    assert unknown.exit_code != 0 and "user list" in unknown.stderr
    bad_week = kacrm("report", "weekly", "--week", "2026-W60", user="alice", env=EN)
    assert bad_week.exit_code != 0 and "2026-W47" in bad_week.stderr and "Traceback" not in bad_week.output
    # a user without customers of their own gets an empty report, never someone else's figures
    empty = _summary(json.loads(kacrm("report", "weekly", "--week", "2026-W49", "--format", "json",
                                      user="stranger").stdout)["summary"])
    assert (empty["orders"]["count"], empty["collections"]["amount"], empty["visits_planned"]["count"]) == (0, "0.00", 0)


def test_daily_lists_the_days_visits_with_what_came_of_them(kacrm, week49):
    result = kacrm("report", "daily", "--date", "2026-11-30", "--format", "json", user="alice", env=EN)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"rep": "alice", "at": "2026-11-30T09:00:00", "code": "A1", "name": "甲公司", "kind": "Visit",
         "status": "Done", "contacts": "王采购, 李总", "purpose": "", "summary": "谈了新品", "commitment": "月底前下单",
         "next_step": "送样品", "follow_up_on": "2026-12-04"}]  # the cancelled one is left out
    # a manager without --rep: every rep he sees (bob is outside boss's region and team)
    assert [r["rep"] for r in json.loads(kacrm("report", "daily", "--date", "2026-11-30", "--format", "json",
                                               user="boss").stdout)] == ["alice"]
    own_view = kacrm("report", "daily", "--date", "2026-11-30", "--format", "csv", user="bob", env=EN)
    rows = list(csv.DictReader(io.StringIO(own_view.stdout.lstrip("\ufeff"))))
    assert [(r["rep"], r["code"], r["summary"]) for r in rows] == [("bob", "B1", "bob 的拜访")]
    # a summary Excel would run as a formula is neutralized in CSV, its content kept
    planned = kacrm("report", "daily", "--date", "2026-12-05", "--format", "csv", user="alice", env=EN)
    [row] = list(csv.DictReader(io.StringIO(planned.stdout.lstrip("\ufeff"))))
    assert row["summary"] == "'=看了报价" and row["follow_up_on"] == "2026-12-11"
    table = kacrm("report", "daily", "--date", "2026-11-30", "--format", "table", user="alice",
                  env={"COLUMNS": "200"}).stdout
    assert "会见联系人" in table and "09:00" in table and "王采购、李总" in table and "2026-11-30T" not in table
    # today by default: the planned meeting of 10 December is tomorrow, nothing today
    assert json.loads(kacrm("report", "daily", "--format", "json", user="alice").stdout) == []
    tomorrow = json.loads(kacrm("report", "daily", "--date", "2026-12-10", "--format", "json", user="alice",
                                env=EN).stdout)
    assert [(r["kind"], r["status"], r["purpose"]) for r in tomorrow] == [("Meeting", "Planned", "谈合同")]
