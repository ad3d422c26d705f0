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
from schema.content import plain_order_hash
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
    stored = list(Order.select(Order.order_no, Order.customer, Order.order_date, Order.due_date, Order.amount_cents,
                               Order.open_cents, Order.cost_cents, Order.content_hash, Order.source_line, Customer.code)
                  .join(Customer).order_by(Order.id).tuples())
    # a plain line is stored without its hash: the one made from its columns is what counts
    orders = [(*row[:7], row[7] or plain_order_hash(row[0], row[9], row[2], row[4]), row[8]) for row in stored]
    plain = [row[0] for row in stored if not row[7]]
    lines = list(OrderLine.select(OrderLine.sku, OrderLine.amount_cents).tuples())
    balances = dict(Customer.select(Customer.code, Customer.balance_cents).tuples())
    return (outcomes, orders, lines, balances), plain


def test_the_lean_reading_gives_what_the_general_rule_gives(tmp_path, monkeypatch):
    results, plain = [], []
    for name, lean in (("lean", order_batches._lean_positions), ("general", lambda table: None)):
        monkeypatch.setattr(order_batches, "_lean_positions", lean)
        handle, _ = _site(tmp_path / name)
        try:
            result, stored_plain = _ingest_both(tmp_path / name)
            results.append(result)
            plain.append(stored_plain)
            assert all(r.ok for r in run_checks(handle))
        finally:
            database.close()
    assert results[0] == results[1]
    assert plain == [["SO-1", "SO-2", "SO-8"], []]  # the lean lines, stored without their hash
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


# -- a block of plain lines, read a column at a time ------------------------------------------------

