"""`kacrm migrate-db --to URL`: copy every table of the open database to another one (a SQLite file
or PostgreSQL) and verify the copy before it is committed.

The target gets its schema from the same numbered migrations as `kacrm init`, so it stands at the
same version; a target that already holds rows is refused. Rows go table by table in dependency
order, each in id order, in batches, through the models (so types are converted for the target's
dialect: no SQLite-only SQL reaches it) and with their ids. A reference to a row of the same table
with a higher id (a rep's manager added later) is written once the whole table is there. The
source is read in one transaction (on SQLite it holds the write lock: nothing written meanwhile is
lost) and the target is written in one: the row counts per table and the ledger checks of `kacrm
check` run on the target inside it, so a copy that does not verify is rolled back and leaves the
target empty."""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit, urlunsplit

from peewee import SQL, Database, ForeignKeyField, PostgresqlDatabase

from schema.check import CheckResult, run_checks
from schema.db import database, make_database, sqlite_path
from schema.errors import DatabaseError, KacrmError, ValidationError
from schema.migrate import schema_status, upgrade
from schema.models import ALL_MODELS, BaseModel, Posting

BATCH = 1000  # rows read from the source at a time
Progress = Callable[[str, int, int], None]  # (table, rows done, rows in the table)


@dataclass(frozen=True)
class CopyResult:
    target: str
    version: int  # schema version of the target
    rows: dict[str, tuple[int, int]]  # table -> (rows in the source, rows in the target)
    checks: list[CheckResult]

    @property
    def ok(self) -> bool:
        return all(a == b for a, b in self.rows.values()) and all(c.ok for c in self.checks)


def redact(url: str) -> str:
    """`url` as it may be shown: without the password of a postgresql://user:password@host/name."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _table(model: type[BaseModel]) -> str:
    return model._meta.table_name


def _max_parameters(target: Database) -> int:
    if isinstance(target, PostgresqlDatabase):
        return 65_535
    return 32_766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


def _same_file(source: Database, target: Database) -> bool:
    mine, theirs = sqlite_path(source), sqlite_path(target)
    return mine is not None and theirs is not None and os.path.realpath(mine) == os.path.realpath(theirs)


def _holding_data(target: Database) -> list[str]:
    """The kacrm tables of `target` that already have rows."""
    present = set(target.get_tables())
    return [_table(model) for model in ALL_MODELS
            if _table(model) in present and model.select(SQL("1")).limit(1).exists(target)]


def open_target(url: str, source: Database, *, busy_timeout_seconds: int = 10) -> Database:
    """Connect to the target (not bound to the models) and refuse the source itself or a target that
    already holds data."""
    if "://" not in url and not Path(url).expanduser().absolute().parent.is_dir():
        raise ValidationError(f"The folder {Path(url).expanduser().absolute().parent} does not exist; "
                              "create it or name another file with --to.")
    target = make_database(url, busy_timeout_seconds=busy_timeout_seconds)
    if _same_file(source, target):
        raise ValidationError("The target is the configured database itself; name another file or URL.")
    try:
        target.connect(reuse_if_open=True)
    except Exception as exc:  # the driver's own error: unreachable server, bad password, no such database
        raise DatabaseError(f"Cannot open the target database {redact(url)}: {exc}".rstrip(".") + ".") from None
    full = _holding_data(target)
    if full:
        target.close()
        raise ValidationError(f"The target database already holds data (in {', '.join(full[:3])}); "
                              "give an empty database or a new file.")
    return target


def _copy_table(model: type[BaseModel], target: Database, report: Progress) -> int:
    """Copy one table in id order; returns the rows written."""
    fields = list(model._meta.sorted_fields)
    key = fields.index(model._meta.primary_key)
    later = [i for i, f in enumerate(fields) if isinstance(f, ForeignKeyField) and f.rel_model is model]
    per_insert = max(1, min(BATCH, _max_parameters(target) // len(fields)))
    total = model.select().count()
    done, last = 0, None
    deferred: list[tuple[int, int, object]] = []  # (row id, field index, value) written at the end
    report(_table(model), 0, total)
    while True:
        query = model.select(*fields).order_by(model.id).limit(BATCH)
        if last is not None:
            query = query.where(model.id > last)
        rows = [list(row) for row in query.tuples()]
        if not rows:
            break
        for row in rows:
            for index in later:  # a reference forward, to a row not copied yet
                if row[index] is not None and row[index] > row[key]:
                    deferred.append((row[key], index, row[index]))
                    row[index] = None
        for start in range(0, len(rows), per_insert):
            model.insert_many(rows[start:start + per_insert], fields=fields).execute(target)
        done += len(rows)
        last = rows[-1][key]
        report(_table(model), done, total)
    for row_id, index, value in deferred:
        model.update({fields[index]: value}).where(model.id == row_id).execute(target)
    return done


def _reset_sequences(target: Database) -> None:
    """PostgreSQL hands out ids from a sequence that the copied ids did not move: set each past the
    highest id, so the next row gets a new one."""
    if not isinstance(target, PostgresqlDatabase):
        return
    for model in ALL_MODELS:
        quoted = '"' + _table(model) + '"'
        target.execute_sql(f"SELECT setval(pg_get_serial_sequence('{quoted}', 'id'), "
                           f"COALESCE((SELECT MAX(id) FROM {quoted}), 0) + 1, false)")


def copy_database(source: Database, target: Database, *, url: str, progress: Progress | None = None) -> CopyResult:
    """Copy every table of `source` (bound to the models) into the empty `target`, verify, commit.

    Raises KacrmError, with the target left without data, when the copy does not verify."""
    report = progress or (lambda table, done, total: None)
    upgrade(target)  # the source is at this code's version (the CLI refuses any other)
    counts: dict[str, tuple[int, int]] = {}
    with database.atomic():  # one snapshot of the source
        with target.atomic():
            for model in ALL_MODELS:
                _copy_table(model, target, report)
            _reset_sequences(target)
            for model in ALL_MODELS:
                counts[_table(model)] = (model.select().count(), model.select().count(target))
            with target.bind_ctx(ALL_MODELS + [Posting]):
                checks = run_checks(target)
            result = CopyResult(target=redact(url), version=schema_status(target).current, rows=counts, checks=checks)
            if not result.ok:  # the exception rolls the target back
                bad = [t for t, (a, b) in counts.items() if a != b] + [c.key for c in checks if not c.ok]
                raise KacrmError(f"The copy did not verify ({', '.join(bad)}); nothing was kept in the target: "
                                 "run kacrm check on the source, then try again.")
    return result

