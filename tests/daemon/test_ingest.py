"""The ingest function: exactly once, all or nothing, every bad line named, money to the cent."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from daemon.ingest import Destinations, ingest_file
from schema.audit import history
from schema.check import run_checks
from schema.config import load_config
from schema.models import Alert, AuditEntry, Customer, IngestedFile, Order, Payment, Posting, Rep

from tests.paths import SAMPLES


@pytest.fixture
def config(tmp_path):
    return load_config(None, cwd=tmp_path)


@pytest.fixture
def admin(db):
    return Rep.create(login="root", name="Root", role="admin")


def dump(db) -> dict:
    """Every row of every data table: to show that a rejected file changed nothing."""
    tables = [t for t in db.get_tables() if t not in ("ingested_file", "schema_migration")]
    return {t: db.execute_sql(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def balances() -> dict[str, int]:
    return {c.code: c.balance_cents for c in Customer.select()}


def ingest_samples(config):
    return [ingest_file(SAMPLES / name, config) for name in
            ("customers_master.csv", "orders_erp_gb18030.csv", "payments_bank.xlsx", "payments.jsonl")]


def test_the_shared_samples_end_as_expected(db, admin, config):
    outcomes = ingest_samples(config)
    assert [o.status for o in outcomes] == ["applied"] * 4
    assert [o.kind for o in outcomes] == ["customers", "orders", "payments", "payments"]
    assert balances() == {"C1001": 500_000_00, "C1002": 0, "C1003": -82_000_00}
    # C1002's payment names its order; C1003 overpaid and keeps the rest as credit
    assert Order.get(Order.order_no == "XS-2026-0002").open_cents == 0
    assert Payment.get(Payment.payment_ref == "BK20261030003").unapplied_cents == 82_000_00
    assert Order.get(Order.order_no == "XS-2026-0004").amount_cents == -50_000_00  # a return
    assert Order.get(Order.order_no == "XS-2026-0001").cost_cents == 1_100_000_00
    assert all(r.ok for r in run_checks(db))


def test_the_same_file_again_is_a_recorded_duplicate(db, admin, config, tmp_path):
    ingest_samples(config)
    before = dump(db)
    copy = tmp_path / "again.csv"
    shutil.copy(SAMPLES / "orders_erp_gb18030.csv", copy)
    outcome = ingest_file(copy, config)
    assert (outcome.status, outcome.duplicate_of) == ("duplicate", "orders_erp_gb18030.csv")
    assert dump(db) == before
    assert IngestedFile.select().where(IngestedFile.status == "duplicate").count() == 1


def test_a_bad_file_is_rejected_whole_with_every_bad_line(db, admin, config):
    ingest_samples(config)
    before = dump(db)
    outcome = ingest_file(SAMPLES / "orders_bad.csv", config)
    assert outcome.status == "rejected"
    report = "\n".join(outcome.errors)
    for line, value in (("2", "2026-11-31"), ("3", "C9999"), ("4", "1.005"), ("5", "order_no")):
        assert any(f"第 {line} 行" in e and value in e for e in outcome.errors), report
    assert dump(db) == before
    row = IngestedFile.get(IngestedFile.status == "rejected")
    assert row.error_count == 4 and "C9999" in row.errors


def test_the_error_report_speaks_english_when_configured(db, admin, tmp_path):
    (tmp_path / "config.toml").write_text('[ui]\nlanguage = "en"\n')
    config = load_config(tmp_path / "config.toml")
    ingest_file(SAMPLES / "customers_master.csv", config)
    outcome = ingest_file(SAMPLES / "orders_bad.csv", config)
    assert any(e.startswith("line 3") and "C9999" in e and "unknown customer" in e for e in outcome.errors)


def test_excel_gb18030_with_chinese_headers_and_crlf(db, admin, config, tmp_path):
    ingest_file(SAMPLES / "customers_master.csv", config)
    path = write(tmp_path, "订单.csv", '订单号,客户编码,订单日期,金额,到期日\n'
                                        'A-1,C1001,2026/11/02,"1,234.56",2026-12-02\n'
                                        'A-2,C1002,20261103,"￥86,400.50",\n', encoding="gb18030")
    outcome = ingest_file(path, config)
    assert (outcome.status, outcome.rows_applied) == ("applied", 2), outcome.errors
    order = Order.get(Order.order_no == "A-2")
    assert order.amount_cents == 86_400_50
    assert order.due_date == dt.date(2026, 11, 3) + dt.timedelta(days=30)  # credit days of C1002
    assert Order.get(Order.order_no == "A-1").due_date == dt.date(2026, 12, 2)


def test_a_repeated_line_is_skipped_and_a_clash_names_the_earlier_file(db, admin, config, tmp_path):
    ingest_samples(config)
    # the same order as the ERP's GB18030 file sent it, written another way: the same content
    same = write(tmp_path, "resend.csv", "order_no,customer_code,order_date,amount,cost\n"
                                         "XS-2026-0002,C1002,2026/10/09,86400.5,70000\n"
                                         "N-1,C1002,2026-11-01,100.00,\n"
                                         "N-1,C1002,2026-11-01,100.00,\n")
    outcome = ingest_file(same, config)
    assert (outcome.status, outcome.rows_applied, outcome.rows_skipped) == ("applied", 1, 2), outcome.errors
    before = dump(db)
    clash = write(tmp_path, "clash.csv", "order_no,customer_code,order_date,amount\n"
                                         "XS-2026-0002,C1002,2026-10-09,86400.51\n"
                                         "N-2,C1002,2026-11-01,1.00\n"
                                         "N-2,C1002,2026-11-01,2.00\n")
    outcome = ingest_file(clash, config)
    assert outcome.status == "rejected"
    assert any("orders_erp_gb18030.csv" in e and "XS-2026-0002" in e for e in outcome.errors), outcome.errors
    assert any("N-2" in e and "第 3 行" in e for e in outcome.errors), outcome.errors  # names the earlier line
    assert dump(db) == before


def test_payment_references_are_unique_too(db, admin, config, tmp_path):
    ingest_samples(config)
    path = write(tmp_path, "p.jsonl", json.dumps({"payment_ref": "WX-0001", "customer_code": "C1001",
                                                   "paid_on": "2026-11-02", "amount": "100000.01"}) + "\n")
    outcome = ingest_file(path, config)
    assert outcome.status == "rejected" and any("payments.jsonl" in e for e in outcome.errors)


def test_overpayment_is_credit_used_by_the_next_order(db, admin, config, tmp_path):
    ingest_samples(config)
    path = write(tmp_path, "o.csv", "order_no,customer_code,order_date,amount\nB-1,C1003,2026-11-05,30000\n")
    ingest_file(path, config)
    assert Order.get(Order.order_no == "B-1").open_cents == 0
    assert Payment.get(Payment.payment_ref == "BK20261030003").unapplied_cents == 52_000_00
    assert balances()["C1003"] == -52_000_00
    assert all(r.ok for r in run_checks(db))


def test_the_customer_master_creates_and_updates_with_audit(db, admin, config, tmp_path):
    Rep.create(login="zhangwei", name="张伟")
    ingest_file(SAMPLES / "customers_master.csv", config)
    assert Customer.get(Customer.code == "C1001").owner.login == "root"  # no owner given: the first admin
    assert Customer.get(Customer.code == "C1001").credit_limit_cents == 2_000_000_00
    path = write(tmp_path, "m.csv", "客户编码,客户名称,客户经理,信用额度,等级\n"
                                    "C1001,,zhangwei,2500000,A\n"
                                    "C2001,青岛海纳化工有限公司,zhangwei,,B\n")
    outcome = ingest_file(path, config)
    assert outcome.status == "applied", outcome.errors
    c1001, c2001 = Customer.get(Customer.code == "C1001"), Customer.get(Customer.code == "C2001")
    assert (c1001.name, c1001.owner.login, c1001.credit_limit_cents, c1001.grade, c1001.version) == \
        ("华北石化销售有限公司", "zhangwei", 2_500_000_00, "A", 2)
    assert (c2001.name_initials, c2001.grade) == ("qdhnhgyxgs", "B")
    changes = {e.field: (e.old_value, e.new_value, e.actor_login, e.reason) for e in history("customer", c1001.id)}
    assert changes["credit_limit_cents"] == ("2000000.00", "2500000.00", "daemon", "m.csv")
    assert AuditEntry.select().where((AuditEntry.action == "create") & (AuditEntry.reason == "m.csv")).count() == 1


def test_the_customer_master_rejects_unknown_owners_and_nameless_new_codes(db, admin, config, tmp_path):
    path = write(tmp_path, "m.csv", "code,name,owner\nC1,甲公司,ghost\nC2,,root\n")
    outcome = ingest_file(path, config)
    assert outcome.status == "rejected"
    assert any("ghost" in e for e in outcome.errors) and any("第 3 行" in e for e in outcome.errors)
    assert Customer.select().count() == 0


def test_alerts_for_credit_limit_and_long_overdue_orders(db, admin, config, tmp_path, monkeypatch):
    monkeypatch.setenv("KACRM_NOW", "2026-11-23T08:00:00+00:00")
    ingest_samples(config)
    # C1001: 500,000 open, limit 2,000,000, due 2026-11-22: not yet 30 days overdue
    assert Alert.select().count() == 0
    path = write(tmp_path, "big.csv", "order_no,customer_code,order_date,amount,due_date\n"
                                      "Z-1,C1001,2026-06-01,1600000,2026-07-01\n")
    ingest_file(path, config)
    kinds = sorted(a.kind for a in Alert.select().where(Alert.resolved_at.is_null()))
    assert kinds == ["credit_limit", "overdue"]
    overdue = Alert.get(Alert.kind == "overdue")
    assert overdue.order.order_no == "Z-1" and overdue.amount_cents == 1_600_000_00
    # paying it off resolves both
    pay = write(tmp_path, "pay.csv", "payment_ref,customer_code,paid_on,amount,order_no\n"
                                     "Q-1,C1001,2026-11-20,2100000,Z-1\n")
    ingest_file(pay, config)
    assert Alert.select().where(Alert.resolved_at.is_null()).count() == 0


def test_daemon_destinations_archive_and_rejected(db, admin, config, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    dest = Destinations(tmp_path / "archive", tmp_path / "rejected")
    for name in ("customers_master.csv", "orders_bad.csv"):
        shutil.copy(SAMPLES / name, inbox / name)
    applied = ingest_file(inbox / "customers_master.csv", config, destinations=dest)
    rejected = ingest_file(inbox / "orders_bad.csv", config, destinations=dest)
    assert applied.moved_to.is_file() and applied.moved_to.parent.parent.parent == dest.archive
    assert rejected.moved_to == dest.rejected / "orders_bad.csv"
    report = (dest.rejected / "orders_bad.csv.errors.txt").read_text(encoding="utf-8")
    assert "C9999" in report and "2026-11-31" in report
    assert list(inbox.iterdir()) == []
    # the same name again never overwrites what is in archive/
    shutil.copy(SAMPLES / "customers_master.csv", inbox / "customers_master.csv")
    again = ingest_file(inbox / "customers_master.csv", config, destinations=dest)
    assert again.status == "duplicate" and again.moved_to != applied.moved_to
    assert again.moved_to.name == "customers_master-1.csv" and applied.moved_to.is_file()


def test_a_crash_between_commit_and_move_is_finished_without_applying_again(db, admin, config, tmp_path, monkeypatch):
    import daemon.ingest as ingest_module

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLES / "customers_master.csv", inbox / "m.csv")
    dest = Destinations(tmp_path / "archive", tmp_path / "rejected")

    def power_cut(source, target):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(ingest_module, "move_file", power_cut)
    with pytest.raises(KeyboardInterrupt):
        ingest_file(inbox / "m.csv", config, destinations=dest)
    monkeypatch.undo()
    assert Customer.select().count() == 3 and (inbox / "m.csv").exists()
    outcome = ingest_file(inbox / "m.csv", config, destinations=dest)
    assert outcome.status == "applied" and outcome.moved_to.is_file() and not (inbox / "m.csv").exists()
    assert IngestedFile.select().count() == 1  # no duplicate recorded for the leftover
    assert Customer.select().count() == 3 and Posting.select().count() == 0
