"""The database connection settings and the versioned schema."""
from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
from peewee import SQL
from playhouse.schema_diff import diff_models

from schema import db as dbmod
from schema.errors import DatabaseError, SchemaTooNew
from schema.check import run_checks
from schema.migrate import require_current, schema_status, upgrade
from schema.models import ALL_MODELS, Customer, Rep
from schema.periods import raw_rows_aside


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
    assert schema_status(handle).pending == ("0002_customer_pinyin", "0003_ledger_view", "0004_customer_search", "0005_visit_done")
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
    assert upgrade(handle) == ["0002_customer_pinyin", "0003_ledger_view", "0004_customer_search", "0005_visit_done"]
    require_current(handle)
    customer = Customer.get(Customer.code == "C1001")
    assert (customer.name, customer.balance_cents, customer.credit_days) == ("中国石化上海分公司", 12345, 60)
    assert customer.name_initials == "zgshshfgs" and customer.name_pinyin.startswith("zhongguoshihua")
    assert Rep.get().login == "alice"
    assert not diff_models(handle, ALL_MODELS)


def test_migration_3_keeps_the_adjustments_and_the_ledger_view_sums_to_the_balances(db_path):
    handle = dbmod.open_database(str(db_path))
    upgrade(handle, "0002_customer_pinyin")
    sql = handle.execute_sql
    stamp = "'2026-01-02 03:04:05'"
    sql(f"INSERT INTO rep (id, version, created_at, updated_at, login, name, role, region, phone, email, language,"
        f" active) VALUES (1, 1, {stamp}, {stamp}, 'boss', '老板', 'manager', '', '', '', '', 1)")
    # every column filled the way its type asks, then the ones that matter
    values = {c.name: None if c.null else (0 if "INT" in c.data_type.upper() else "")
              for c in handle.get_columns("customer") if c.name != "id"}
    values.update(version=1, created_at="2026-01-02", updated_at="2026-01-02", code="C1", name="甲", owner_id=1,
                  credit_limit_cents=0, credit_days=30, balance_cents=100_000 - 30_000 - 500 + 500 + 20)
    sql(f"INSERT INTO customer ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})", list(values.values()))
    sql(f"INSERT INTO \"order\" (order_no, customer_id, order_date, due_date, amount_cents, open_cents, currency,"
        f" content_hash, created_at) VALUES ('O1', 1, '2026-01-05', '2026-02-04', 100000, 70000, 'CNY', '{'ab' * 32}',"
        f" {stamp})")
    sql(f"INSERT INTO payment (payment_ref, customer_id, paid_on, amount_cents, unapplied_cents, method, order_no,"
        f" currency, content_hash, created_at) VALUES ('P1', 1, '2026-01-20', 30000, 0, 'transfer', '', 'CNY', '',"
        f" {stamp})")
    for row in ((1, "'order'", 100_000, 1, "NULL", "NULL", "''"), (2, "'payment'", -30_000, "NULL", 1, "NULL", "''"),
                (3, "'adjustment'", -500, "NULL", "NULL", "NULL", "'差价'"),
                (4, "'adjustment'", 500, "NULL", "NULL", 3, "'冲销'"), (5, "'adjustment'", 20, "NULL", "NULL", "NULL", "'尾差'")):
        sql(f"INSERT INTO ledger_entry (id, customer_id, posted_on, kind, amount_cents, order_id, payment_id,"
            f" reverses_id, reason, created_by_id, created_at) VALUES ({row[0]}, 1, '2026-01-31', {row[1]}, {row[2]},"
            f" {row[3]}, {row[4]}, {row[5]}, {row[6]}, 1, {stamp})")
    assert upgrade(handle) == ["0003_ledger_view", "0004_customer_search", "0005_visit_done"]
    assert not diff_models(handle, ALL_MODELS)
    assert "ledger_entry" not in handle.get_tables()
    assert sql('SELECT content_hash FROM "order"').fetchone()[0] == "ab" * 16  # the form new lines hash to
    assert sorted(sql("SELECT id, amount_cents, reverses_id, reason FROM adjustment").fetchall()) == [
        (3, -500, None, "差价"), (4, 500, 3, "冲销"), (5, 20, None, "尾差")]
    assert sorted(sql("SELECT kind, amount_cents FROM posting").fetchall()) == [
        ("adjustment", -500), ("adjustment", 20), ("adjustment", 500), ("order", 100_000), ("payment", -30_000)]
    assert [r.ok for r in run_checks(handle) if r.key in ("balances", "postings")] == [True, True]
    assert schema_status(handle).is_current


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


def test_a_query_read_aside_sees_what_this_connection_sees(db, make_rep, make_customer):
    """Read on a second connection outside a transaction, here inside one (whose rows only this
    connection sees); a failure reaches the thread that waits for the rows."""
    alice = make_rep("alice")
    make_customer(alice, code="K1")
    codes = Customer.select(Customer.code).order_by(Customer.code)
    waiting = raw_rows_aside(codes)
    assert waiting() == [("K1",)]
    with dbmod.transaction():
        make_customer(alice, code="K2")
        assert raw_rows_aside(codes)() == [("K1",), ("K2",)]
    with pytest.raises(Exception, match="no such column"):
        raw_rows_aside(Customer.select(Customer.code).where(SQL("nothing_here = 1")))()


def test_pooled_connections_go_from_thread_to_thread_and_see_every_commit(db, db_path, make_rep, make_customer):
    """The app's workers (threads) take turns on the pool's connections: the next thread gets the
    connection the last one gave back, still open; what another connection committed meanwhile is
    seen; a transaction a thread left open is rolled back, not handed on."""
    alice = make_rep("alice")
    make_customer(alice, code="K1")
    pooled = dbmod.pool_connections()
    assert dbmod.database.obj is pooled is not db and dbmod.pool_connections() is pooled
    assert dbmod.is_sqlite() and dbmod.sqlite_path() == str(db_path)

    def in_a_thread(work):
        with ThreadPoolExecutor(1) as thread:
            return thread.submit(work).result()

    def codes():
        with dbmod.database.connection_context():
            return dbmod.database.connection(), [c.code for c in Customer.select().order_by(Customer.code)]

    first, seen = in_a_thread(codes)
    assert seen == ["K1"]
    other = sqlite3.connect(str(db_path), isolation_level=None)
    other.execute("UPDATE customer SET code = 'K9' WHERE code = 'K1'")
    other.close()
    again, seen = in_a_thread(codes)
    assert again is first and seen == ["K9"]  # the same connection, which sees the other's commit
    assert dbmod.database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1  # set up as any other

    def left_open():
        dbmod.database.connect()
        dbmod.database.execute_sql("BEGIN IMMEDIATE")
        dbmod.database.execute_sql("UPDATE customer SET code = 'LOST'")
        dbmod.database.close()  # back to the pool inside its transaction

    in_a_thread(left_open)
    assert in_a_thread(codes)[1] == ["K9"]
    dbmod.close_idle_connections()
    assert in_a_thread(codes)[0] is not first  # closed, so a new one