def _mixed_orders(count: int, *, unknown_at: int | None = None, bad_date_at: int | None = None) -> str:
    """Order lines in every dress the lean reading takes, in runs: plain two-decimal amounts, whole
    and one-decimal ones, returns, other date forms, padded cells, a quoted amount, repeats."""
    lines = []
    for n in range(count):
        code = ("C1001", "C1002", "C1003")[n % 3]
        day = f"2026-{1 + n % 9:02d}-{1 + n % 27:02d}"
        amount = f"{n * 7 % 100000}.{n % 100:02d}"
        run = n // 150 % 6
        if run == 1:
            amount = str(n) if n % 2 else f"{n}.5"  # Excel drops trailing zeros
        elif run == 2:
            day = day.replace("-", "/") if n % 2 else day.replace("-", "")
        elif run == 3 and n % 10 == 0:
            amount = f"-{n % 50}.25"  # a return
        elif run == 4 and n % 25 == 0:
            code = f" {code} "
        elif run == 5 and n % 40 == 0:
            amount = f'"{n * 1000:,}.00"'
        lines.append(f"SO-{n:05d},{code},{day},{amount}")
    lines[count // 2] = lines[count // 3]  # the same line again: skipped
    if unknown_at is not None:
        lines[unknown_at] = f"SO-{unknown_at:05d},C9999,2026-03-01,1.00"
    if bad_date_at is not None:
        lines[bad_date_at] = f"SO-{bad_date_at:05d},C1001,2026-02-30,1.00"
    return "order_no,customer_code,order_date,amount\r\n" + "\r\n".join(lines) + "\r\n"


def _state() -> tuple:
    orders = list(Order.select(Order.order_no, Customer.code, Order.order_date, Order.due_date, Order.amount_cents,
                               Order.open_cents, Order.content_hash, Order.source_line)
                  .join(Customer).order_by(Order.id).tuples())
    resolved = [(*row[:6], row[6] or plain_order_hash(row[0], row[1], row[2], row[4]), row[7]) for row in orders]
    customers = list(Customer.select(Customer.code, Customer.balance_cents, Customer.first_deal_date).tuples())
    return resolved, customers


@pytest.mark.parametrize("terms", ["mixed", "alike"])
def test_plain_blocks_read_a_column_at_a_time_end_as_read_line_by_line(tmp_path, monkeypatch, terms):
    """The same files, with the column-wise reading of plain blocks and without it: the same
    outcomes, orders (hashes made where stored empty), balances and first deal dates. Most blocks
    are taken whole; a block with an odd line goes line by line."""
    from daemon import formats
    monkeypatch.setattr(formats, "BLOCK_BYTES", 3000)
    taken = []
    real = order_batches._Columns.batch

    def spy(self, block):
        batch = real(self, block)
        taken.append(batch is not None)
        return batch

    results = []
    for name, batch in (("columns", spy), ("lines", lambda self, block: None)):
        monkeypatch.setattr(order_batches._Columns, "batch", batch)
        handle, config = _site(tmp_path / name)
        try:
            if terms == "alike":
                Customer.update(credit_days=30).execute()
            outcomes = []
            for file_name, text in (("good.csv", _mixed_orders(3000)),
                                    ("bad.csv", _mixed_orders(1200, unknown_at=700, bad_date_at=1100))):
                path = tmp_path / name / file_name
                path.write_text(text, encoding="utf-8")
                outcome = ingest_file(path, config)
                outcomes.append((outcome.status, outcome.rows_total, outcome.rows_applied, outcome.rows_skipped,
                                 outcome.errors))
            results.append((outcomes, *_state()))
            assert all(r.ok for r in run_checks(handle))
        finally:
            database.close()
    assert results[0] == results[1]
    outcomes = results[0][0]
    assert outcomes[0][:4] == ("applied", 3000, 2999, 1), outcomes[0][4][:5]
    assert outcomes[1][0] == "rejected" and [e.split(":")[0] for e in outcomes[1][4]] == [
        "第 702 行 列 customer_code", "第 1102 行 列 order_date"]
    assert taken.count(True) > 20 and taken.count(False) == 2  # the blocks with an unknown customer, a bad date


def test_a_line_read_plain_is_known_again_in_any_dress_and_after_a_merge(tmp_path):
    """A plain line is stored without its hash: the same order sent again as JSON Lines is still a
    repeat, a changed one a clash naming the first file; and after its customer is merged into
    another, the same lines in another file are still repeats."""
    from schema.merge import merge_customers
    handle, config = _site(tmp_path / "site")
    try:
        first = tmp_path / "first.csv"
        first.write_text("order_no,customer_code,order_date,amount\nSO-1,C1001,2026-03-01,100.50\n"
                         "SO-2,C1002,2026-03-02,-20.00\n", encoding="utf-8")
        assert ingest_file(first, config).rows_applied == 2
        assert [o.content_hash for o in Order.select()] == ["", ""]
        again = tmp_path / "again.jsonl"
        again.write_text('{"订单号": "SO-1", "客户编码": "C1001", "订单日期": "2026/03/01", "金额": "¥100.5"}\n',
                         encoding="utf-8")
        outcome = ingest_file(again, config)
        assert (outcome.status, outcome.rows_applied, outcome.rows_skipped) == ("applied", 0, 1)
        changed = tmp_path / "changed.jsonl"
        changed.write_text('{"订单号": "SO-2", "客户编码": "C1002", "订单日期": "2026-03-02", "金额": "-20.01"}\n',
                           encoding="utf-8")
        outcome = ingest_file(changed, config)
        assert outcome.status == "rejected" and "first.csv" in outcome.errors[0], outcome.errors
        merge_customers("C1001", "C1003", actor=Rep.get(Rep.login == "root"))
        moved = Order.get(Order.order_no == "SO-1")
        assert moved.customer.code == "C1003" and moved.content_hash  # kept before the move
        resent = tmp_path / "resent.csv"
        resent.write_text("order_no,customer_code,order_date,amount\r\nSO-1,C1001,2026-03-01,100.50\r\n",
                          encoding="utf-8")
        outcome = ingest_file(resent, config)
        assert (outcome.status, outcome.rows_applied, outcome.rows_skipped) == ("applied", 0, 1), outcome.errors
        assert all(r.ok for r in run_checks(handle))
    finally:
        database.close()
