"""kill -9 at any instant, then restart, reaches the state of an uninterrupted run: every file
applied once, nothing twice, the inbox drained, every file archived once, `kacrm check` clean."""
from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter

import pytest

from daemon.ingest import ingest_file
from schema.config import load_config
from schema.db import open_database
from schema.models import Customer, IngestedFile, Order, Payment
from tests.daemon.conftest import customers_csv, orders_csv, payments_csv, wait_for

SEED = int(os.environ.get("KACRM_CRASH_SEED", "20260611"))
CUSTOMERS = [f"K{n}" for n in range(5)]
FILES = 30
TIME_LIMIT = 45.0  # seconds for the kill-and-restart rounds


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def generate(rng: random.Random) -> list[tuple[str, str]]:
    """30 order and payment files for the customers: every third file is payments."""
    files = []
    for n in range(FILES):
        if n % 3 == 2:
            rows = [(f"P{n:02d}-{i:03d}", rng.choice(CUSTOMERS), f"2026-02-{1 + i % 28:02d}",
                     money(rng.randint(100, 900_000))) for i in range(rng.randint(5, 30))]
            files.append((f"payments_{n:02d}.csv", payments_csv(rows)))
        else:
            rows = [(f"O{n:02d}-{i:04d}", rng.choice(CUSTOMERS), f"2026-01-{1 + i % 28:02d}",
                     money(rng.randint(-5_000, 2_000_000))) for i in range(rng.randint(100, 800))]
            files.append((f"orders_{n:02d}.csv", orders_csv(rows)))
    return files


def reference_balances(make_site, files: list[tuple[str, str]]) -> dict[str, int]:
    """The balances after ingesting the same files in-process, one after the other, with no crash."""
    site = make_site("reference")
    config = load_config(site.config)
    folder = site.root / "files"
    folder.mkdir()
    db = open_database(str(site.db_path))
    try:
        for name, content in files:
            path = folder / name
            path.write_text(content, encoding="utf-8")
            assert ingest_file(path, config).status == "applied", name
        return dict(Customer.select(Customer.code, Customer.balance_cents).tuples())
    finally:
        db.close()


@pytest.mark.slow
def test_kill_9_at_random_points_while_files_arrive_ends_exact(make_site):
    rng = random.Random(SEED)
    customers = ("customers.csv", customers_csv(CUSTOMERS, credit_limit="100000000"))
    files = generate(rng)
    expected = reference_balances(make_site, [customers, *files])
    site = make_site("crashy", settle_seconds=0.3, rescan_seconds=0.5, log_level="DEBUG")

    def deliver(name: str, content: str) -> None:
        site.drop(name, content, via_tmp=rng.random() < 0.7)  # mostly renamed in, some written in place

    patience = [0.5]

    def life(deliveries: list[tuple[str, str]]) -> None:
        """One daemon process: files arrive (some while it is down), then kill -9 at a random moment,
        most often while it is ingesting. A life that got nothing done makes the next one longer,
        or a file that takes longer to ingest than a life would never get through."""
        done = len(site.archived())
        if deliveries and rng.random() < 0.3:
            deliver(*deliveries.pop(0))
        proc = site.start()
        if rng.random() < 0.8:  # else killed while starting
            wait_for(lambda: proc.poll() is not None or site.heartbeat_of(proc) == "running", 30, "a daemon")
            for _ in range(rng.randint(1, 3)):
                if deliveries:
                    deliver(*deliveries.pop(0))
                    time.sleep(rng.uniform(0, 0.05))
        time.sleep(rng.uniform(0, patience[0]))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        patience[0] = 0.5 if len(site.archived()) > done else patience[0] * 2

    started = time.monotonic()
    deliver(*customers)  # orders need their customers: only those first
    kills = 0
    while not site.archived("customers.csv"):
        life([])
        kills += 1
        assert time.monotonic() - started < TIME_LIMIT, "the customers file was never applied"
    pending = list(files)
    while pending or site.inbox_names():
        life(pending)
        kills += 1
        assert time.monotonic() - started < TIME_LIMIT, f"not drained: {site.inbox_names()}, {len(pending)} to deliver"
    # one clean run at the end, which must find nothing left to do
    proc = site.start_running()
    wait_for(lambda: not site.inbox_names(), 20, "the inbox to be drained")
    assert site.stop(proc) == 0, proc.log.read_text()

    logs = [path.read_text() for path in sorted(site.root.glob("daemon-*.log"))]
    in_flight = sum(1 for log in logs if (cut := log.rfind("ingesting ")) >= 0 and ": applied (" not in log[cut:])
    assert in_flight >= 1, "no kill landed while a file was being ingested: the test proved nothing"
    assert kills >= 8
    names = [name for name, _ in [customers, *files]]
    assert site.inbox_names() == []
    assert not site.rejected.exists() or not any(site.rejected.iterdir())
    assert Counter(p.name for p in site.archived()) == Counter(names)  # each archived exactly once
    with site.opened():
        rows = list(IngestedFile.select(IngestedFile.name, IngestedFile.status).tuples())
        assert sorted(rows) == sorted((name, "applied") for name in names)
        assert Order.select().count() == sum(c.count("\n") - 1 for n, c in files if n.startswith("orders"))
        assert Payment.select().count() == sum(c.count("\n") - 1 for n, c in files if n.startswith("payments"))
    assert site.balances() == expected
    check = site.kacrm("check")
    assert check.returncode == 0, check.stdout + check.stderr


