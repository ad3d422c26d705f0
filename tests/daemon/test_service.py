"""The daemon as the office runs it: the real `kacrm daemon` process watching a real inbox, and
run_daemon in-process where a test needs to make ingest fail."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import signal
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from daemon import service
from daemon.lock import DaemonAlreadyRunning, acquire_lock
from daemon.service import run_daemon
from schema.config import load_config
from schema.db import open_database
from schema.models import Customer, DaemonHeartbeat, IngestedFile, Order
from tests.daemon.conftest import SAMPLE_ORDER, customers_csv, orders_csv, wait_for

JOURNAL_LINE = re.compile(r"<[2-7]>kacrm-daemon: ")


def age(path: Path, minutes: float) -> None:
    """Make a file look written `minutes` ago."""
    when = time.time() - minutes * 60
    os.utime(path, (when, when))


def test_once_drains_the_inbox_and_a_file_dropped_again_changes_nothing(make_site, samples):
    site = make_site()
    site.inbox.mkdir()
    for n, name in enumerate(SAMPLE_ORDER):
        shutil.copyfile(samples / name, site.inbox / name)
        age(site.inbox / name, 10 - n)  # oldest first: customers, orders, payments, bad orders

    done = site.kacrm("daemon", "--once")

    assert done.returncode == 0, done.stderr
    assert site.inbox_names() == []
    for name in SAMPLE_ORDER[:4]:
        [archived] = site.archived(name)
        assert re.fullmatch(r"\d{4}/\d{2}", archived.parent.relative_to(site.archive).as_posix())
        assert archived.read_bytes() == (samples / name).read_bytes()
    assert sorted(p.name for p in site.rejected.iterdir()) == ["orders_bad.csv", "orders_bad.csv.errors.txt"]
    assert "C9999" in (site.rejected / "orders_bad.csv.errors.txt").read_text(encoding="utf-8")
    expected = {"C1001": 50_000_000, "C1002": 0, "C1003": -8_200_000}
    assert site.balances() == expected
    assert site.files() == [(name, "applied") for name in SAMPLE_ORDER[:4]] + [("orders_bad.csv", "rejected")]
    beat = site.heartbeat()
    assert (beat.state, beat.applied_today, beat.duplicate_today, beat.rejected_today) == ("stopped", 4, 0, 1)
    lines = done.stderr.splitlines()
    assert lines and all(JOURNAL_LINE.match(line) for line in lines), done.stderr
    assert any(line.startswith("<4>") and "orders_bad.csv" in line for line in lines)

    # the same bytes again: a recorded duplicate, archived beside the first copy, nothing applied
    shutil.copyfile(samples / "customers_master.csv", site.inbox / "customers_master.csv")
    # another file of an archived name, other content: applied, and the first copy is kept as it was
    extra = '{"payment_ref": "WX-9001", "customer_code": "C1003", "paid_on": "2026-11-20", "amount": "1000.00"}\n'
    site.drop("payments.jsonl", extra)
    done = site.kacrm("daemon", "--once")

    assert done.returncode == 0, done.stderr
    assert site.inbox_names() == []
    copies = site.archived("customers_master*.csv")
    assert [p.name for p in copies] == ["customers_master-1.csv", "customers_master.csv"]
    assert all(p.read_bytes() == (samples / "customers_master.csv").read_bytes() for p in copies)
    payments = {p.name: p.read_bytes() for p in site.archived("payments*.jsonl")}
    assert payments == {"payments.jsonl": (samples / "payments.jsonl").read_bytes(),
                        "payments-1.jsonl": extra.encode()}
    assert site.files()[-2:] == [("customers_master.csv", "duplicate"), ("payments.jsonl", "applied")]
    assert site.balances() == {**expected, "C1003": -8_300_000}


def test_after_a_quarter_ends_the_daemon_classifies_the_customers_once(make_site, samples, monkeypatch):
    site = make_site()
    site.inbox.mkdir()
    for n, name in enumerate(SAMPLE_ORDER[:2]):  # customers, then the orders of 2026-10
        shutil.copyfile(samples / name, site.inbox / name)
        age(site.inbox / name, 10 - n)
    monkeypatch.setenv("KACRM_NOW", "2027-01-03T09:00:00+08:00")  # 2026Q4 has ended
    assert site.kacrm("daemon", "--once").returncode == 0
    assert site.kacrm("daemon", "--once").returncode == 0  # the next day's start: nothing to redo
    db = sqlite3.connect(site.db_path)
    rows = db.execute("SELECT c.code, s.period, s.as_of, s.abc_class, s.sales_12m_cents FROM segment_snapshot s"
                      " JOIN customer c ON c.id = s.customer_id ORDER BY c.code").fetchall()
    assert [r[:3] for r in rows] == [(code, "2026Q4", "2026-12-31") for code in ("C1001", "C1002", "C1003")]
    assert {r[0]: r[3] for r in rows} == {"C1001": "A", "C1002": "B", "C1003": "A"}
    assert dict(db.execute("SELECT code, abc_class FROM customer").fetchall())["C1001"] == "A"


def test_watcher_takes_renamed_files_at_once_and_leaves_the_rest(make_site, tmp_path):
    site = make_site(settle_seconds=30, rescan_seconds=0.3)  # only a rename can be taken quickly
    never = site.kacrm("daemon", "status")
    assert never.returncode == 1 and "no daemon has ever run" in never.stdout

    proc = site.start_running()
    site.drop("customers.csv", customers_csv(["K1", "K2"]))
    wait_for(lambda: site.archived("customers.csv"), 10, "the renamed file to be archived")

    outside = tmp_path / "outside.csv"
    outside.write_text(orders_csv([("L-1", "K1", "2026-01-05", "10.00")]), encoding="utf-8")
    (site.inbox / "link.csv").symlink_to(outside)
    site.drop(".hidden.csv", orders_csv([("H-1", "K1", "2026-01-05", "10.00")]), via_tmp=False)
    site.drop("~$book.csv", orders_csv([("B-1", "K1", "2026-01-05", "10.00")]), via_tmp=False)
    site.drop("half.csv.part", orders_csv([("P-1", "K1", "2026-01-05", "10.00")]), via_tmp=False)
    site.drop("still.tmp", orders_csv([("T-1", "K1", "2026-01-05", "10.00")]), via_tmp=False)
    (site.inbox / "folder.csv").mkdir()
    # written in place and not renamed: it must wait settle_seconds (30 s), so it stays for now
    site.drop("direct.csv", orders_csv([("D-1", "K1", "2026-01-05", "10.00")]), via_tmp=False)
    dropped = dt.datetime.now(dt.timezone.utc)
    wait_for(lambda: (site.heartbeat().last_scan_at or dropped) > dropped + dt.timedelta(seconds=1.5), 10,
             "several scans after the last drop")

    assert site.inbox_names() == sorted([".hidden.csv", "direct.csv", "folder.csv", "half.csv.part", "link.csv",
                                         "still.tmp", "~$book.csv"])
    assert site.files() == [("customers.csv", "applied")]
    assert outside.exists() and (site.inbox / "link.csv").is_symlink()

    second = site.kacrm("daemon", timeout=30)
    assert second.returncode == 2
    assert second.stderr.strip().count("\n") == 0, second.stderr
    assert f"pid {proc.pid}" in second.stderr and "already running" in second.stderr
    status = site.kacrm("daemon", "status")
    assert status.returncode == 0, status.stdout
    assert "running, healthy" in status.stdout and f"pid {proc.pid}" in status.stdout

    assert site.stop(proc) == 0
    assert site.heartbeat().state == "stopped"
    after = site.kacrm("daemon", "status", "--format", "json")
    assert after.returncode == 1
    found = json.loads(after.stdout)
    assert (found["healthy"], found["state"], found["applied_today"]) == (False, "stopped", 1)


def test_a_slow_copy_is_taken_only_when_whole(make_site):
    site = make_site(settle_seconds=1.5, rescan_seconds=0.2)
    proc = site.start_running()
    site.drop("customers.csv", customers_csv(["K1"]))
    wait_for(lambda: site.archived("customers.csv"), 10, "the customers file")

    data = orders_csv([(f"S-{i:04d}", "K1", "2026-01-05", f"{i}.25") for i in range(1, 241)]).encode()
    target = site.inbox / "slow.csv"
    pieces = 12  # one piece every 0.2 s, well inside settle_seconds; 2.4 s in all, longer than it
    with open(target, "wb") as handle:
        for n in range(pieces):
            handle.write(data[n * len(data) // pieces:(n + 1) * len(data) // pieces])  # cuts lines in half
            handle.flush()
            time.sleep(0.2)
            assert target.exists(), "the daemon took the file while it was still being copied"
    wait_for(lambda: site.archived("slow.csv"), 15, "the slow copy to be archived")

    with site.opened():
        row = IngestedFile.get(IngestedFile.name == "slow.csv")
        assert (row.status, row.rows_applied) == ("applied", 240)
        assert Order.select().count() == 240
    assert site.files() == [("customers.csv", "applied"), ("slow.csv", "applied")]
    assert site.stop(proc) == 0


def test_sigterm_finishes_the_file_being_ingested_then_exits_0(make_site):
    site = make_site(settle_seconds=0.3, rescan_seconds=0.3)
    proc = site.start_running()
    site.drop("customers.csv", customers_csv([f"K{n}" for n in range(20)]))
    wait_for(lambda: site.archived("customers.csv"), 10, "the customers file")
    lines = 40_000
    for name in ("big1.csv", "big2.csv"):
        site.drop(name, orders_csv([(f"{name[:4]}-{i:06d}", f"K{i % 20}", "2026-01-05", f"{i % 997}.10")
                                    for i in range(lines)]))
        time.sleep(0.05)  # big1 is the older
    wait_for(lambda: "ingesting big1.csv" in proc.log.read_text(), 10, "the daemon to start on big1.csv")
    proc.send_signal(signal.SIGTERM)

    assert proc.wait(timeout=60) == 0, proc.log.read_text()
    assert site.heartbeat().state == "stopped"
    assert site.files() == [("customers.csv", "applied"), ("big1.csv", "applied")]
    assert site.archived("big1.csv") and site.inbox_names() == ["big2.csv"]
    with site.opened():
        assert Order.select().count() == lines
    assert "stopped on SIGTERM" in proc.log.read_text()


def test_status_is_unhealthy_while_the_daemon_is_frozen_or_stopped(make_site):
    site = make_site(heartbeat_stale_seconds=1)
    proc = site.start_running()
    assert site.kacrm("daemon", "status").returncode == 0

    proc.send_signal(signal.SIGSTOP)  # alive but silent: its heartbeat goes stale
    try:
        stale = wait_for(lambda: (r := site.kacrm("daemon", "status")).returncode == 1 and r, 15, "a stale status")
        assert "stale" in stale.stdout
    finally:
        proc.send_signal(signal.SIGCONT)
    wait_for(lambda: site.kacrm("daemon", "status").returncode == 0, 15, "a healthy status again")

    assert site.stop(proc) == 0
    stopped = site.kacrm("daemon", "status")
    assert stopped.returncode == 1 and "stopped" in stopped.stdout

    killed = site.start_running()
    killed.kill()  # its row still says running, but this host can tell the process is gone
    killed.wait(timeout=10)
    gone = site.kacrm("daemon", "status")
    assert gone.returncode == 1 and f"process {killed.pid} no longer exists" in gone.stdout


@pytest.fixture
def in_process(make_site):
    """A site whose daemon runs in a thread of this process, bound to the site's database."""
    site = make_site(database={"busy_timeout_seconds": 5}, settle_seconds=0.1, rescan_seconds=0.2)
    config = load_config(site.config)
    # the daemon thread uses this database too; the test thread's queries have their own connection
    handle = open_database(str(site.db_path), busy_timeout_seconds=config.database.busy_timeout_seconds)
    runs: list[tuple[threading.Thread, threading.Event, list]] = []

    def start() -> threading.Event:
        stop, result = threading.Event(), []
        thread = threading.Thread(target=lambda: result.append(run_daemon(config, stop=stop)), daemon=True)
        thread.start()
        runs.append((thread, stop, result))
        wait_for(lambda: state() == "running", 10, "the daemon thread to run")
        return stop

    def finish() -> list:
        thread, stop, result = runs[-1]
        stop.set()
        thread.join(timeout=30)
        assert not thread.is_alive()
        return result

    def state() -> str | None:
        row = DaemonHeartbeat.get_or_none(DaemonHeartbeat.name == "daemon")
        return row.state if row else None

    site.start_thread, site.finish_thread, site.state = start, finish, state
    yield site
    for thread, stop, _ in runs:
        stop.set()
        thread.join(timeout=30)
    handle.close()


