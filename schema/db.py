"""The database connection: one `DatabaseProxy` the models bind to, opened from a SQLite path or a
URL. SQLite runs in WAL mode with synchronous=FULL, a busy timeout and foreign keys on, and every
transaction begins IMMEDIATE so that a read-then-write never fails half way with "database is
locked" after another writer committed. Nothing here is SQLite-only for the models' sake: a
PostgreSQL URL goes through `playhouse.db_url` with the same models."""
from __future__ import annotations

import importlib.util
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

from peewee import Database, DatabaseProxy, OperationalError, SqliteDatabase
from playhouse import db_url
from playhouse.pool import PooledDatabase, PooledSqliteDatabase

from schema.errors import DatabaseError

database = DatabaseProxy()

MIN_BUSY_TIMEOUT_SECONDS = 5


def sqlite_pragmas(busy_timeout_seconds: int) -> dict[str, object]:
    return {
        "page_size": 8192,  # for a new database only (before WAL fixes it): fewer, fuller pages for big tables
        "journal_mode": "wal",
        "synchronous": "full",  # money: a committed transaction survives power loss
        "foreign_keys": 1,
        "busy_timeout": int(busy_timeout_seconds * 1000),
        "cache_size": -64 * 1024,  # 64 MiB page cache
    }


def make_database(target: str, *, busy_timeout_seconds: int = 10) -> Database:
    """Build (not connect) a peewee database for a SQLite path or a database URL."""
    timeout = max(busy_timeout_seconds, MIN_BUSY_TIMEOUT_SECONDS)
    if "://" not in target:
        path = Path(target).expanduser()
        if path.parent and not path.parent.exists():
            raise DatabaseError(f"The folder {path.parent} for the database does not exist; create it or pass another --db.")
        return SqliteDatabase(str(path), pragmas=sqlite_pragmas(timeout), timeout=timeout,
                              lock_type="IMMEDIATE")
    scheme = urlparse(target).scheme
    if scheme.startswith("sqlite"):
        return db_url.connect(target, pragmas=sqlite_pragmas(timeout), timeout=timeout,
                              lock_type="IMMEDIATE")
    if scheme.startswith("postgres") and importlib.util.find_spec("psycopg2") is None:
        raise DatabaseError("PostgreSQL needs the driver: pip install 'kacrm[postgres]'.")
    try:
        return db_url.connect(target)
    except (RuntimeError, ValueError) as exc:
        raise DatabaseError(f"Cannot use database {target!r}: {exc}") from None


def open_database(target: str, *, busy_timeout_seconds: int = 10) -> Database:
    """Bind the models to `target` and check that it can be opened."""
    db = make_database(target, busy_timeout_seconds=busy_timeout_seconds)
    database.initialize(db)
    try:
        db.connect(reuse_if_open=True)
    except OperationalError as exc:
        raise DatabaseError(f"Cannot open the database {target}: {exc}.") from None
    return db


def pool_connections() -> Database:
    """Rebind the models to a pool over the same SQLite file, for a program whose threads each
    take a connection for one piece of work (the app's workers): a closed connection goes back to
    the pool open, and the next thread takes it with its page cache and parsed schema warm (a
    search on 100,000 customers: 26 ms on a new connection, 13 ms on a used one). One thread
    uses a connection at a time; a transaction left open is rolled back on its return.
    PostgreSQL and in-memory databases are left as they are."""
    db = database.obj
    if isinstance(db, PooledDatabase) or sqlite_path(db) is None:
        return db
    pooled = PooledSqliteDatabase(db.database, max_connections=None, stale_timeout=None,
                                  pragmas=db._pragmas, lock_type=db._lock_type, check_same_thread=False)
    db.close()
    database.initialize(pooled)
    return pooled


def close_idle_connections() -> None:
    """Close the pool's connections no thread is using (when the program that pooled them ends)."""
    if isinstance(database.obj, PooledDatabase):
        database.obj.close_idle()


def is_sqlite(db: Database | None = None) -> bool:
    db = db or database.obj
    return isinstance(db, SqliteDatabase)


def sqlite_path(db: Database | None = None) -> str | None:
    """The file behind a SQLite database, None for PostgreSQL or an in-memory database."""
    db = db or database.obj
    if not is_sqlite(db) or db.database in ("", ":memory:"):
        return None
    return os.path.abspath(db.database)


@contextmanager
def transaction() -> Iterator[None]:
    """One write transaction (BEGIN IMMEDIATE on SQLite); nested calls become savepoints."""
    with database.atomic():
        yield


@contextmanager
def trusted_references() -> Iterator[None]:
    """For a bulk load whose every reference was read inside its own write transaction (so none
    can dangle): SQLite skips the foreign-key lookups of each row, a third of the time of a
    million-row insert. Only outside a transaction, where SQLite can change the setting; PostgreSQL
    keeps checking. `kacrm check` runs the foreign-key check over everything."""
    db = database.obj
    if not is_sqlite(db) or db.in_transaction():
        yield
        return
    db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        db.execute_sql("PRAGMA foreign_keys = ON")


def refresh_statistics() -> None:
    """Let the query planner know the tables as they are now (ANALYZE; on SQLite about 1.6 s over
    a million orders). Without it SQLite takes an index on `deleted_at` for selective, reads a
    whole table through it, and a search that should take milliseconds takes a second."""
    database.execute_sql("ANALYZE")