class Crash(BaseException):
    """The process dies here (as kill -9 would): nothing after this line of ingest runs."""


def test_a_crash_between_commit_and_move_is_finished_on_restart(make_site, monkeypatch):
    from daemon import ingest
    from daemon.service import run_daemon

    site = make_site(settle_seconds=0.1, rescan_seconds=0.2)
    config = load_config(site.config)
    db = open_database(str(site.db_path))
    site.drop("customers.csv", customers_csv(["K1"]))
    site.drop("orders.csv", orders_csv([(f"O-{i}", "K1", "2026-01-05", "10.00") for i in range(50)]))
    site.drop("bad.csv", orders_csv([("X-1", "K9", "2026-01-05", "1.00")]))  # unknown customer: rejected
    for age, name in enumerate(("bad.csv", "orders.csv", "customers.csv")):
        os.utime(site.inbox / name, (time.time() - 60 * (age + 1),) * 2)
    real_move = ingest.move_file

    def dies_at(n: int):
        calls = []

        def move(source, target):
            calls.append(source.name)
            if len(calls) == n:
                raise Crash
            real_move(source, target)
        return move

    try:
        monkeypatch.setattr(ingest, "move_file", dies_at(2))  # customers moved, orders committed, then dead
        with pytest.raises(Crash):
            run_daemon(config, once=True)
        assert site.inbox_names() == ["bad.csv", "orders.csv"]
        monkeypatch.setattr(ingest, "move_file", dies_at(2))  # orders' move finished, bad.csv's recorded, dead
        with pytest.raises(Crash):
            run_daemon(config, once=True)
        assert site.inbox_names() == ["bad.csv"] and not (site.rejected / "bad.csv").exists()
        monkeypatch.setattr(ingest, "move_file", real_move)
        assert run_daemon(config, once=True) == 0

        assert site.inbox_names() == []
        assert [p.name for p in site.archived()] == ["customers.csv", "orders.csv"]
        assert sorted(p.name for p in site.rejected.iterdir()) == ["bad.csv", "bad.csv.errors.txt"]
        assert sorted(IngestedFile.select(IngestedFile.name, IngestedFile.status).tuples()) == [
            ("bad.csv", "rejected"), ("customers.csv", "applied"), ("orders.csv", "applied")]
        assert Order.select().count() == 50
        assert Customer.get(Customer.code == "K1").balance_cents == 50_000
    finally:
        db.close()
    assert site.kacrm("check").returncode == 0
