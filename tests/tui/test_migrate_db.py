"""`kacrm migrate-db --to URL`: a verified copy of every table to another database (SQLite here:
PostgreSQL is not on the test machine)."""
from __future__ import annotations

import sqlite3

import pytest

from schema.copy_db import redact
from schema.models import ALL_MODELS
from tests.conftest import Kacrm

TABLES = [model._meta.table_name for model in ALL_MODELS]


@pytest.fixture
def demo_size() -> tuple[int, int]:
    return 60, 7


@pytest.fixture
def source(demo) -> str:
    """The demo's database, with a rep whose manager was added after them (a reference to a higher id)."""
    path = demo / "kacrm.db"
    with sqlite3.connect(path) as con:
        con.execute("INSERT INTO rep (version, created_at, updated_at, login, name, role, region, phone, email,"
                    " language, active) VALUES (1, '2026-11-01 00:00:00', '2026-11-01 00:00:00', 'late', '晚到经理',"
                    " 'manager', '', '', '', '', 1)")
        con.execute("UPDATE rep SET manager_id = (SELECT MAX(id) FROM rep) WHERE login = 'zhangwei'")
    return str(path)


@pytest.fixture
def run(source, tmp_path) -> Kacrm:
    return Kacrm(source, "admin", tmp_path)


def rows(path, table: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
    finally:
        con.close()


def test_every_row_of_every_table_is_copied_with_its_id_and_verified(run, source, tmp_path):
    target = tmp_path / "new" / "kacrm.db"
    target.parent.mkdir()
    result = run("migrate-db", "--to", str(target), env={"KACRM_LANG": "en"})
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # a pipe: no progress bar
    for table in TABLES:
        assert rows(target, table) == rows(source, table), table
    copied = {table: len(rows(source, table)) for table in TABLES}
    assert copied["customer"] == 60 and copied["order"] > 0 and copied["payment_allocation"] > 0
    for table in ("customer", "order", "rep"):
        assert f"  {table} " in result.stdout
        assert f"{copied[table]} rows in the source, {copied[table]} in the target" in result.stdout
    assert f"Copied {sum(copied.values())} rows to {target} (schema version 5)" in result.stdout
    con = sqlite3.connect(target)
    assert con.execute("SELECT m.login FROM rep r JOIN rep m ON m.id = r.manager_id WHERE r.login = 'zhangwei'"
                       ).fetchone() == ("late",)
    assert (con.execute("SELECT name FROM schema_migration ORDER BY id").fetchall()
            == sqlite3.connect(source).execute("SELECT name FROM schema_migration ORDER BY id").fetchall())
    con.close()
    assert Kacrm(target, "admin", tmp_path)("check").exit_code == 0
    added = Kacrm(target, "admin", tmp_path)("user", "add", "newrep", "--name", "新人")
    assert added.exit_code == 0, added.output  # the copy takes new rows after the copied ids


def test_a_target_that_holds_data_is_refused(run, tmp_path):
    target = tmp_path / "copy.db"
    assert run("migrate-db", "--to", str(target)).exit_code == 0
    before = rows(target, "customer")
    again = run("migrate-db", "--to", str(target), env={"KACRM_LANG": "en"})
    assert again.exit_code == 2
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1 and "already holds data" in lines[0] and "Traceback" not in again.output
    assert rows(target, "customer") == before


def test_the_database_itself_is_refused(run, source):
    result = run("migrate-db", "--to", source, env={"KACRM_LANG": "en"})
    assert result.exit_code == 2
    assert "is the configured database itself" in result.stderr


def test_only_an_admin_may_migrate(run, tmp_path):
    result = run("migrate-db", "--to", str(tmp_path / "copy.db"), user="demo", env={"KACRM_LANG": "en"})
    assert result.exit_code == 1
    assert "Only an admin may copy the database" in result.stderr
    assert not (tmp_path / "copy.db").exists()


def test_a_copy_that_does_not_verify_leaves_the_target_without_data(run, source, tmp_path):
    with sqlite3.connect(source) as con:  # a breach of the ledger invariant in the source
        con.execute("UPDATE customer SET balance_cents = balance_cents + 1 WHERE id = (SELECT MIN(id) FROM customer)")
    target = tmp_path / "copy.db"
    result = run("migrate-db", "--to", str(target), env={"KACRM_LANG": "en"})
    assert result.exit_code == 2
    assert "did not verify (balances)" in result.stderr
    assert all(rows(target, table) == [] for table in TABLES)
    with sqlite3.connect(source) as con:  # put right, the same target takes the copy
        con.execute("UPDATE customer SET balance_cents = balance_cents - 1 WHERE id = (SELECT MIN(id) FROM customer)")
    assert run("migrate-db", "--to", str(target)).exit_code == 0


def test_a_password_in_the_url_is_not_shown():
    assert redact("postgresql://kacrm:s3cret@db.example:5433/crm") == "postgresql://kacrm:***@db.example:5433/crm"
    assert redact("/srv/kacrm/kacrm.db") == "/srv/kacrm/kacrm.db"


def test_small_batches_keep_order_and_forward_references(run, source, tmp_path, monkeypatch):
    """With 7 rows a batch, zhangwei's manager (the last rep) is in a later batch than zhangwei."""
    import schema.copy_db

    monkeypatch.setattr(schema.copy_db, "BATCH", 7)
    target = tmp_path / "copy.db"
    result = run("migrate-db", "--to", str(target))
    assert result.exit_code == 0, result.output
    for table in ("rep", "customer", "order", "payment_allocation", "target"):
        assert rows(target, table) == rows(source, table), table
