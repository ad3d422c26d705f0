"""`kacrm demo`: a realistic demo database, its config and sample drop files, under one folder.

The data is made from one `random.Random(seed)` and the demo's `today` only (never the global
random state or the wall clock, timestamps included), so the same (seed, customers, today) always
gives the same database. Customers are made in batches; each batch's rows are inserted in bulk in
one transaction, with ids chosen here so that no row has to be read back."""
from __future__ import annotations

import datetime as dt
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kacrm_tui.demo.activity import Activity, ActivityMaker
from kacrm_tui.demo.archive import Account, CustomerMaker, customer_row, make_reps
from kacrm_tui.demo.context import WAN, Demo, round_to
from kacrm_tui.demo.dropfiles import write_drop_files
from kacrm_tui.demo.plans import make_targets
from schema.periods import quarter_bounds, quarter_of
from schema.segments import refresh_segments
from kacrm_tui.demo.rows import BulkWriter
from kacrm_tui.demo.trade import Trade, TradeMaker
from schema import clock
from schema.config import AbcConfig, DaemonConfig, SegmentsConfig
from schema.db import open_database, refresh_statistics
from schema.errors import ValidationError
from schema.alerts import refresh_alerts
from schema.migrate import upgrade
from schema.models import (Complaint, Contact, Contract, Customer, Opportunity, Order, Payment,
                           PaymentAllocation, Rep, Target, Visit, VisitContact)

BATCH = 2000  # customers per transaction
DROP_FILE_CUSTOMERS = 200  # the active customers the sample drop files may name

Progress = Callable[[str, int, int], None]

CONFIG = """\
# kacrm demo configuration 演示配置, written by `kacrm demo`. In this folder:
#   kacrm --config config.toml --user demo
# Settings left out keep their defaults (see kacrm's own config.toml for every setting).
# Relative paths are relative to this file.

[database]
# The demo's SQLite database 数据库
url = "kacrm.db"

[ui]
# Language of screens and error reports 界面语言: "zh" or "en"
language = "zh"

[daemon]
# Drop folder for order and payment files 导入目录; archive/ and rejected/ are its siblings
inbox = "inbox"
"""


@dataclass(frozen=True)
class DemoSummary:
    directory: Path
    db_path: Path
    config_path: Path
    inbox: Path
    counts: dict[str, int]  # rows written, by table name ("customer", "order", ...)
    drop_files: tuple[Path, ...]
    seconds: float


