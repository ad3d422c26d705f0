"""What the system keeps about itself: files ingested and the daemon's heartbeat."""
from __future__ import annotations

from peewee import BigIntegerField, CharField, DateField, ForeignKeyField, IntegerField, TextField

from schema import clock, vocab
from schema.models.base import BaseModel, UTCDateTimeField


class IngestedFile(BaseModel):
    """One file seen by the daemon or `kacrm ingest`: its hash, outcome, counts and error report."""

    sha256 = CharField(max_length=64, index=True)
    name = CharField(max_length=255)
    size = BigIntegerField(default=0)
    kind = CharField(max_length=12, default="", choices=vocab.choices(vocab.FILE_KINDS))
    status = CharField(max_length=12, choices=vocab.choices(vocab.FILE_STATUSES), index=True)
    encoding = CharField(max_length=16, default="")
    rows_total = IntegerField(default=0)
    rows_applied = IntegerField(default=0)
    rows_skipped = IntegerField(default=0)  # repeated lines with the same content
    error_count = IntegerField(default=0)
    errors = TextField(default="")  # the error report, as written to NAME.errors.txt
    duplicate_of = ForeignKeyField("self", null=True, backref="duplicates", on_delete="SET NULL")
    received_at = UTCDateTimeField(default=clock.now, index=True)
    archived_path = TextField(default="")
    actor_login = CharField(max_length=64, default="daemon")


class DaemonHeartbeat(BaseModel):
    """The daemon's last sign of life, one row per daemon `name`, shown in the TUI's status bar."""

    name = CharField(max_length=32, unique=True, default="daemon")
    host = CharField(max_length=128, default="")
    pid = IntegerField(default=0)
    inbox = TextField(default="")
    state = CharField(max_length=12, default="starting")  # starting / running / stopped / failing
    started_at = UTCDateTimeField(default=clock.now)
    beat_at = UTCDateTimeField(default=clock.now)
    last_scan_at = UTCDateTimeField(null=True)
    day = DateField(null=True)  # the day the counts below are for
    applied_today = IntegerField(default=0)
    duplicate_today = IntegerField(default=0)
    rejected_today = IntegerField(default=0)
    last_error = TextField(default="")
    last_error_at = UTCDateTimeField(null=True)
