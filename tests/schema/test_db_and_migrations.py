"""The database connection settings and the versioned schema."""
from __future__ import annotations

import sqlite3

import pytest
from playhouse.schema_diff import diff_models

from schema import db as dbmod
from schema.errors import DatabaseError, SchemaTooNew
from schema.migrate import require_current, schema_status, upgrade
from schema.models import ALL_MODELS, Customer, Rep


def test_sqlite_runs_wal_full_sync_foreign_keys_and_a_busy_timeout(db):
    pragma = lambda name: db.execute_sql(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2  # FULL
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") >= 5000


def test_every_transaction_begins_immediate(db, db_path):
    """Inside our transaction, before any statement, another writer is already shut out."""
    other = sqlite3.connect(str(db_path), timeout=0, isolation_level=None)
    with dbmod.transaction():
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


def test_foreign_keys_are_enforced(db, make_rep):
    from peewee import IntegrityError
    with pytest.raises(IntegrityError):
        Customer.create(code="C1", name="x", owner=9999)


def test_migrations_build_exactly_the_models(db):
    assert not diff_models(db, ALL_MODELS), "the migrations and the models disagree: add a migration"
    status = schema_status(db)
    assert status.is_current and status.current == status.latest >= 2


def test_upgrade_from_migration_1_keeps_the_data_and_fills_the_new_columns(db_path):
    handle = dbmod.open_database(str(db_path))
    assert upgrade(handle, "0001_initial") == ["0001_initial"]
    assert schema_status(handle).pending == ("0002_customer_pinyin",)
    with pytest.raises(DatabaseError, match="kacrm init"):
        require_current(handle)
    # data written the way migration 1's schema had it, with plain SQL
    handle.execute_sql("INSERT INTO rep (version, created_at, updated_at, login, name, role, region, phone, email,"
                       " language, active) VALUES (1, '2026-01-02 03:04:05', '2026-01-02 03:04:05', 'alice',"
                       " '王丽', 'rep', '华东', '', '', '', 1)")
    columns = [c.name for c in handle.get_columns("customer")]
    assert "name_pinyin" not in columns
    values = {c: "" for c in columns if c not in ("id",)}
    values.update(version=1, created_at="2026-01-02", updated_at="2026-01-02", deleted_at=None, code="C1001",
                  name="中国石化上海分公司", owner_id=1, credit_limit_cents=50_000_000, credit_days=60,
                  balance_cents=12345, lifecycle="active", grade="A", registered_capital_cents=None,
                  annual_revenue_cents=None, founded=None, first_deal_date=None, employees=None, route=None,
                  purchase_potential_cents=None, **{c: None for c in columns if c.startswith("score_") or c == "intent"})
    handle.execute_sql(f"INSERT INTO customer ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                       list(values.values()))
    assert upgrade(handle) == ["0002_customer_pinyin"]
    require_current(handle)
    customer = Customer.get(Customer.code == "C1001")
    assert (customer.name, customer.balance_cents, customer.credit_days) == ("中国石化上海分公司", 12345, 60)
    assert customer.name_initials == "zgshshfgs" and customer.name_pinyin.startswith("zhongguoshihua")
    assert Rep.get().login == "alice"
    assert not diff_models(handle, ALL_MODELS)


def test_a_database_newer_than_the_code_is_refused(db):
    db.execute_sql("INSERT INTO schema_migration (name, applied) VALUES ('0099_from_the_future', '2027-01-01')")
    with pytest.raises(SchemaTooNew, match="upgrade kacrm"):
        require_current(db)
    with pytest.raises(SchemaTooNew):
        upgrade(db)


def test_a_database_without_schema_asks_for_init(db_path):
    handle = dbmod.open_database(str(db_path))
    with pytest.raises(DatabaseError, match="kacrm init"):
        require_current(handle)


def test_a_missing_folder_is_one_sentence(tmp_path):
    with pytest.raises(DatabaseError, match="does not exist"):
        dbmod.open_database(str(tmp_path / "nope" / "k.db"))


def test_a_sqlite_url_gets_the_same_settings(tmp_path):
    handle = dbmod.open_database(f"sqlite:///{tmp_path / 'u.db'}")
    assert handle.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert handle.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
