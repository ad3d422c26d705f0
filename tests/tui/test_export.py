"""`kacrm export KIND` (issue 6): every kind in every format read back and compared with the
database, the access rule over every kind, formula neutralizing, GB18030, filters, and the audit."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sqlite3
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from kacrm_tui.cli import cli
from kacrm_tui.demo import build_demo
from schema.db import database

TODAY = dt.date(2026, 11, 20)
NOW = "2026-11-20T10:00:00+08:00"
RECORD_KINDS = ("customers", "contacts", "visits", "contracts", "orders", "payments")
FIGURE_KINDS = ("balances", "aging", "segments", "repayment_plans")
MONEY = re.compile(r"-?\d+\.\d{2}")

# kind -> (SQL of the rows a user sees given a customer condition on `c`, the column holding the code)
RECORD_SQL = {
    "customers": ("SELECT c.code FROM customer c WHERE c.deleted_at IS NULL AND {rule}", "code"),
    "contacts": ("SELECT c.code FROM contact x JOIN customer c ON c.id = x.customer_id "
                 "WHERE x.deleted_at IS NULL AND c.deleted_at IS NULL AND {rule}", "customer_code"),
    "visits": ("SELECT c.code FROM visit x JOIN customer c ON c.id = x.customer_id "
               "WHERE x.deleted_at IS NULL AND c.deleted_at IS NULL AND {rule}", "customer_code"),
    "contracts": ("SELECT c.code FROM contract x JOIN customer c ON c.id = x.customer_id "
                  "WHERE x.deleted_at IS NULL AND c.deleted_at IS NULL AND {rule}", "customer_code"),
    "orders": ("SELECT c.code FROM \"order\" x JOIN customer c ON c.id = x.customer_id "
               "WHERE c.deleted_at IS NULL AND {rule}", "customer_code"),
    "payments": ("SELECT c.code FROM payment x JOIN customer c ON c.id = x.customer_id "
                 "WHERE c.deleted_at IS NULL AND {rule}", "customer_code"),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("export") / "demo"
    build_demo(directory, 60, seed=7, today=TODAY)
    return directory / "kacrm.db"


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setenv("KACRM_NOW", NOW)


def sql(db: Path, query: str, *args) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query, args).fetchall()


def run(db: Path, user: str, *args: str, cwd: Path | None = None):
    result = CliRunner().invoke(cli, ["--db", str(db), "--user", user, *args], catch_exceptions=False)
    if not database.is_closed():
        database.close()
    return result


def exported(db: Path, user: str, kind: str, fmt: str, tmp_path: Path, *extra: str) -> tuple[list[str], list[dict]]:
    """The field names and rows of one export, read back from the file as Excel or a program would."""
    target = tmp_path / f"{kind}-{user}.{fmt}"
    result = run(db, user, "export", kind, "--format", fmt, "--output", str(target), *extra)
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        raw = target.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
        reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
        return list(reader.fieldnames or []), list(reader)
    if fmt == "json":
        rows = json.loads(target.read_text(encoding="utf-8"))
        return (list(rows[0]) if rows else []), rows
    book = openpyxl.load_workbook(target)
    sheet = book.active
    assert sheet.title == kind and sheet.freeze_panes == "A2"
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    assert all(cell.font.b for cell in sheet[1])
    return header, [dict(zip(header, line)) for line in values[1:]]


def reps(db: Path) -> list[str]:
    return [login for (login,) in sql(db, "SELECT login FROM rep WHERE role = 'rep' AND active ORDER BY login")]


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_every_record_kind_holds_every_visible_row_under_the_same_fields(demo, tmp_path, fmt):
    for kind in RECORD_KINDS:
        fields, rows = exported(demo, "demo", kind, fmt, tmp_path)
        csv_fields, _ = exported(demo, "demo", kind, "csv", tmp_path / "..") if fmt != "csv" else (fields, None)
        assert fields == csv_fields, kind  # the same names in all three formats
        query, column = RECORD_SQL[kind]
        expected = sorted(code for (code,) in sql(demo, query.format(rule="1")))
        assert sorted(r[column] for r in rows) == expected, kind
        assert expected, f"the demo has no {kind}"


def test_money_and_dates_are_typed_in_xlsx_and_exact_in_csv_and_json(demo, tmp_path):
    (total,) = sql(demo, 'SELECT SUM(amount_cents) FROM "order"')[0]
    _, xlsx = exported(demo, "demo", "orders", "xlsx", tmp_path)
    _, as_json = exported(demo, "demo", "orders", "json", tmp_path)
    _, as_csv = exported(demo, "demo", "orders", "csv", tmp_path)
    assert all(isinstance(r["amount"], (int, float)) for r in xlsx)
    assert all(isinstance(r["order_date"], dt.datetime) for r in xlsx)
    assert all(MONEY.fullmatch(r["amount"]) for r in as_json) and all(MONEY.fullmatch(r["amount"]) for r in as_csv)
    assert sum(Decimal(r["amount"]) for r in as_json) * 100 == total
    assert sum(Decimal(r["amount"]) for r in as_csv) * 100 == total
    assert round(sum(Decimal(str(r["amount"])) for r in xlsx) * 100) == total
    first = sql(demo, 'SELECT order_no, order_date, due_date, amount_cents, open_cents FROM "order" ORDER BY order_no LIMIT 1')[0]
    row = next(r for r in as_json if r["order_no"] == first[0])
    assert (row["order_date"], row["due_date"]) == (first[1], first[2])
    assert (Decimal(row["amount"]) * 100, Decimal(row["open"]) * 100) == (first[3], first[4])
    cell = next(r for r in xlsx if r["order_no"] == first[0])
    assert cell["order_date"].date().isoformat() == first[1]


def test_balances_aging_and_segments_match_the_reports(demo, tmp_path):
    for kind in FIGURE_KINDS:
        _, rows = exported(demo, "demo", kind, "json", tmp_path)
        report = run(demo, "demo", "report", kind, "--format", "json") if kind in ("aging", "segments") else None
        if report is not None:
            assert json.loads(report.output) == rows, kind
    _, balances = exported(demo, "demo", "balances", "json", tmp_path)
    cached = dict(sql(demo, "SELECT code, balance_cents FROM customer WHERE deleted_at IS NULL"))
    assert {r["code"]: int(Decimal(r["balance"]) * 100) for r in balances} == cached
    _, aging = exported(demo, "demo", "aging", "xlsx", tmp_path)
    for row in aging:  # buckets + unapplied credit = balance, as numbers in the sheet
        buckets = [k for k in row if k in ("not_due", "1-30", "31-60", "61-90", "91-120", ">120", "unapplied_credit")]
        assert len(buckets) == 7
        assert round(sum(Decimal(str(row[k] or 0)) for k in buckets), 2) == round(Decimal(str(row["balance"])), 2)


@pytest.mark.parametrize("kind", [*RECORD_KINDS, *FIGURE_KINDS])
def test_a_rep_exports_only_their_own_customers(demo, tmp_path, kind):
    logins = reps(demo)
    assert len(logins) >= 2
    for login in logins[:2]:
        fields, rows = exported(demo, login, kind, "csv", tmp_path)
        column = "code" if "code" in fields else "customer_code"
        own = {code for (code,) in sql(demo, "SELECT c.code FROM customer c JOIN rep r ON r.id = c.owner_id "
                                              "WHERE r.login = ? AND c.deleted_at IS NULL", login)}
        assert {r[column] for r in rows} <= own, (kind, login)
        if kind in RECORD_SQL:
            query, _ = RECORD_SQL[kind]
            mine = sql(demo, query.format(rule="c.owner_id = (SELECT id FROM rep WHERE login = ?)"), login)
            assert len(rows) == len(mine), (kind, login)


def test_filters_narrow_the_export(demo, tmp_path):
    _, orders = exported(demo, "demo", "orders", "json", tmp_path, "--since", "2026-01-01", "--until", "2026-03-31")
    (expected,) = sql(demo, "SELECT COUNT(*) FROM \"order\" WHERE order_date BETWEEN '2026-01-01' AND '2026-03-31'")[0]
    assert len(orders) == expected > 0
    assert all("2026-01-01" <= r["order_date"] <= "2026-03-31" for r in orders)
    _, a_class = exported(demo, "demo", "customers", "json", tmp_path, "--grade", "A")
    (grade_a,) = sql(demo, "SELECT COUNT(*) FROM customer WHERE grade = 'A' AND deleted_at IS NULL")[0]
    assert len(a_class) == grade_a > 0 and {r["grade"] for r in a_class} == {"A"}
    region = sql(demo, "SELECT region FROM customer WHERE region != '' LIMIT 1")[0][0]
    _, regional = exported(demo, "demo", "balances", "json", tmp_path, "--region", region)
    assert regional and {r["region"] for r in regional} == {region}
    code = sql(demo, "SELECT code FROM customer ORDER BY code LIMIT 1")[0][0]
    _, one = exported(demo, "demo", "visits", "json", tmp_path, "--customer", code)
    assert one and {r["customer_code"] for r in one} == {code}
    bad = run(demo, "demo", "export", "orders", "--since", "2026-05-01", "--until", "2026-04-01")
    assert bad.exit_code == 2 and "--since" in bad.output and "Traceback" not in bad.output


def test_formula_cells_are_neutralized_in_csv_and_xlsx_and_numbers_stay_numbers(tmp_path, kacrm, make_rep, make_customer):
    boss = make_rep("boss", "manager")
    make_customer(boss, code="F1", name="=HYPERLINK(\"http://evil\",\"点我\")", short_name="@SUM(A1)",
                  address="\tTab Road", phone="+86 21 5555", notes="-2+3", credit_limit_cents=-0 + 12_345_67)
    out = kacrm("export", "customers", "--format", "csv", "--output", str(tmp_path / "c.csv"))
    assert out.exit_code == 0, out.output
    row = next(csv.DictReader(io.StringIO((tmp_path / "c.csv").read_text(encoding="utf-8-sig"))))
    assert row["name"] == "'=HYPERLINK(\"http://evil\",\"点我\")"
    assert (row["short_name"], row["address"], row["phone"], row["notes"]) == (
        "'@SUM(A1)", "'\tTab Road", "'+86 21 5555", "'-2+3")
    assert row["credit_limit"] == "12345.67"
    kacrm("export", "customers", "--output", str(tmp_path / "c.xlsx"))
    sheet = openpyxl.load_workbook(tmp_path / "c.xlsx").active
    header = [c.value for c in sheet[1]]
    cells = dict(zip(header, sheet[2]))
    assert cells["name"].data_type == "s" and cells["name"].value == "'=HYPERLINK(\"http://evil\",\"点我\")"
    assert cells["phone"].value == "'+86 21 5555"
    assert cells["credit_limit"].data_type == "n" and cells["credit_limit"].value == pytest.approx(12345.67)
    as_json = json.loads(kacrm("export", "customers", "--format", "json").output)
    assert as_json[0]["name"].startswith("=HYPERLINK")  # JSON is not a spreadsheet: the text as it is


def test_gb18030_export_reads_back_the_same(demo, tmp_path):
    target = tmp_path / "contacts.csv"
    assert run(demo, "demo", "export", "contacts", "--encoding", "gb18030", "-o", str(target)).exit_code == 0
    raw = target.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really GB18030, Chinese and all
    _, utf8 = exported(demo, "demo", "contacts", "csv", tmp_path)
    assert list(csv.DictReader(io.StringIO(raw.decode("gb18030"), newline=""))) == utf8


def test_every_export_is_in_the_audit_trail(demo, tmp_path):
    login = reps(demo)[0]
    _, rows = exported(demo, login, "payments", "csv", tmp_path, "--since", "2026-06-01")
    entry = sql(demo, "SELECT actor_login, action, record_id, new_value, reason FROM audit_entry "
                      "WHERE table_name = 'export' ORDER BY id DESC LIMIT 1")[0]
    assert entry[:4] == (login, "export", "payments", str(len(rows)))
    assert json.loads(entry[4])["since"] == "2026-06-01" and json.loads(entry[4])["format"] == "csv"
    _, trail = exported(demo, login, "audit", "json", tmp_path)
    assert any(r["table"] == "export" and r["record_id"] == "payments" and r["actor"] == login for r in trail)
    other = reps(demo)[1]
    _, theirs = exported(demo, other, "audit", "json", tmp_path)
    assert not any(r["actor"] == login and r["table"] == "export" for r in theirs)  # a rep's own actions only


def test_mistakes_are_one_sentence(demo, tmp_path):
    html = run(demo, "demo", "export", "orders", "--format", "html")
    assert html.exit_code == 2 and "statement" in html.output.lower()
    tty_xlsx = run(demo, "demo", "export", "orders", "--format", "xlsx", "--output", str(tmp_path / "no" / "x.xlsx"))
    assert tty_xlsx.exit_code == 2 and "Traceback" not in tty_xlsx.output
    segment = run(demo, "demo", "export", "customers", "--segment", "EX")
    assert segment.exit_code == 2 and "EIV" in segment.output


def test_a_reps_targets_audit_and_approvals_hold_only_what_they_may_see(demo, tmp_path):
    login, other = reps(demo)[:2]
    own = {code for (code,) in sql(demo, "SELECT c.code FROM customer c JOIN rep r ON r.id = c.owner_id "
                                          "WHERE r.login = ?", login)}
    logins = {name for (name,) in sql(demo, "SELECT login FROM rep")}
    _, targets = exported(demo, login, "targets", "json", tmp_path)
    codes = {code for (code,) in sql(demo, "SELECT code FROM customer")}
    assert targets and any(r["who"] == login for r in targets)
    for r in targets:  # a rep's target is their own; a customer's, one of theirs; the team's and regions' all see
        assert (r["who"] == login) if r["who"] in logins else (r["who"] in own) if r["who"] in codes else True, r
    run(demo, other, "export", "balances", "--format", "csv")  # the other rep's own action, in the trail
    _, trail = exported(demo, login, "audit", "json", tmp_path)
    assert all(r["customer_code"] in own or (r["customer_code"] is None and r["actor"] == login) for r in trail)
    _, approvals = exported(demo, login, "approvals", "json", tmp_path)
    assert all(r["customer_code"] in own or r["requested_by"] == login for r in approvals)
    _, everything = exported(demo, "admin", "audit", "json", tmp_path)
    assert any(r["actor"] == other for r in everything) and not any(r["actor"] == other for r in trail)


def test_repayment_plans_are_the_open_orders_typed_and_through_the_access_rule(demo, tmp_path):
    open_orders = dict(sql(demo, 'SELECT o.order_no, o.open_cents FROM "order" o JOIN customer c ON c.id = o.customer_id'
                                 " WHERE o.open_cents > 0 AND c.deleted_at IS NULL"))
    _, plan = exported(demo, "demo", "repayment_plans", "xlsx", tmp_path)
    assert open_orders and {r["order_no"]: round(r["open_amount"] * 100) for r in plan} == open_orders
    first = plan[0]
    assert isinstance(first["due_date"], dt.datetime) and isinstance(first["open_amount"], (int, float))
    for r in plan:  # overdue items are planned today; the others on their due day
        due = r["due_date"].date()
        assert (r["status"] == "overdue") == (due < TODAY) and r["planned_on"].date() == max(due, TODAY)
        assert r["overdue_days"] == max((TODAY - due).days, 0)
    _, month = exported(demo, "demo", "repayment_plans", "json", tmp_path, "--until", "2026-11-30")
    assert {r["order_no"] for r in month} == {r["order_no"] for r in plan if r["due_date"].date() <= dt.date(2026, 11, 30)}


def test_the_market_export_equals_the_report_and_holds_only_a_reps_customers(demo, tmp_path):
    _, rows = exported(demo, "demo", "market", "json", tmp_path, "--by", "region,channel")
    report = run(demo, "demo", "report", "market", "--by", "region,channel", "--format", "json")
    assert json.loads(report.output) == rows
    (everyone,) = sql(demo, "SELECT COUNT(*) FROM customer WHERE deleted_at IS NULL")[0]
    assert sum(r["customers"] for r in rows) == everyone
    assert sum(Decimal(r["share_of_sales_percent"] or 0) for r in rows) == pytest.approx(100, abs=Decimal("0.1") * len(rows))
    login = reps(demo)[0]
    (own,) = sql(demo, "SELECT COUNT(*) FROM customer c JOIN rep r ON r.id = c.owner_id WHERE r.login = ?"
                       " AND c.deleted_at IS NULL", login)[0]
    _, mine = exported(demo, login, "market", "csv", tmp_path)
    assert sum(int(r["customers"]) for r in mine) == own
    wrong = run(demo, "demo", "export", "market", "--by", "colour")
    assert wrong.exit_code == 2 and "region" in wrong.output and "Traceback" not in wrong.output


def test_arrears_report_lists_whoever_owes_past_due(demo):
    result = run(demo, "demo", "report", "arrears", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    overdue = dict(sql(demo, 'SELECT c.code, SUM(o.open_cents) FROM "order" o JOIN customer c ON c.id = o.customer_id'
                             " WHERE o.open_cents > 0 AND o.due_date < ? AND c.deleted_at IS NULL GROUP BY c.code",
                       TODAY.isoformat()))
    assert overdue and {r["code"]: int(Decimal(r["overdue"]) * 100) for r in rows} == overdue
    assert [Decimal(r["overdue"]) for r in rows] == sorted((Decimal(r["overdue"]) for r in rows), reverse=True)
