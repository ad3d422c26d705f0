"""The command line of issue 2, driven through click as a user types it."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from schema.db import open_database
from schema.models import AccessGrant, AuditEntry, Customer, Rep


def sentence(result) -> str:
    """A user's mistake: exactly one line on stderr, no traceback."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output + result.stderr
    return lines[0]


def test_init_creates_the_schema_and_makes_the_invoker_admin(kacrm, db_path):
    result = kacrm("init", user="boss")
    assert result.exit_code == 0, result.output
    assert "boss" in result.stdout
    handle = open_database(str(db_path))
    assert Rep.get(Rep.login == "boss").role == "admin"
    handle.close()
    again = kacrm("init", user="other")
    assert again.exit_code == 0
    assert "other" not in again.stdout  # an admin exists: nobody else is promoted
    assert kacrm("check").exit_code == 0


def test_commands_before_init_say_to_run_init(kacrm):
    result = kacrm("user", "list")
    assert result.exit_code == 2
    assert "kacrm init" in sentence(result)


def test_user_add_list_set_role_and_remove(kacrm, db_path):
    kacrm("init")
    assert kacrm("user", "add", "wangli", "--name", "王丽", "--role", "manager", "--region", "华东").exit_code == 0
    assert kacrm("user", "add", "zhangwei", "--name", "张伟", "--region", "华东", "--manager", "wangli").exit_code == 0
    listed = kacrm("user", "list", "--format", "json")
    rows = {r["login"]: r for r in json.loads(listed.stdout)}
    assert rows["zhangwei"] == {"login": "zhangwei", "name": "张伟", "role": "rep", "region": "华东",
                                "manager": "wangli", "customers": 0, "active": True}
    table = kacrm("user", "list", "--format", "table", env={"KACRM_LANG": "en"}).stdout
    assert "Manager" in table and "active" in table
    assert "销售经理" in kacrm("user", "list", "--format", "table").stdout
    csv_out = kacrm("user", "list", "--format", "csv").stdout.splitlines()
    assert csv_out[0] == "login,name,role,region,manager,customers,active"
    assert "wangli,王丽,manager,华东,,0,true" in csv_out
    assert kacrm("user", "set-role", "zhangwei", "manager").exit_code == 0
    assert kacrm("user", "remove", "zhangwei").exit_code == 0
    assert "zhangwei" not in kacrm("user", "list", "--format", "csv").stdout
    assert "zhangwei" in kacrm("user", "list", "--all", "--format", "csv").stdout
    handle = open_database(str(db_path))
    assert AuditEntry.select().where(AuditEntry.table_name == "rep").count() >= 5
    handle.close()


@pytest.mark.parametrize("args, words", [
    (["user", "add", "Bad Login", "--name", "x"], "not a valid login"),
    (["user", "add", "boss", "--name", "again"], "already exists"),
    (["user", "set-role", "ghost", "rep"], "no user"),
    (["user", "set-role", "boss", "rep"], "last admin"),
    (["user", "remove", "boss"], "yourself"),
    (["user", "grant", "boss", "C404"], "no customer"),
])
def test_user_mistakes_end_in_one_sentence_and_exit_2(kacrm, args, words):
    kacrm("init")
    result = kacrm(*args)
    assert result.exit_code == 2
    assert words in sentence(result)


def test_click_usage_errors_exit_2(kacrm):
    kacrm("init")
    result = kacrm("user", "add", "x1", "--name", "X", "--role", "boss")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_only_an_admin_manages_users(kacrm):
    kacrm("init")
    kacrm("user", "add", "alice", "--name", "Alice")
    result = kacrm("user", "add", "eve", "--name", "Eve", user="alice")
    assert result.exit_code == 1 and "Only an admin" in sentence(result)  # refused: exit 1


def test_unknown_login_is_told_how_to_get_in(kacrm):
    kacrm("init")
    result = kacrm("user", "list", user="stranger")
    assert result.exit_code == 1 and "kacrm user add stranger" in sentence(result)


def test_user_grant_lets_a_rep_see_a_customer_until_a_date(kacrm, db_path):
    kacrm("init")
    kacrm("user", "add", "alice", "--name", "Alice", "--region", "华东")
    kacrm("user", "add", "bob", "--name", "Bob", "--region", "华北")
    handle = open_database(str(db_path))
    Customer.create(code="C1001", name="上海申华化工", owner=Rep.get(Rep.login == "alice"), region="华东")
    handle.close()
    result = kacrm("user", "grant", "bob", "C1001", "--until", "2099-12-31", "--reason", "joint bid")
    assert result.exit_code == 0, result.output
    assert "2100-01-01" in result.stdout  # through the whole last day
    denied = kacrm("user", "grant", "bob", "C1001", user="alice")
    assert denied.exit_code == 1 and "manager" in sentence(denied)
    handle = open_database(str(db_path))
    grant = AccessGrant.get()
    assert (grant.grantee.login, grant.level, grant.reason) == ("bob", "view", "joint bid")
    handle.close()


