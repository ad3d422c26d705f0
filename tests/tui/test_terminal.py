"""The real `kacrm` in a real terminal (tmux): what a person at the keyboard reads.
`.ci/run` installs tmux."""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from rich.cells import cell_len

KACRM = str(Path(sys.executable).with_name("kacrm"))
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by .ci/run")


class Terminal:
    def __init__(self, width: int = 100, height: int = 40):
        self.name = f"kacrm-{uuid.uuid4().hex[:8]}"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
                        "env LANG=C.UTF-8 bash --norc --noprofile"], check=True)

    def run(self, command: str, *, status: int = 0, timeout: float = 60) -> str:
        """Type `command`, wait until it has finished, check its exit status; the screen."""
        marker = f"DONE{uuid.uuid4().hex[:6]}"
        subprocess.run(["tmux", "send-keys", "-t", self.name, f"clear; {command}; echo {marker}=$?", "Enter"],
                       check=True)
        finished = re.compile(rf"^{marker}=(\d+)$", re.M)  # the echo's output, not the typed line
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            done = finished.search(screen)
            if done:
                assert int(done.group(1)) == status, screen
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{command!r} did not finish:\n{self.screen()}")

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True,
                              check=True).stdout

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False)


@pytest.fixture
def terminal():
    term = Terminal()
    yield term
    term.close()


def test_chinese_names_line_up_in_the_user_table(terminal, tmp_path):
    db = tmp_path / "k.db"
    k = f"{KACRM} --db {shlex.quote(str(db))} --user boss"
    terminal.run(f"{k} init")
    for login, name in (("zhangwei", "张伟"), ("ouyangxiu", "欧阳修文"), ("amy", "Amy Lee")):
        terminal.run(f"{k} user add {login} --name {shlex.quote(name)} --region 华东")
    screen = terminal.run(f"{k} user list")
    rows = [line for line in screen.splitlines() if "│" in line]
    assert len(rows) == 4, screen
    assert any("欧阳修文" in row for row in rows) and any("客户经理" in row for row in rows)
    # every column separator sits in the same terminal cell on every row, wide characters or not
    columns = {tuple(cell_len(row[:i]) for i, ch in enumerate(row) if ch == "│") for row in rows}
    assert len(columns) == 1, screen
    assert "…" not in screen


def test_a_user_mistake_is_one_sentence_on_screen(terminal, tmp_path):
    db = tmp_path / "k.db"
    terminal.run(f"{KACRM} --db {shlex.quote(str(db))} --user boss init")
    screen = terminal.run(f"{KACRM} --db {shlex.quote(str(db))} --user boss user add Bad --name x", status=2)
    assert "not a valid login" in screen and "Traceback" not in screen


def test_ingest_in_a_terminal_ends_with_its_outcome_line(terminal, tmp_path):
    from tests.paths import SAMPLES

    db = tmp_path / "k.db"
    big = tmp_path / "orders.csv"
    rows = "".join(f"SO-{n:07d},C100{1 + n % 3},2026-10-{1 + n % 28:02d},{100 + n % 977}.{n % 100:02d}\n"
                   for n in range(60_000))
    big.write_text("order_no,customer_code,order_date,amount\n" + rows, encoding="utf-8")
    k = f"{KACRM} --db {shlex.quote(str(db))} --user boss"
    terminal.run(f"{k} init && {k} ingest {SAMPLES / 'customers_master.csv'}")
    screen = terminal.run(f"{k} ingest {shlex.quote(str(big))}", timeout=120)
    assert "orders.csv: 已导入（订单）60000 行" in screen, screen
    assert "Traceback" not in screen


def test_the_app_in_tmux_finds_a_customer_by_pinyin_and_opens_it(terminal, tmp_path):
    import sqlite3

    k = f"{KACRM} --config {shlex.quote(str(tmp_path / 'demo' / 'config.toml'))}"
    terminal.run(f"{KACRM} demo --no-tui --dir {shlex.quote(str(tmp_path / 'demo'))} --customers 40", timeout=120)
    conn = sqlite3.connect(tmp_path / "demo" / "kacrm.db")
    code, name, initials = conn.execute("SELECT code, name, name_initials FROM customer ORDER BY code LIMIT 1").fetchone()
    conn.close()
    subprocess.run(["tmux", "send-keys", "-t", terminal.name, f"clear; {k} --user demo", "Enter"], check=True)
    wait_for(terminal, "账龄分布")  # a manager starts on the dashboard; `b` goes to the customer list
    subprocess.run(["tmux", "send-keys", "-t", terminal.name, "b"], check=True)
    wait_for(terminal, "拼音首字母")
    for keys in ("/", initials[:5]):
        subprocess.run(["tmux", "send-keys", "-t", terminal.name, "-l", keys], check=True)
    wait_for(terminal, name)
    subprocess.run(["tmux", "send-keys", "-t", terminal.name, "Enter"], check=True)
    time.sleep(0.3)
    subprocess.run(["tmux", "send-keys", "-t", terminal.name, "Enter"], check=True)
    wait_for(terminal, "联系人")  # the customer's tabs; the header follows from a worker
    screen = wait_for(terminal, code)
    assert name in screen
    subprocess.run(["tmux", "send-keys", "-t", terminal.name, "C-q"], check=True)
    wait_for(terminal, "bash", last_line=True)  # back at the shell prompt: the app has quit


def wait_for(terminal: Terminal, text: str, *, last_line: bool = False, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screen = terminal.screen()
        lines = [line for line in screen.splitlines() if line.strip()]
        if (lines and text in lines[-1]) if last_line else text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"no {text!r} on screen:\n{terminal.screen()}")
