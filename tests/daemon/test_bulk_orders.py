"""The fast ways of a big order file end exactly as the plain ones: the lean reading of plain CSV
lines (against `validate`'s own rule, hash included) and the order table's indexes built after
the rows (against inserting with them in place)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from daemon import apply, order_batches
from daemon.ingest import ingest_file
from schema.check import run_checks
from schema.config import load_config
from schema.db import database, open_database
from schema.migrate import upgrade
from schema.models import Customer, Order, OrderLine, Rep

from tests.paths import SAMPLES

# C1001 has 45 credit days, C1002 30, C1003 60 (tests/samples/customers_master.csv)
GOOD = ("order_no,customer_code,order_date,amount,sku,cost\n"
        "SO-1,C1001,2026-03-01,100.50,,\n"              # plain: the lean path
        " SO-2 , C1002 ,2026/03/02,-20.5,,\n"          # padded cells, another date form: still lean
        'SO-3,C1001,20260303,"1,234.00",,\n'            # thousands separator: the general rule
        "SO-4,C1003,2026-03-04,0.00,SKU-9,\n"           # a product detail
        "SO-5,C1001,2026-03-05,12,,  \n"                # a blank cost
        "SO-6,C1002,2026-03-06,¥30.00,,\n"              # a currency sign
        "SO-7,C1001,2026-03-07,5.5,,3.25\n"             # a cost
        "SO-8,C1002,2026-03-02,-0.00,,\n"               # minus nothing
        "SO-1,C1001,2026-03-01,100.5,,\n")              # the first line again, written otherwise: skipped
BAD = ("order_no,customer_code,order_date,amount\n"
       "SO-20,C1001,2026-03-01,1.00\n"
       "SO-21,C1001\n"                                   # a short line
       "SO-22,C1001,2026-02-30,1.00\n"                   # no such day
       "SO-23,C1001,2026-03-01,1.234\n"                  # three decimals
       ",C1001,2026-03-01,1.00\n"                        # no order number
       "SO-24,C9999,2026-03-01,1.00\n"                   # nobody's customer
       f"{'X' * 65},C1001,2026-03-01,1.00\n"             # too long an order number
       "SO-25,C1001,2026-03-01,-\n"                      # a sign alone
       "SO-26,C1001,2026-03-01,１２.00\n")               # full-width digits: fine, the general rule


def _site(folder: Path):
    folder.mkdir()
    handle = open_database(str(folder / "k.db"))
    upgrade(handle)
    Rep.create(login="root", name="Root", role="admin")
    config = load_config(None, cwd=folder)
    assert ingest_file(SAMPLES / "customers_master.csv", config).status == "applied"
    return handle, config


def _ingest_both(tmp_path: Path) -> tuple:
    outcomes = []
    for name, text in (("good.csv", GOOD), ("bad.csv", BAD)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        outcome = ingest_file(path, load_config(None, cwd=tmp_path))
        outcomes.append((outcome.status, outcome.rows_total, outcome.rows_applied, outcome.rows_skipped,
                         outcome.errors))
    orders = list(Order.select(Order.order_no, Order.customer, Order.order_date, Order.due_date, Order.amount_cents,
                               Order.open_cents, Order.cost_cents, Order.content_hash, Order.source_line)
                  .order_by(Order.id).tuples())
    lines = list(OrderLine.select(OrderLine.sku, OrderLine.amount_cents).tuples())
    balances = dict(Customer.select(Customer.code, Customer.balance_cents).tuples())
    return outcomes, orders, lines, balances


def test_the_lean_reading_gives_what_the_general_rule_gives(tmp_path, monkeypatch):
    results = []
    for name, lean in (("lean", order_batches._lean_positions), ("general", lambda table: None)):
        monkeypatch.setattr(order_batches, "_lean_positions", lean)
        handle, _ = _site(tmp_path / name)
        try:
            results.append(_ingest_both(tmp_path / name))
            assert all(r.ok for r in run_checks(handle))
        finally:
            database.close()
    assert results[0] == results[1]
    outcomes, orders, lines, balances = results[0]
    assert outcomes[0][:4] == ("applied", 9, 8, 1)
    assert outcomes[1][:3] == ("rejected", 9, 0)
    assert [e.split(":")[0] for e in outcomes[1][4]] == [
        "第 3 行 列 order_date", "第 3 行 列 amount", "第 4 行 列 order_date", "第 5 行 列 amount",
        "第 6 行 列 order_no", "第 7 行 列 customer_code", "第 8 行 列 order_no", "第 9 行 列 amount"], outcomes[1][4]
    # by hand: C1001 100.50 + 1,234.00 + 12 + 5.5; C1002 -20.5 + 30.00 - 0.00; C1003 0.00
    assert (balances["C1001"], balances["C1002"], balances["C1003"]) == (135200, 950, 0)
    first = orders[0]
    assert first[0] == "SO-1" and first[2:7] == (dt.date(2026, 3, 1), dt.date(2026, 4, 15), 10050, 10050, None)
    assert orders[1][0] == "SO-2" and orders[1][3] == dt.date(2026, 4, 1)  # 30 days after 2026-03-02
    assert orders[6][6] == 325 and lines == [("SKU-9", 0)]


def _fifo_plan() -> str:
    rows = database.execute_sql('EXPLAIN QUERY PLAN SELECT id FROM "order" WHERE customer_id = 1 AND open_cents > 0'
                                " ORDER BY due_date, id").fetchall()
    return " ".join(str(row[-1]) for row in rows)


def _indexes() -> list[tuple]:
    return database.execute_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'order'"
                                " ORDER BY name").fetchall()


@pytest.mark.parametrize("bulk", [True, False], ids=["indexes-after", "indexes-kept"])
def test_a_big_file_into_a_small_table_keeps_its_indexes_and_statistics(tmp_path, monkeypatch, bulk):
    monkeypatch.setattr(apply, "BULK_ABOVE_ROWS", 1 if bulk else 1 << 40)
    monkeypatch.setattr(apply, "BULK_LINE_BYTES", 1)  # every file counts as a big one
    handle, config = _site(tmp_path / "site")
    try:
        database.execute_sql("ANALYZE")
        stat = ("order", "order_customer_id_due_date_open_cents", "1000 50 2 1")
        database.execute_sql("DELETE FROM sqlite_stat1 WHERE idx = ?", (stat[1],))
        database.execute_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", stat)
        before = _indexes()
        assert "order_customer_id_due_date_open_cents" in _fifo_plan()
        bad = tmp_path / "bad.csv"
        bad.write_text("order_no,customer_code,order_date,amount\nSO-1,C1001,2026-03-01,1.00\n"
                       "SO-2,C1001,2026-03-01,x\n", encoding="utf-8")
        assert ingest_file(bad, config).status == "rejected"
        assert _indexes() == before and Order.select().count() == 0
        good = tmp_path / "good.csv"
        good.write_text("order_no,customer_code,order_date,amount\nSO-1,C1001,2026-03-01,1.00\n"
                        "SO-2,C1001,2026-03-01,-0.25\nSO-3,C1002,2026-03-09,7.00\n", encoding="utf-8")
        assert ingest_file(good, config).status == "applied"
        assert _indexes() == before
        assert database.execute_sql("SELECT tbl, idx, stat FROM sqlite_stat1 WHERE idx = ?",
                                    (stat[1],)).fetchall() == [stat]
        assert "order_customer_id_due_date_open_cents" in _fifo_plan()
        # the return paid the order before it: 1.00 - 0.25 open, the return used up
        assert list(Order.select(Order.order_no, Order.open_cents).order_by(Order.id).tuples()) == [
            ("SO-1", 75), ("SO-2", 0), ("SO-3", 700)]
        assert Customer.get(Customer.code == "C1001").balance_cents == 75
        assert all(r.ok for r in run_checks(handle))
    finally:
        database.close()