def test_a_file_that_makes_ingest_raise_does_not_kill_the_daemon_and_is_retried(in_process, monkeypatch):
    site = in_process
    real = service.ingest_file
    attempts: list[float] = []

    def flaky(path, config, **kwargs):
        if path.name == "boom.csv" and len(attempts) < 3:
            attempts.append(time.monotonic())
            raise OSError(5, "Input/output error")
        return real(path, config, **kwargs)
    monkeypatch.setattr(service, "ingest_file", flaky)

    site.start_thread()
    site.drop("customers.csv", customers_csv(["K1"]))
    wait_for(lambda: site.archived("customers.csv"), 10, "the customers file")
    site.drop("boom.csv", orders_csv([("B-1", "K1", "2026-01-05", "100.00")]))
    wait_for(lambda: site.state() == "failing", 10, "the failing state")
    assert (site.inbox / "boom.csv").exists()
    site.drop("good.csv", orders_csv([("G-1", "K1", "2026-01-05", "7.00")]))  # others still go through
    wait_for(lambda: site.archived("good.csv"), 10, "a good file while another fails")
    wait_for(lambda: site.archived("boom.csv"), 15, "the failing file to succeed at last")

    assert len(attempts) == 3
    gaps = [b - a for a, b in zip(attempts, attempts[1:])]
    assert gaps[0] >= 0.2 * 0.9 and gaps[1] >= 0.4 * 0.9, gaps  # rescan_seconds, then doubled: no spinning
    wait_for(lambda: site.state() == "running", 10, "the running state again")  # written just after the move
    assert "boom.csv: OSError" in DaemonHeartbeat.get(DaemonHeartbeat.name == "daemon").last_error
    assert Customer.get(Customer.code == "K1").balance_cents == 10_700
    assert site.finish_thread() == [0]
    assert site.state() == "stopped"