def _prepare(directory: Path, db_path: Path, replace: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise ValidationError(f"{directory} is a file, not a folder; choose another --dir for the demo.")
    if db_path.exists() and not replace:
        raise ValidationError(f"A database already exists at {db_path}; pass --replace to rebuild the demo there "
                              "or choose another --dir.")
    directory.mkdir(parents=True, exist_ok=True)
    if replace:
        for suffix in ("", "-wal", "-shm", "-journal"):
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
        for folder in ("inbox", "archive", "rejected"):
            if (directory / folder).is_dir():
                shutil.rmtree(directory / folder)


def build_demo(directory: Path, customers: int = 300, seed: int = 7, *, today: dt.date | None = None,
               progress: Progress | None = None, replace: bool = False) -> DemoSummary:
    """Build the demo under `directory`: `kacrm.db` (reps, `customers` customers with their whole
    history, targets), `config.toml` and sample files in `inbox/`. Refuses an existing database
    unless `replace`, which first deletes it and the inbox, archive and rejected folders.

    Binds the models to the new database while it works and closes it at the end."""
    started = time.perf_counter()
    if customers < 1:
        raise ValidationError("A demo needs at least one customer; pass --customers 1 or more.")
    directory = Path(directory)
    db_path = directory / "kacrm.db"
    _prepare(directory, db_path, replace)
    config_path = directory / "config.toml"
    config_path.write_text(CONFIG, encoding="utf-8")
    report = progress or (lambda stage, done, total: None)
    demo = Demo(random.Random(seed), today or clock.today())
    db = open_database(str(db_path))
    try:
        upgrade(db)
        writer = BulkWriter(db)
        with db.atomic():
            # the migration runner records the wall clock; the demo's own "now" keeps the file reproducible
            db.execute_sql("UPDATE schema_migration SET applied = ?", (demo.now,))
            rep_rows, reps_by_region = make_reps(demo, customers)
            writer.add(Rep, rep_rows)
            writer.flush()
        sales, sample = _customers(db, demo, writer, customers, reps_by_region, report)
        with db.atomic():
            rep_sales: dict[int, int] = {}
            for cents, _, owner in sales:
                rep_sales[owner] = rep_sales.get(owner, 0) + cents
            reps = [(row[0], row[4]) for row in rep_rows if row[3] == "rep"]
            writer.add(Target, make_targets(demo, reps, rep_sales))
            writer.flush()
            report("targets", 1, 1)
        # the classes as `kacrm segments refresh` makes them: last quarter's snapshot, then today's
        last_quarter_end = quarter_bounds(quarter_of(demo.today))[0] - dt.timedelta(days=1)
        refresh_segments(AbcConfig(), SegmentsConfig(), as_of=last_quarter_end, now=demo.now)
        refresh_segments(AbcConfig(), SegmentsConfig(), as_of=demo.today, now=demo.now)
        report("classify", 1, 1)
        # the alerts the daemon would raise today, by the daemon's own rule
        raised = refresh_alerts(overdue_days=DaemonConfig().overdue_alert_days, today=demo.today, now=demo.now)
        writer.counts["alert"] = raised.raised
        refresh_statistics()
    finally:
        db.close()
    inbox = directory / "inbox"
    drop_files = write_drop_files(inbox, sample, demo.rng, demo.today)
    report("drop files", 1, 1)
    return DemoSummary(directory, db_path, config_path, inbox, dict(writer.counts), tuple(drop_files),
                       time.perf_counter() - started)


def _customers(db, demo: Demo, writer: BulkWriter, customers: int, reps_by_region: dict[str, list[int]],
               report: Progress) -> tuple[list[tuple[int, int, int]], list[tuple[str, str]]]:
    """Make and write every customer with its history, a batch per transaction. Returns each
    trading customer's (12-month sales, id, owner) and a sample of active (code, name)."""
    maker = CustomerMaker(demo, reps_by_region)
    activities = ActivityMaker(demo)
    trades = TradeMaker(demo, DaemonConfig().overdue_alert_days)
    sales: list[tuple[int, int, int]] = []
    sample: list[tuple[str, str]] = []
    report("customers", 0, customers)
    for first in range(1, customers + 1, BATCH):
        last = min(customers, first + BATCH - 1)
        accounts = [maker.make(number) for number in range(first, last + 1)]
        activity, trade = Activity(), Trade()
        for account in accounts:
            activities.make(account, activity)
            if account.trading:
                trades.make(account, trade)
                sales.append((account.sales_12m, account.id, account.owner))
                if account.lifecycle == "active" and len(sample) < DROP_FILE_CUSTOMERS:
                    sample.append((account.code, account.row["name"]))
            elif account.lifecycle != "lost":
                _potential(demo, account)
        writer.add(Customer, [customer_row(account) for account in accounts])
        writer.add(Contact, [row for account in accounts for row in account.contact_rows])
        for model, rows in ((Visit, activity.visits), (VisitContact, activity.visit_contacts),
                            (Contract, activity.contracts), (Opportunity, activity.opportunities),
                            (Complaint, activity.complaints), (Order, trade.orders), (Payment, trade.payments),
                            (PaymentAllocation, trade.allocations)):
            writer.add(model, rows)
        with db.atomic():
            writer.flush()
        report("customers", last, customers)
    return sales, sample


def _potential(demo: Demo, account: Account) -> None:
    """A prospect's purchase potential (采购潜力), as its rep estimates it."""
    potential = account.scale * 12 * demo.rng.randrange(100, 400) // 100
    account.row["purchase_potential_cents"] = round_to(potential, 10 * WAN)
