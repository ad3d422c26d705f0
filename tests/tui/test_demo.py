"""`kacrm demo`: a realistic demo database that is reproducible and whose ledger is exactly what
posting its orders and payments one by one through `schema.ledger` gives."""
from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from kacrm_tui.demo import build_demo
from schema import ledger
from schema.alerts import refresh_alerts
from schema.check import run_checks
from schema.db import open_database
from schema.errors import ValidationError
from schema.migrate import upgrade
from schema.models import Customer, Rep
from schema.vocab import BUYING_ROLES, OPPORTUNITY_STAGES

TODAY = dt.date(2026, 11, 20)
CUSTOMERS = 60
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("demo") / "demo"
    summary = build_demo(directory, CUSTOMERS, seed=7, today=TODAY)
    assert summary.db_path == directory / "kacrm.db" and summary.counts["customer"] == CUSTOMERS
    return directory


def query(directory: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(directory / "kacrm.db") as conn:
        return conn.execute(sql, args).fetchall()


def one(directory: Path, sql: str, *args):
    return query(directory, sql, *args)[0][0]


def dump(directory: Path) -> str:
    """Every table, schema and row of the database, as SQL text."""
    with sqlite3.connect(directory / "kacrm.db") as conn:
        return "\n".join(conn.iterdump())


def test_a_small_demo_has_every_kind_of_record(demo_dir):
    assert one(demo_dir, "SELECT count(*) FROM customer") == CUSTOMERS
    codes = [code for (code,) in query(demo_dir, "SELECT code FROM customer ORDER BY id")]
    assert codes == [f"C{n:06d}" for n in range(1, CUSTOMERS + 1)]
    assert query(demo_dir, "SELECT role, region FROM rep WHERE login = 'demo'") == [("manager", "")]
    assert one(demo_dir, "SELECT role FROM rep WHERE login = 'admin'") == "admin"
    reps = query(demo_dir, "SELECT r.login, r.region, m.login FROM rep r JOIN rep m ON r.manager_id = m.id "
                           "WHERE r.role = 'rep'")
    assert len(reps) >= 6 and all(region and manager == "demo" for _, region, manager in reps)
    assert one(demo_dir, "SELECT count(*) FROM customer c JOIN rep r ON c.owner_id = r.id "
                         "WHERE r.role != 'rep' OR r.region != c.region") == 0
    roles = {role for (role,) in query(demo_dir, "SELECT DISTINCT buying_role FROM contact")}
    assert roles == set(BUYING_ROLES)
    assert one(demo_dir, "SELECT min(n) >= 2 AND max(n) <= 5 "
                         "FROM (SELECT count(*) n FROM contact GROUP BY customer_id)")
    statuses = dict(query(demo_dir, "SELECT status, count(*) FROM visit GROUP BY status"))
    assert statuses["done"] > statuses["planned"] > 0
    assert one(demo_dir, "SELECT count(*) FROM visit WHERE status = 'planned' AND at < ?", TODAY.isoformat()) == 0
    assert one(demo_dir, "SELECT count(*) FROM visit_contact") > 0
    stages = {stage for (stage,) in query(demo_dir, "SELECT DISTINCT stage FROM opportunity")}
    assert stages == set(OPPORTUNITY_STAGES)
    assert one(demo_dir, "SELECT count(*) FROM contract WHERE status = 'active' AND end_on BETWEEN ? AND ?",
               TODAY.isoformat(), (TODAY + dt.timedelta(days=60)).isoformat()) >= 1
    assert one(demo_dir, "SELECT count(*) FROM target WHERE parent_id IS NOT NULL") > 0
    assert one(demo_dir, "SELECT count(*) FROM target WHERE metric = 'collections'") > 0


def test_contacts_have_valid_birthdays_and_about_a_third_are_lunar(demo_dir):
    rows = query(demo_dir, "SELECT birthday_calendar, birth_year, birthday_month, birthday_day FROM contact")
    lunar = [row for row in rows if row[0] == "lunar"]
    assert 0.2 < len(lunar) / len(rows) < 0.45
    assert all(1 <= month <= 12 and 1 <= day <= 30 for _, _, month, day in lunar)
    assert all(day <= calendar.monthrange(year, month)[1] for kind, year, month, day in rows if kind == "solar")


def test_the_ledger_shows_overdue_over_limit_and_unapplied_customers(demo_dir):
    today = TODAY.isoformat()
    assert one(demo_dir, "SELECT count(DISTINCT customer_id) FROM \"order\" WHERE open_cents > 0 AND due_date < ?",
               today) >= 1
    assert one(demo_dir, "SELECT count(*) FROM \"order\" WHERE open_cents > 0 "
                         "AND julianday(?) - julianday(due_date) > 120", today) >= 1
    assert one(demo_dir, "SELECT count(*) FROM customer WHERE credit_limit_cents > 0 "
                         "AND balance_cents > credit_limit_cents") >= 1
    assert one(demo_dir, "SELECT count(*) FROM payment WHERE unapplied_cents > 0") >= 1
    assert one(demo_dir, "SELECT count(*) FROM \"order\" WHERE amount_cents < 0") >= 1  # returns
    assert one(demo_dir, "SELECT count(*) FROM payment WHERE order_no != ''") >= 1
    money = ("SELECT count(*) FROM \"order\" WHERE typeof(amount_cents) != 'integer' OR typeof(open_cents) != 'integer'"
             " UNION ALL SELECT count(*) FROM payment WHERE typeof(amount_cents) != 'integer'"
             " UNION ALL SELECT count(*) FROM posting WHERE typeof(amount_cents) != 'integer'")
    assert [n for (n,) in query(demo_dir, money)] == [0, 0, 0]


def test_balances_are_the_sum_of_postings_and_every_check_passes(demo_dir):
    wrong = query(demo_dir, "SELECT c.code FROM customer c LEFT JOIN posting e ON e.customer_id = c.id "
                            "GROUP BY c.id HAVING c.balance_cents != coalesce(sum(e.amount_cents), 0)")
    assert wrong == []
    assert one(demo_dir, "SELECT count(*) FROM customer c WHERE first_deal_date IS NOT (SELECT min(order_date) "
                         "FROM \"order\" o WHERE o.customer_id = c.id AND o.amount_cents > 0)") == 0
    db = open_database(str(demo_dir / "kacrm.db"))
    try:
        assert [(r.key, r.examples) for r in run_checks(db) if not r.ok] == []
        # the alerts are those the daemon's refresh would raise today: nothing to add or resolve
        counts = refresh_alerts(overdue_days=30, today=TODAY)
        assert (counts.raised, counts.resolved) == (0, 0)
    finally:
        db.close()


def _documents(directory: Path, ids: list[int]):
    marks = ",".join("?" * len(ids))
    orders = query(directory, f'SELECT id, customer_id, order_no, order_date, due_date, amount_cents, cost_cents '
                              f'FROM "order" WHERE customer_id IN ({marks})', *ids)
    payments = query(directory, f"SELECT id, customer_id, payment_ref, paid_on, amount_cents, method, order_no "
                                f"FROM payment WHERE customer_id IN ({marks})", *ids)
    # on one day, orders are posted before payments; otherwise in the order of their ids
    events = sorted([("order", row) for row in orders] + [("payment", row) for row in payments],
                    key=lambda event: (event[1][3], event[0] != "order", event[1][0]))
    return events


def _figures(directory_or_db, ids: list[int]) -> dict:
    """What the ledger holds for these customers, by code, order number and payment reference."""
    marks = ",".join("?" * len(ids))
    sql = {
        "balance": f"SELECT code, balance_cents, first_deal_date FROM customer WHERE id IN ({marks})",
        "open": f'SELECT order_no, open_cents FROM "order" WHERE customer_id IN ({marks})',
        "unapplied": f"SELECT payment_ref, unapplied_cents FROM payment WHERE customer_id IN ({marks})",
        "allocations": f"""SELECT coalesce(p.payment_ref, r.order_no), o.order_no, a.amount_cents
            FROM payment_allocation a JOIN "order" o ON a.order_id = o.id
            LEFT JOIN payment p ON a.payment_id = p.id LEFT JOIN "order" r ON a.credit_order_id = r.id
            WHERE o.customer_id IN ({marks})""",
        "ledger": f"""SELECT c.code, e.posted_on, e.kind, e.amount_cents FROM posting e
            JOIN customer c ON e.customer_id = c.id WHERE c.id IN ({marks})""",
    }
    if isinstance(directory_or_db, Path):
        return {key: sorted(map(str, query(directory_or_db, text, *ids))) for key, text in sql.items()}
    return {key: sorted(map(str, directory_or_db.execute_sql(text, ids).fetchall())) for key, text in sql.items()}


def test_replaying_orders_and_payments_through_the_ledger_gives_the_same_figures(demo_dir, tmp_path):
    trading = [cid for (cid,) in query(demo_dir, 'SELECT DISTINCT customer_id FROM "order" ORDER BY customer_id')]
    with_returns = [cid for (cid,) in query(demo_dir, 'SELECT DISTINCT customer_id FROM "order" '
                                                      'WHERE amount_cents < 0')]
    sample = sorted(set(trading[:8] + with_returns[:4] + trading[-4:]))  # the first ones show every way of paying
    marks = ",".join("?" * len(sample))
    customers = query(demo_dir, f"SELECT id, code, name, credit_days FROM customer WHERE id IN ({marks})", *sample)
    events = _documents(demo_dir, sample)
    expected = _figures(demo_dir, sample)
    assert len(events) > 100

    db = open_database(str(tmp_path / "replay.db"))
    try:
        upgrade(db)
        db.execute_sql("PRAGMA synchronous = OFF")  # a scratch database: speed over durability
        owner = Rep.create(login="replay", name="Replay")
        by_id = {cid: Customer.create(id=cid, code=code, name=name, credit_days=days, owner=owner)
                 for cid, code, name, days in customers}
        for kind, row in events:
            customer = by_id[row[1]]
            if kind == "order":
                _, _, number, day, due, amount, cost = row
                ledger.post_order(customer, order_no=number, order_date=dt.date.fromisoformat(day), amount_cents=amount,
                                  due_date=dt.date.fromisoformat(due), cost_cents=cost)
            else:
                _, _, ref, day, amount, method, named = row
                ledger.post_payment(customer, payment_ref=ref, paid_on=dt.date.fromisoformat(day), amount_cents=amount,
                                    method=method, order_no=named)
        replayed = _figures(db, sample)
    finally:
        db.close()
    for key in expected:
        assert replayed[key] == expected[key], key


def _build(directory: Path, seed: int) -> None:
    build_demo(directory, 30, seed=seed, today=TODAY)


def test_the_same_seed_and_day_give_the_same_database_and_another_seed_does_not(tmp_path):
    _build(tmp_path / "a", 11)
    # the second build runs in another process with another string-hash seed: no set order leaks in
    script = ("import datetime, pathlib, sys; from kacrm_tui.demo import build_demo; "
              "build_demo(pathlib.Path(sys.argv[1]), 30, seed=11, today=datetime.date(2026, 11, 20))")
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "b")], check=True, env=env, cwd=tmp_path)
    _build(tmp_path / "c", 12)
    assert dump(tmp_path / "a") == dump(tmp_path / "b")
    assert dump(tmp_path / "a") != dump(tmp_path / "c")
    for name in (f"orders_{TODAY:%Y%m%d}.csv", "订单_ERP导出.csv", f"payments_{TODAY:%Y%m%d}.jsonl"):
        assert (tmp_path / "a" / "inbox" / name).read_bytes() == (tmp_path / "b" / "inbox" / name).read_bytes()