def test_a_busy_database_is_waited_for(in_process, caplog):
    site = in_process
    site.start_thread()
    site.drop("customers.csv", customers_csv(["K1"]))
    wait_for(lambda: site.archived("customers.csv"), 10, "the customers file")
    holder = sqlite3.connect(site.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer keeps the lock beyond the busy timeout (5 s)
    try:
        with caplog.at_level(logging.WARNING, logger="kacrm.daemon"):
            site.drop("orders.csv", orders_csv([("O-1", "K1", "2026-01-05", "5.00")]))
            wait_for(lambda: any("database is busy" in r.getMessage() for r in caplog.records), 20,
                     "the daemon to meet the busy database")
    finally:
        holder.rollback()
        holder.close()
    wait_for(lambda: site.archived("orders.csv"), 20, "the file once the database is free")
    assert Customer.get(Customer.code == "K1").balance_cents == 500
    assert site.finish_thread() == [0]


def test_a_second_daemon_on_the_same_database_is_refused(db, db_path):
    with acquire_lock(db):
        with pytest.raises(DaemonAlreadyRunning) as refused:
            acquire_lock(db)
    assert f"pid {os.getpid()}" in str(refused.value) and str(db_path) in str(refused.value)
    acquire_lock(db).release()  # free again once released


def test_a_daemon_busy_with_a_long_file_is_not_called_stale(db, tmp_path):
    """The heartbeat row cannot be written while a long file holds SQLite's write lock; the
    daemon touches its lock file instead, and status reads that."""
    import datetime as dt

    from daemon.heartbeat import read_status
    from schema import clock

    config = load_config(None, cwd=tmp_path)
    long_ago = clock.now() - dt.timedelta(seconds=config.daemon.heartbeat_stale_seconds * 3)
    DaemonHeartbeat.create(name="daemon", state="running", pid=os.getpid(), host=socket.gethostname(),
                           beat_at=long_ago, started_at=long_ago)
    with acquire_lock(db) as lock:
        lock.touch()
        busy = read_status(config)
        assert busy.healthy and busy.problem == ""
        later = read_status(config, now=clock.now() + dt.timedelta(seconds=config.daemon.heartbeat_stale_seconds * 2))
        assert not later.healthy and later.problem == "stale"
