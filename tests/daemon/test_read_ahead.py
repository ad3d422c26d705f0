"""A big order file is read in a worker process: it must end exactly as reading it here would."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from daemon import order_batches
from daemon.ingest import ingest_file
from schema.check import run_checks
from schema.config import load_config
from schema.models import Customer, Order, Posting, Rep

from tests.paths import SAMPLES


@pytest.fixture
def config(tmp_path):
    return load_config(None, cwd=tmp_path)


def _files(folder: Path) -> list[Path]:
    """A first file, then one with repeats (same and other content), a return, product details."""
    first = folder / "first.csv"
    first.write_text("订单号,客户编码,订单日期,金额\n" + "".join(
        f"SO-{n:05d},C100{1 + n % 3},2026-0{1 + n % 9}-1{n % 10},{1000 + n}.{n % 100:02d}\n" for n in range(3000)),
        encoding="gb18030")
    second = folder / "second.csv"
    second.write_text("order_no,customer_code,order_date,amount,sku,qty\n"
                      "SO-00001,C1002,2026-02-11,1001.01,,\n"  # the same line again: skipped
                      "SO-09001,C1001,2026-10-01,-500.00,,\n"  # a return
                      + "".join(f"SO-1{n:04d},C1003,2026-10-02,{n + 1}.00,SKU-{n},2\n" for n in range(2500)),
                      encoding="utf-8")
    clash = folder / "clash.csv"
    clash.write_text("order_no,customer_code,order_date,amount\n"
                     + "".join(f"SO-2{n:04d},C1001,2026-10-03,10.00\n" for n in range(2100))
                     + "SO-00002,C1003,2026-01-12,1.00\n"  # another file's number, other content
                     + "SO-20005,C1001,2026-10-03,99.00\n"  # this file's own number again, other content
                     + "SO-30000,C9999,2026-10-03,1.00\n"  # nobody's customer
                     + "SO-30001,C1001,2026-13-01,1.00\n", encoding="utf-8")  # no such month
    return [first, second, clash]


def _run(db, config, folder: Path) -> tuple[list, dict, list]:
    Rep.create(login="root", name="Root", role="admin")
    assert ingest_file(SAMPLES / "customers_master.csv", config).status == "applied"
    outcomes = [(o.status, o.rows_total, o.rows_applied, o.rows_skipped, o.errors)
                for o in (ingest_file(Path(os.path.relpath(path)), config) for path in _files(folder))]
    figures = {c.code: (c.balance_cents, c.first_deal_date) for c in Customer.select()}
    orders = sorted(Order.select(Order.order_no, Order.open_cents, Order.due_date).tuples())
    assert all(r.ok for r in run_checks(db)), [r for r in run_checks(db) if not r.ok]
    return outcomes, figures, orders


@pytest.mark.parametrize("worker_above", [0, 1 << 40], ids=["worker", "in-process"])
def test_a_file_ends_the_same_read_ahead_or_here(db, config, tmp_path, monkeypatch, worker_above):
    monkeypatch.setattr(order_batches, "WORKER_ABOVE_BYTES", worker_above)
    monkeypatch.chdir(tmp_path)  # a path as a person types it, relative
    outcomes, figures, orders = _run(db, config, tmp_path)
    assert [o[:4] for o in outcomes] == [("applied", 3000, 3000, 0), ("applied", 2502, 2501, 1),
                                         ("rejected", 2104, 0, 0)]
    errors = outcomes[2][4]  # in file order, the reader's and the database's alike
    assert [e.split(" 行")[0] for e in errors] == ["第 2102", "第 2103", "第 2104", "第 2105"], errors
    assert "SO-00002" in errors[0] and "SO-20005" in errors[1] and "C9999" in errors[2] and "2026-13-01" in errors[3]
    assert sum(p.amount_cents for p in Posting.select()) == sum(balance for balance, _ in figures.values())
    assert Order.select().count() == 3000 + 2501


def test_worker_and_here_agree_row_for_row(tmp_path, monkeypatch):
    """The same files through both ways into two databases: the same outcomes, balances and orders."""
    from schema.db import database, open_database
    from schema.migrate import upgrade
    results = []
    for name, worker_above in (("worker", 0), ("here", 1 << 40)):
        monkeypatch.setattr(order_batches, "WORKER_ABOVE_BYTES", worker_above)
        folder = tmp_path / name
        folder.mkdir()
        handle = open_database(str(folder / "k.db"))
        upgrade(handle)
        try:
            results.append(_run(handle, load_config(None, cwd=folder), folder))
        finally:
            database.close()
    assert results[0] == results[1]


@pytest.fixture
def workers(monkeypatch) -> list[subprocess.Popen]:
    """Every file is read in a worker, and each worker started is recorded here."""
    monkeypatch.setattr(order_batches, "WORKER_ABOVE_BYTES", 0)
    started = []

    class Recorded(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)
    monkeypatch.setattr(order_batches.subprocess, "Popen", Recorded)
    return started


def test_a_worker_that_dies_fails_the_file_and_changes_nothing(db, config, tmp_path, monkeypatch, workers):
    """If the reader is killed half way, the file is not applied (the daemon retries it later)."""
    Rep.create(login="root", name="Root", role="admin")
    ingest_file(SAMPLES / "customers_master.csv", config)
    real = order_batches.batches

    def killing(*args):
        for batch in real(*args):
            workers[-1].kill()  # the order file's reader (the master's, started early, is done)
            yield batch
    monkeypatch.setattr("daemon.apply.batches", killing)
    path = tmp_path / "big.csv"
    path.write_text("order_no,customer_code,order_date,amount\n"
                    + "".join(f"SO-{n:06d},C1001,2026-10-03,10.00\n" for n in range(40_000)), encoding="utf-8")
    with pytest.raises(RuntimeError, match="stopped"):
        ingest_file(path, config)
    assert Order.select().count() == 0 and path.exists()
    assert workers[-1].poll() is not None


def test_the_reader_starts_with_the_file_and_ends_when_nobody_needs_it(db, config, tmp_path, workers):
    """A big file's reader starts before the file is hashed and opened, and is the one that reads
    it; for a file that needs none (a duplicate, another kind) it ends quietly all the same."""
    Rep.create(login="root", name="Root", role="admin")
    assert ingest_file(SAMPLES / "customers_master.csv", config).status == "applied"
    assert len(workers) == 1 and workers[0].wait(5) == 0  # started early, never used
    first = _files(tmp_path)[0]
    assert ingest_file(first, config).rows_applied == 3000
    assert len(workers) == 2 and workers[1].wait(5) == 0  # one reader for the order file: the early one
    assert ingest_file(first, config).status == "duplicate"
    assert len(workers) == 3 and workers[2].wait(5) == 0
    assert order_batches._spare is None
