"""One daemon per database. On SQLite an exclusive `flock` on `<database file>.daemon.lock`, held for
the life of the process (the kernel drops it when the process dies, even by kill -9); on PostgreSQL
a session advisory lock on a connection of its own. The holder writes its pid and host where a
second daemon can read them, so the refusal names who holds the lock."""
from __future__ import annotations

import fcntl
import os
import socket
import time
from dataclasses import dataclass

from peewee import Database

from schema.db import is_sqlite, sqlite_path
from schema.errors import KacrmError

# pg_try_advisory_lock key: "kacrm" in ASCII, below 2**31 so that pg_locks shows it as objid with classid 0
ADVISORY_KEY = 0x6B6163
APPLICATION_PREFIX = "kacrm-daemon"


class DaemonAlreadyRunning(KacrmError):
    """Another daemon holds the lock of this database."""

    def __init__(self, database: str, pid: int | None, host: str, *, message: str | None = None):
        self.database, self.holder_pid, self.holder_host = database, pid, host
        who = f"pid {pid} on host {host}" if pid else f"on host {host}" if host else "pid unknown"
        super().__init__(message or f"Another kacrm daemon ({who}) is already running on the database {database}; "
                                    f"stop it first (systemctl stop kacrm-daemon) or let it do the work.")


def holder_text(pid: int, host: str) -> str:
    return f"{pid} {host}\n"


def parse_holder(text: str) -> tuple[int | None, str]:
    pid, _, host = text.strip().partition(" ")
    return (int(pid) if pid.isdigit() else None), host.strip()


@dataclass
class DaemonLock:
    """A held lock; `release()` gives it back (the end of the process does too)."""

    database: str
    fd: int | None = None
    connection: object | None = None  # PostgreSQL: the dedicated connection that holds the lock

    def touch(self) -> None:
        """A sign of life that needs no database: while a long file holds SQLite's write lock the
        heartbeat row cannot be written, so the lock file's time is kept fresh instead."""
        if self.fd is not None:
            os.utime(self.fd)

    def verify(self) -> None:
        """Raise if the lock may have been lost (PostgreSQL: its connection died)."""
        if self.connection is not None:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT 1")

    def release(self) -> None:
        if self.fd is not None:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            finally:
                os.close(self.fd)
                self.fd = None
        if self.connection is not None:
            try:
                self.connection.close()  # closing the session releases its advisory locks
            finally:
                self.connection = None

    def __enter__(self) -> DaemonLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_path(database: str) -> str:
    return database + ".daemon.lock"


def busy_beat_age(db: Database, now: float | None = None) -> float | None:
    """Seconds since the running daemon last touched its SQLite lock file (None: no such file)."""
    path = sqlite_path(db) if is_sqlite(db) else None
    try:
        return max(0.0, (now or time.time()) - os.stat(lock_path(path)).st_mtime) if path else None
    except OSError:
        return None


def acquire_lock(db: Database) -> DaemonLock:
    """Take the daemon lock of `db`; raise DaemonAlreadyRunning if another process holds it."""
    pid, host = os.getpid(), socket.gethostname()
    if is_sqlite(db):
        path = sqlite_path(db)
        if path is None:  # an in-memory database belongs to this process alone
            return DaemonLock(":memory:")
        return _flock(path, pid, host)
    return _advisory(db, pid, host)


def _flock(database: str, pid: int, host: str) -> DaemonLock:
    path = lock_path(database)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        try:
            holder = os.pread(fd, 512, 0).decode("utf-8", "replace")
        finally:
            os.close(fd)
        raise DaemonAlreadyRunning(database, *parse_holder(holder)) from None
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, holder_text(pid, host).encode(), 0)
    return DaemonLock(database, fd=fd)


def _advisory(db: Database, pid: int, host: str) -> DaemonLock:
    connection = db._connect()  # a session of its own: the lock lives exactly as long as it
    connection.autocommit = True
    name = f"{APPLICATION_PREFIX} {pid} {host}"[:63]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", (ADVISORY_KEY,))
        (taken,) = cursor.fetchone()
        if taken:
            cursor.execute("SELECT set_config('application_name', %s, false)", (name,))
            return DaemonLock(str(db.database), connection=connection)
        cursor.execute(
            "SELECT a.application_name, host(a.client_addr) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = %s AND l.granted", (ADVISORY_KEY,))
        found = cursor.fetchone()
    connection.close()
    holder_pid, holder_host = None, ""
    if found:
        application, client = found
        if (application or "").startswith(APPLICATION_PREFIX + " "):
            holder_pid, holder_host = parse_holder(application[len(APPLICATION_PREFIX) + 1:])
        holder_host = holder_host or client or ""
    raise DaemonAlreadyRunning(str(db.database), holder_pid, holder_host)


__all__ = ["DaemonAlreadyRunning", "DaemonLock", "acquire_lock", "busy_beat_age", "lock_path", "ADVISORY_KEY"]
