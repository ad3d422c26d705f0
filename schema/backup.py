"""`kacrm backup`: a consistent copy of a live SQLite database through SQLite's online backup API.

The copy is one snapshot even while others write (WAL readers do not block writers), goes to a
temporary name first and is renamed into place only once it is complete, synced and checked."""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from peewee import Database

from schema.db import is_sqlite, sqlite_path
from schema.errors import KacrmError, ValidationError


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    pages: int


def backup(db: Database, target: Path, *, overwrite: bool = False) -> BackupResult:
    """Copy the open SQLite database `db` to `target` (a single self-contained file)."""
    if not is_sqlite(db):
        raise KacrmError("kacrm backup copies SQLite databases; back PostgreSQL up with pg_dump.")
    target = target.expanduser().resolve()
    source = sqlite_path(db)
    if source and Path(source) == target:
        raise ValidationError("The backup cannot overwrite the database itself; name another file.")
    if target.is_dir():
        raise ValidationError(f"{target} is a folder; name the backup file, e.g. {target / 'kacrm-backup.db'}.")
    if target.exists() and not overwrite:
        raise ValidationError(f"{target} already exists; pass --force to replace it or name another file.")
    if not target.parent.is_dir():
        raise ValidationError(f"The folder {target.parent} does not exist.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    copy = sqlite3.connect(str(partial))
    try:
        db.connection().backup(copy)  # all pages in one step: one consistent snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # the copy stands alone, no -wal beside it
        verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        pages = copy.execute("PRAGMA page_count").fetchone()[0]
    finally:
        copy.close()
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise KacrmError(f"The backup copy failed its integrity check ({verdict}); the database may be damaged: run kacrm check.")
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return BackupResult(target, target.stat().st_size, pages)
