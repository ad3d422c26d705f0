"""A daemon site in tmp_path (config.toml, database, inbox) and the real `kacrm` console script."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest

from schema.db import open_database
from schema.models import Customer, DaemonHeartbeat, IngestedFile

KACRM = Path(sys.executable).with_name("kacrm")
from tests.paths import SAMPLES
SAMPLE_ORDER = ("customers_master.csv", "orders_erp_gb18030.csv", "payments_bank.xlsx", "payments.jsonl",
                "orders_bad.csv")


def wait_for(condition: Callable[[], object], timeout: float = 20.0, what: str = "the condition",
             interval: float = 0.05):
    """Poll until `condition()` is truthy and return it; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Site:
    """One office server in miniature: config.toml, kacrm.db, inbox/, archive/, rejected/."""

    def __init__(self, root: Path, daemon: dict[str, object], database: dict[str, object] | None = None):
        self.root = root
        self.config = root / "config.toml"
        self.db_path = root / "kacrm.db"
        self.inbox, self.archive, self.rejected = root / "inbox", root / "archive", root / "rejected"
        settings = {"settle_seconds": 0.3, "rescan_seconds": 0.5, "log_level": "DEBUG", **daemon}
        lines = ["[database]", 'url = "kacrm.db"', *(f"{k} = {json.dumps(v)}" for k, v in (database or {}).items()),
                 "[ui]", 'language = "en"', "[daemon]"]
        lines += [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.processes: list[subprocess.Popen] = []
        self.logs = 0

    def env(self) -> dict[str, str]:
        return {**os.environ, "KACRM_LANG": "en"}

    def kacrm(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([str(KACRM), "--config", str(self.config), *args], cwd=self.root, env=self.env(),
                              capture_output=True, text=True, timeout=timeout)

    def start(self, *args: str) -> subprocess.Popen:
        """`kacrm daemon ARGS` in the background; its stderr goes to `proc.log`."""
        self.logs += 1
        log = self.root / f"daemon-{self.logs}.log"
        with open(log, "wb") as stderr:
            proc = subprocess.Popen([str(KACRM), "--config", str(self.config), "daemon", *args], cwd=self.root,
                                    env=self.env(), stdout=subprocess.DEVNULL, stderr=stderr)
        proc.log = log  # type: ignore[attr-defined]
        self.processes.append(proc)
        return proc

    def start_running(self, *args: str) -> subprocess.Popen:
        """Start a daemon and wait until its heartbeat says running."""
        proc = self.start(*args)
        wait_for(lambda: proc.poll() is not None or self.heartbeat_of(proc) == "running", 30,
                 "the daemon to start")
        assert proc.poll() is None, proc.log.read_text()
        return proc

    def heartbeat_of(self, proc: subprocess.Popen) -> str | None:
        row = self.heartbeat()
        return row.state if row is not None and row.pid == proc.pid else None

    def stop(self, proc: subprocess.Popen, timeout: float = 30) -> int:
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=timeout)

    @contextmanager
    def opened(self) -> Iterator[None]:
        """The site's database bound to the models in this (test) process."""
        db = open_database(str(self.db_path))
        try:
            yield
        finally:
            db.close()

    def heartbeat(self) -> DaemonHeartbeat | None:
        with self.opened():
            return DaemonHeartbeat.get_or_none(DaemonHeartbeat.name == "daemon")

    def balances(self) -> dict[str, int]:
        with self.opened():
            return dict(Customer.select(Customer.code, Customer.balance_cents).tuples())

    def files(self) -> list[tuple[str, str]]:
        """(name, status) of every IngestedFile, in the order recorded."""
        with self.opened():
            return list(IngestedFile.select(IngestedFile.name, IngestedFile.status).order_by(IngestedFile.id).tuples())

    def archived(self, name: str | None = None) -> list[Path]:
        """Files under archive/YYYY/MM/ (named `name`, if given)."""
        return sorted(p for p in self.archive.glob(f"*/*/{name or '*'}") if p.is_file())

    def inbox_names(self) -> list[str]:
        return sorted(p.name for p in self.inbox.iterdir()) if self.inbox.exists() else []

    def drop(self, name: str, content: str | bytes, *, via_tmp: bool = True) -> Path:
        """Deliver a file as a well-behaved writer does: write NAME.tmp, then rename it."""
        self.inbox.mkdir(exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        target = self.inbox / name
        partial = self.inbox / (name + ".tmp") if via_tmp else target
        partial.write_bytes(data)
        if via_tmp:
            os.rename(partial, target)
        return target

    def close(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture
def make_site(tmp_path) -> Iterator[Callable[..., Site]]:
    """make_site(name, database={...}, **daemon_settings): a site with an initialised database (the OS login is admin)."""
    sites: list[Site] = []

    def make(name: str = "site", database: dict[str, object] | None = None, **daemon: object) -> Site:
        root = tmp_path / name
        root.mkdir()
        site = Site(root, daemon, database)
        sites.append(site)
        done = site.kacrm("init")
        assert done.returncode == 0, done.stderr
        return site
    yield make
    for site in sites:
        site.close()


@pytest.fixture
def samples() -> Path:
    return SAMPLES


def customers_csv(codes: list[str], credit_limit: str = "1000000") -> str:
    rows = [f"{code},Customer {code},{credit_limit},30" for code in codes]
    return "code,name,credit_limit,credit_days\n" + "\n".join(rows) + "\n"


def orders_csv(rows: list[tuple[str, str, str, str]]) -> str:
    """rows of (order_no, customer_code, order_date, amount)."""
    return "order_no,customer_code,order_date,amount\n" + "".join(",".join(row) + "\n" for row in rows)


def payments_csv(rows: list[tuple[str, str, str, str]]) -> str:
    """rows of (payment_ref, customer_code, paid_on, amount)."""
    return "payment_ref,customer_code,paid_on,amount\n" + "".join(",".join(row) + "\n" for row in rows)
