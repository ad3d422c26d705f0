"""The schema version: numbered migrations in `schema/migrations/`, applied by peewee's
`playhouse.migrations` runner and recorded in the `schema_migration` table."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from peewee import Database
from playhouse.migrations import Runner

from schema.errors import DatabaseError, SchemaTooNew

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
HISTORY_TABLE = "schema_migration"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SchemaStatus:
    current: int  # the highest migration applied; 0 for an empty database
    latest: int  # the highest migration this code knows
    pending: tuple[str, ...]
    unknown: tuple[str, ...]  # applied by a newer kacrm: this code has no such file

    @property
    def is_current(self) -> bool:
        return not self.pending and not self.unknown


def _runner(db: Database) -> Runner:
    return Runner(db, str(MIGRATIONS_DIR), table_name=HISTORY_TABLE)


def schema_status(db: Database) -> SchemaStatus:
    """Where the database stands against the migrations this code ships."""
    rows = _runner(db).status()
    known = [m for m in rows if m.path is not None]
    latest = max((m.idx for m in known), default=0)
    current = max((m.idx for m in rows if m.applied), default=0)
    return SchemaStatus(
        current=current,
        latest=latest,
        pending=tuple(m.name for m in known if not m.applied),
        unknown=tuple(m.name for m in rows if m.applied and m.path is None),
    )


def refuse_newer(status: SchemaStatus) -> None:
    if status.unknown or status.current > status.latest:
        raise SchemaTooNew(
            f"This database is at schema version {status.current}, newer than this kacrm knows "
            f"({status.latest}); upgrade kacrm before using it."
        )


def upgrade(db: Database, target: str | None = None) -> list[str]:
    """Create or upgrade the schema; returns the names of the migrations applied.

    A database upgraded by a newer kacrm is refused and left untouched."""
    refuse_newer(schema_status(db))
    applied = _runner(db).up(target)
    for name in applied:
        log.info("applied migration %s", name)
    return applied


def require_current(db: Database) -> SchemaStatus:
    """Refuse to work on a database that is missing, behind or ahead of this code."""
    status = schema_status(db)
    refuse_newer(status)
    if status.current == 0:
        raise DatabaseError("This database has no kacrm schema yet; run `kacrm init` first.")
    if status.pending:
        raise DatabaseError(
            f"This database is at schema version {status.current} and this kacrm needs "
            f"{status.latest}; run `kacrm init` to upgrade it (make a `kacrm backup` first)."
        )
    return status
