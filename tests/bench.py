"""`make bench`: figures, not assertions. Each benchmark prints what it measured.

    python -m tests.bench              # all
    python -m tests.bench ingest       # one: ingest, demo
    KACRM_BENCH_LINES=200000 python -m tests.bench ingest   # a smaller run
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KACRM = str(Path(sys.executable).with_name("kacrm"))


def _run(*args: str, cwd: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one kacrm process (its own, from wait4)."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        child = subprocess.Popen([KACRM, *args], cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            out.seek(0)
            raise SystemExit(f"kacrm {' '.join(args)} failed:\n{out.read().decode(errors='replace')}")
    return seconds, usage.ru_maxrss / 1024


def _orders_csv(path: Path, lines: int, customers: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["order_no", "customer_code", "order_date", "amount"])
        for n in range(lines):
            day = 1 + n % 28
            out.writerow([f"SO-{n:08d}", f"C{rng.randrange(customers):06d}", f"2026-{1 + n % 10:02d}-{day:02d}",
                          f"{rng.randrange(1000, 5_000_000)}.{rng.randrange(100):02d}"])


def _baseline(path: Path, db: Path) -> float:
    """The floor: csv.reader + executemany into one table with a unique order number."""
    started = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("PRAGMA synchronous=full")
    conn.execute("CREATE TABLE orders (order_no TEXT UNIQUE, customer TEXT, order_date TEXT, amount_cents INTEGER)")
    conn.execute("BEGIN IMMEDIATE")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        next(rows)
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)",
                         ((no, cust, day, int(amount.replace(".", ""))) for no, cust, day, amount in rows))
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - started


def bench_ingest() -> None:
    lines = int(os.environ.get("KACRM_BENCH_LINES", 1_000_000))
    customers = 20_000
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        orders = work / "orders.csv"
        _orders_csv(orders, lines, customers)
        master = work / "customers.csv"
        with open(master, "w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(["code", "name", "credit_days"])
            out.writerows([f"C{i:06d}", f"客户{i}", 30] for i in range(customers))
        db = str(work / "k.db")
        _run("--db", db, "--user", "bench", "init", cwd=work)
        _run("--db", db, "--user", "bench", "ingest", str(master), cwd=work)
        base = _baseline(orders, work / "baseline.db")
        seconds, peak = _run("--db", db, "--user", "bench", "ingest", str(orders), cwd=work)
        print(f"ingest {lines:,} order lines for {customers:,} customers ({orders.stat().st_size / 1e6:.0f} MB CSV)")
        print(f"  baseline (csv.reader + executemany, one table): {base:.1f} s")
        print(f"  kacrm ingest:                                   {seconds:.1f} s, peak RSS {peak:.0f} MB")
        print(f"  ratio: {seconds / base:.2f}x the baseline (goal <= 2.0x, peak <= 300 MB)")


def bench_demo() -> None:
    """The demo at scale, then the reports over it (as the manager `demo`, who sees everyone)."""
    customers = int(os.environ.get("KACRM_BENCH_CUSTOMERS", 100_000))
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        seconds, peak = _run("demo", "--no-tui", "--dir", str(demo), "--customers", str(customers), cwd=Path(tmp))
        print(f"kacrm demo --no-tui --customers {customers:,}: {seconds:.1f} s, peak RSS {peak:.0f} MB")
        db = str(demo / "kacrm.db")
        for args in (("report", "aging"), ("report", "aging", "--as-of", "2026-06-30"),
                     ("report", "dso", "--method", "countback"), ("report", "dso", "--method", "standard"),
                     ("report", "segments"), ("report", "targets"), ("report", "risk"), ("report", "funnel"),
                     ("report", "cadence")):
            seconds, peak = _run("--db", db, "--user", "demo", *args, "--format", "csv",
                                 cwd=demo)
            print(f"  kacrm {' '.join(args)}: {seconds:.1f} s, peak RSS {peak:.0f} MB")
        # the demo classed everyone today: again today rewrites only what changed, the next day every snapshot
        tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
        for when, extra in (("again today", ()), ("as of the next day", ("--as-of", tomorrow))):
            seconds, peak = _run("--db", db, "--user", "demo", "segments", "refresh", *extra, cwd=demo)
            print(f"  kacrm segments refresh ({when}): {seconds:.1f} s, peak RSS {peak:.0f} MB")
        for kind, suffix in (("customers", "xlsx"), ("customers", "csv"), ("balances", "xlsx"), ("orders", "csv"),
                             ("orders", "xlsx"), ("visits", "csv")):
            target = Path(tmp) / f"{kind}.{suffix}"
            seconds, peak = _run("--db", db, "--user", "demo", "export", kind, "--output", str(target), cwd=demo)
            print(f"  kacrm export {kind} --output {kind}.{suffix}: {seconds:.1f} s, peak RSS {peak:.0f} MB, "
                  f"{target.stat().st_size / 1e6:.0f} MB")
        done = subprocess.run([sys.executable, "-m", "tests.bench_tui", str(demo)], capture_output=True, text=True)
        print(done.stdout.rstrip() or done.stderr.rstrip()[-2000:])


BENCHES = {"ingest": bench_ingest, "demo": bench_demo}

if __name__ == "__main__":
    for name in sys.argv[1:] or list(BENCHES):
        BENCHES[name]()