def test_check_fails_with_exit_1_when_a_balance_is_off(kacrm, db_path):
    kacrm("init")
    handle = open_database(str(db_path))
    Customer.create(code="C1", name="甲", owner=Rep.get(), balance_cents=100)
    handle.close()
    result = kacrm("check")
    assert result.exit_code == 1
    assert "FAIL" in result.stdout and "C1" in result.stdout
    report = json.loads(kacrm("check", "--format", "json").stdout)
    assert [r["ok"] for r in report if r["check"] == "balances"] == [False]


def test_a_database_newer_than_the_code_is_refused_in_one_sentence(kacrm, db_path):
    kacrm("init")
    raw = sqlite3.connect(db_path)
    raw.execute("INSERT INTO schema_migration (name, applied) VALUES ('0042_future', '2030-01-01')")
    raw.commit()
    raw.close()
    for args in (["init"], ["user", "list"]):
        result = kacrm(*args)
        assert result.exit_code == 2
        assert "newer" in sentence(result)


def test_backup_is_a_consistent_copy_while_another_process_writes(kacrm, db_path, tmp_path):
    kacrm("init")
    stop = threading.Event()

    def writer() -> None:
        conn = sqlite3.connect(db_path, timeout=30, isolation_level=None)
        n = 0
        while not stop.is_set():
            n += 1
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO rep (version, created_at, updated_at, login, name, role, region, phone,"
                         " email, language, active) VALUES (1, '2026-01-01', '2026-01-01', ?, 'w', 'rep', '',"
                         " '', '', '', 1)", (f"w{n}",))
            conn.execute("UPDATE rep SET version = version + 1 WHERE login = 'boss'")
            conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        results = [kacrm("backup", str(tmp_path / f"copy{i}.db")) for i in range(3)]
    finally:
        stop.set()
        thread.join()
    for i, result in enumerate(results):
        assert result.exit_code == 0, result.output
        copy = sqlite3.connect(tmp_path / f"copy{i}.db")
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # one snapshot: each committed transaction added one rep and bumped boss's version once
        reps, version = copy.execute("SELECT (SELECT COUNT(*) FROM rep), (SELECT version FROM rep WHERE login='boss')").fetchone()
        assert version == reps  # boss is rep 1 at version 1; each write adds 1 to both
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        copy.close()
    again = kacrm("backup", str(tmp_path / "copy0.db"))
    assert again.exit_code == 2 and "--force" in sentence(again)
    assert kacrm("backup", "--force", str(tmp_path / "copy0.db")).exit_code == 0


def test_the_installed_console_script_runs(tmp_path):
    kacrm = Path(sys.executable).with_name("kacrm")
    done = subprocess.run([str(kacrm), "--db", str(tmp_path / "n.db"), "--user", "ops", "init"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([str(kacrm), "--db", str(tmp_path / "n.db"), "--user", "ops", "check"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0 and "5" in done.stdout


def test_every_command_module_is_loaded_by_the_commands_it_registers():
    """`LAZY_COMMANDS` names, for each command another module registers, the modules that do: a
    command missing there would vanish from `kacrm`, a wrong module would leave it unregistered."""
    import importlib
    import pkgutil

    import kacrm_tui
    from kacrm_tui.cli import LAZY_COMMANDS, cli
    for info in pkgutil.iter_modules(kacrm_tui.__path__):
        if info.name.startswith("cli_"):
            importlib.import_module(f"kacrm_tui.{info.name}")
    own = {name for name, command in cli.commands.items() if command.callback.__module__ == "kacrm_tui.cli"}
    assert set(cli.commands) - own == set(LAZY_COMMANDS)
    for name, modules in LAZY_COMMANDS.items():
        command = cli.commands[name]
        assert command.callback.__module__ == f"kacrm_tui.{modules[0]}"
        for sub in getattr(command, "commands", {}).values():  # a group's commands, e.g. report weekly
            assert sub.callback.__module__.removeprefix("kacrm_tui.") in modules, (name, sub.name)


def test_a_command_loads_only_its_own_module():
    """`kacrm ingest` starts without the exports, reports and approvals."""
    code = ("import sys; from kacrm_tui.cli import cli; cli.get_command(None, 'ingest');"
            "print(sorted(m for m in sys.modules if m.startswith('kacrm_tui.cli_')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['kacrm_tui.cli_ingest']"