def test_an_existing_demo_is_kept_unless_replaced(tmp_path):
    _build(tmp_path, 1)
    (tmp_path / "archive" / "2026").mkdir(parents=True)
    with pytest.raises(ValidationError, match="--replace"):
        _build(tmp_path, 2)
    build_demo(tmp_path, 5, seed=2, today=TODAY, replace=True)
    assert one(tmp_path, "SELECT count(*) FROM customer") == 5
    assert not (tmp_path / "archive" / "2026").exists()


def test_the_config_opens_the_demo_as_the_demo_manager(demo_dir):
    from kacrm_tui.cli import cli

    result = CliRunner().invoke(cli, ["--config", str(demo_dir / "config.toml"), "--user", "demo", "check"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_drop_files_hold_new_documents_of_known_customers(demo_dir):
    inbox = demo_dir / "inbox"
    assert (demo_dir / "archive").is_dir() and (demo_dir / "rejected").is_dir()
    codes = {code for (code,) in query(demo_dir, "SELECT code FROM customer")}
    known_orders = {no for (no,) in query(demo_dir, 'SELECT order_no FROM "order"')}
    known_refs = {ref for (ref,) in query(demo_dir, "SELECT payment_ref FROM payment")}

    english = list(csv.DictReader(io.StringIO((inbox / f"orders_{TODAY:%Y%m%d}.csv").read_text("utf-8"))))
    assert list(english[0]) == ["order_no", "customer_code", "order_date", "amount", "due_date"]

    raw = (inbox / "订单_ERP导出.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert b"\r\n" in raw
    chinese = list(csv.DictReader(io.StringIO(raw.decode("gb18030"), newline="")))
    assert list(chinese[0]) == ["订单号", "客户编码", "订单日期", "金额", "到期日"]
    assert any("," in row["金额"] for row in chinese)  # "1,250,000.00", quoted

    sheet = openpyxl.load_workbook(inbox / "payments_bank.xlsx").active
    header, *rows = list(sheet.iter_rows())
    assert [cell.value for cell in header] == ["流水号", "客户编码", "订单号", "到账日期", "金额", "方式"]
    assert all(row[3].is_date and row[3].value.date() == TODAY and row[4].data_type == "n" for row in rows)

    lines = [json.loads(line) for line in (inbox / f"payments_{TODAY:%Y%m%d}.jsonl").read_text("utf-8").splitlines()]
    assert all(isinstance(line["amount"], str) and line["amount"].count(".") == 1 for line in lines)

    orders = [row["order_no"] for row in english] + [row["订单号"] for row in chinese]
    refs = [row[0].value for row in rows] + [line["payment_ref"] for line in lines]
    customers = ([row["customer_code"] for row in english] + [row["客户编码"] for row in chinese]
                 + [row[1].value for row in rows] + [line["customer_code"] for line in lines])
    assert len(set(orders)) == len(orders) and not set(orders) & known_orders
    assert len(set(refs)) == len(refs) and not set(refs) & known_refs
    assert set(customers) <= codes
