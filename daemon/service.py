"""The ingest daemon (DESIGN §4): watch the inbox, take each complete file and hand it to
`daemon.ingest.ingest_file`, which applies or rejects it in one transaction and moves it away.

File-system events are only hints that wake the loop; the inbox is scanned at start and every
`rescan_seconds`, so a lost or repeated event changes nothing. A file is taken when it was renamed
into the inbox, or when its size and mtime have not changed for `settle_seconds`. Everything that
touches the database runs on the loop's own thread. A file whose ingest raises is left in place and
retried with a back-off: the daemon never dies of a bad file."""
from __future__ import annotations

import fnmatch
import logging
import math
import os
import queue
import signal
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from peewee import InterfaceError, OperationalError
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from schema import clock
from schema.alerts import refresh_alerts
from schema.config import Config
from schema.db import database, open_database, refresh_statistics
from schema.errors import KacrmError
from schema.migrate import require_current
from schema.risk import refresh_risk_alerts
from schema.segments import refresh_finished_quarter

from daemon.heartbeat import Heartbeat, local_day
from daemon.ingest import Destinations, ingest_file
from daemon.lock import acquire_lock

log = logging.getLogger("kacrm.daemon")

IGNORED = ("*.tmp", ".*", "~$*", "*.partial", "*.crdownload", "*.part")
POLL_SECONDS = 0.5  # the longest wait, so that a stop event set by another thread is seen soon
MIN_SCAN_GAP = 0.05  # a burst of events (a slow copy) becomes one scan per this many seconds
MAX_BACKOFF_SECONDS = 900.0
BUSY_RETRY_SECONDS = 1.0
ALERTS_RETRY_SECONDS = 60.0


class InboxUnavailable(KacrmError):
    """A daemon folder is missing and cannot be created, or is not writable."""

    def __init__(self, folder: Path, reason: str, *, message: str | None = None):
        self.folder, self.reason = folder, reason
        super().__init__(message or f"The folder {folder} cannot be used by the daemon ({reason}); create it and "
                                    f"make it writable for the daemon's user, or pass another --inbox.")


def ignored(name: str) -> bool:
    """Temporary, hidden and partial-download names, which writers rename when they are done."""
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, pattern) for pattern in IGNORED)


def is_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked": another writer held the lock beyond the busy timeout."""
    return isinstance(exc, (OperationalError, sqlite3.OperationalError)) and (
        "locked" in str(exc) or "busy" in str(exc))


@dataclass
class Sighting:
    size: int
    mtime_ns: int
    since: float  # time.monotonic() when the file was first seen at this size and mtime


@dataclass
class Retry:
    signature: tuple[int, int]
    attempts: int  # failures so far (0: only "database is locked")
    at: float  # time.monotonic() of the next try


class Hints(FileSystemEventHandler):
    """Runs on watchdog's thread: only notes renames into the inbox and wakes the loop."""

    def __init__(self, inbox: Path, wake: threading.Event):
        self.inbox, self.wake = inbox, wake
        self.renamed: queue.SimpleQueue[str] = queue.SimpleQueue()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in ("created", "modified", "moved", "closed"):
            return
        if event.event_type == "moved":
            destination = Path(os.fsdecode(event.dest_path))
            if destination.parent == self.inbox:
                self.renamed.put(destination.name)
        self.wake.set()


class Service:
    def __init__(self, config: Config, *, inbox: Path | None, once: bool, stop: threading.Event | None):
        self.config, self.once = config, once
        self.inbox, self.archive, self.rejected = (p.absolute() for p in config.inbox_dirs(inbox))
        self.destinations = Destinations(self.archive, self.rejected)
        self.settle, self.rescan = config.daemon.settle_seconds, config.daemon.rescan_seconds
        self.stop = stop or threading.Event()
        self.wake = threading.Event()
        self.hints = Hints(self.inbox, self.wake)
        self.sightings: dict[str, Sighting] = {}
        self.renamed: set[str] = set()
        self.retries: dict[str, Retry] = {}
        self.given_up: set[str] = set()  # --once: files that failed, left for the next run
        self.heartbeat = Heartbeat(config, self.inbox)
        self.alerts_day = None
        self.alerts_at = 0.0
        self.signalled: int | None = None
        self.last_scan = -math.inf
        self.inbox_lost = False
        self._quiet = False  # a heartbeat write failed and was logged; log the next only after a success

    def prepare_folders(self) -> None:
        for folder in (self.inbox, self.archive, self.rejected):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except FileExistsError:
                raise InboxUnavailable(folder, "a file of that name is in the way") from None
            except OSError as exc:
                raise InboxUnavailable(folder, exc.strerror or str(exc)) from None
            if not os.access(folder, os.W_OK | os.X_OK):
                raise InboxUnavailable(folder, "not writable")

    def _on_signal(self, signum: int, frame: object) -> None:
        self.signalled = signum  # logged by the loop: a handler must not take the logging lock
        self.stop.set()
        self.wake.set()

    def _signals(self) -> dict[int, object]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        return {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}

    def _watch(self) -> Observer | None:
        try:
            observer = Observer()
            observer.schedule(self.hints, str(self.inbox), recursive=False)
            observer.daemon = True
            observer.start()
            return observer
        except Exception as exc:  # e.g. the inotify watch limit: scanning alone still works
            log.warning("cannot watch %s for changes (%s); relying on a scan every %s s", self.inbox, exc, self.rescan)
            return None

    def run(self) -> int:
        self.prepare_folders()
        connected_here = database.is_closed()
        database.connect(reuse_if_open=True)
        lock = self.lock = acquire_lock(database.obj)
        try:
            self.heartbeat.start()
            previous = self._signals()
            observer = None if self.once else self._watch()
            try:
                code = self._drain() if self.once else self._loop()
            except BaseException as exc:
                log.critical("the daemon stops on an unexpected error", exc_info=exc)
                self._safe(self.heartbeat.error, f"{type(exc).__name__}: {exc}")
                self._safe(self.heartbeat.set_state, "failing")
                raise
            finally:
                if observer is not None:
                    observer.stop()
                    observer.join(timeout=5)
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
            if self.signalled is not None:
                log.info("stopped on %s", signal.Signals(self.signalled).name)
            self._safe(self.heartbeat.set_state, "stopped")
            return code
        finally:
            lock.release()
            if connected_here:
                database.close()

    def _loop(self) -> int:
        log.info("watching %s (archive %s, rejected %s)", self.inbox, self.archive, self.rejected)
        self._alerts()
        next_scan, initial = 0.0, True
        self._safe(self.heartbeat.set_state, "running")
        while not self.stop.is_set():
            now = time.monotonic()
            woke = self.wake.is_set()
            self.wake.clear()
            self._take_hints()
            if now >= next_scan or (woke and now - self.last_scan >= MIN_SCAN_GAP):
                full = now >= next_scan
                self._scan(initial=initial)
                initial = False
                self._safe(self.heartbeat.beat, scanned_at=clock.now(), force=full)
                next_scan = now + self.rescan if full else next_scan
            for path in self._ready():
                if self.stop.is_set():
                    break
                self._take(path)
            self._alerts()
            self._safe(self.heartbeat.beat)
            self.wake.wait(self._timeout(next_scan))
        return 0

    def _drain(self) -> int:
        """--once: everything in the inbox now, waiting (bounded) for files still being written."""
        deadline = time.monotonic() + max(30.0, 10 * self.settle)
        self._alerts()
        self._safe(self.heartbeat.set_state, "running")
        initial = True
        while not self.stop.is_set():
            self._scan(initial=initial)
            self._safe(self.heartbeat.beat, scanned_at=clock.now())
            initial = False
            for path in self._ready():
                if self.stop.is_set():
                    break
                self._take(path)
            waiting = [name for name in self.sightings if name not in self.given_up]
            if not waiting or self.stop.is_set():
                break
            if time.monotonic() > deadline:
                log.warning("still being written, left for the next run: %s", ", ".join(sorted(waiting)))
                break
            self.wake.wait(self._timeout(deadline))
        return 1 if self.given_up else 0

    def _timeout(self, next_scan: float) -> float:
        now = time.monotonic()
        moments = [next_scan, now + POLL_SECONDS, now + self.heartbeat.interval]
        moments += [s.since + self.settle for s in self.sightings.values()]
        moments += [r.at for r in self.retries.values()]
        # moments already past belong to files waiting for a retry (or given up): not a reason to spin
        return min((moment - now for moment in moments if moment > now), default=0.01)

    def _take_hints(self) -> None:
        while True:
            try:
                self.renamed.add(self.hints.renamed.get_nowait())
            except queue.Empty:
                return

    def _scan(self, *, initial: bool) -> None:
        """Note every candidate file in the inbox: a regular file, not a link, not a temporary name."""
        now, wall = time.monotonic(), time.time()
        self.last_scan = now
        try:
            entries = list(os.scandir(self.inbox))
        except OSError as exc:  # removed, unmounted: failing until it is back (not recreated: that hides a lost mount)
            log.error("cannot read the inbox %s: %s", self.inbox, exc)
            self._safe(self.heartbeat.error, f"cannot read the inbox {self.inbox}: {exc}")
            self.inbox_lost = True
            self._update_state()
            return
        if self.inbox_lost:
            self.inbox_lost = False
            self._update_state()
        seen = set()
        for entry in entries:
            if ignored(entry.name):
                continue
            try:
                if entry.is_symlink() or not entry.is_file(follow_symlinks=False):
                    continue
                stat = entry.stat(follow_symlinks=False)
            except OSError:  # gone meanwhile
                continue
            seen.add(entry.name)
            old = self.sightings.get(entry.name)
            if old is None or (old.size, old.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                since = now
                if initial and 0 <= wall - stat.st_mtime_ns / 1e9 - self.settle:
                    since = now - self.settle  # there before we started, untouched for settle_seconds
                self.sightings[entry.name] = Sighting(stat.st_size, stat.st_mtime_ns, since)
        for name in list(self.sightings):
            if name not in seen:
                del self.sightings[name]
                self.renamed.discard(name)
                self.retries.pop(name, None)
        self.renamed &= seen

    def _ready(self) -> list[Path]:
        """Files complete and due, oldest mtime first, then by name."""
        now = time.monotonic()
        ready = []
        for name, seen in self.sightings.items():
            retry = self.retries.get(name)
            if name in self.given_up or (retry and retry.signature == (seen.size, seen.mtime_ns) and now < retry.at):
                continue
            if name in self.renamed or now - seen.since >= self.settle:
                ready.append((seen.mtime_ns, name))
        return [self.inbox / name for _, name in sorted(ready)]

    def _unchanged(self, path: Path) -> bool:
        """Still the regular file we saw; if it changed, it is being written: watch it settle again."""
        try:
            stat = path.lstat()
        except FileNotFoundError:
            self.sightings.pop(path.name, None)
            return False
        seen = self.sightings[path.name]
        if (stat.st_size, stat.st_mtime_ns) == (seen.size, seen.mtime_ns):
            return True
        self.sightings[path.name] = Sighting(stat.st_size, stat.st_mtime_ns, time.monotonic())
        self.renamed.discard(path.name)
        return False

    @contextmanager
    def _busy(self) -> Iterator[None]:
        """While a file is ingested the heartbeat row may be locked out: touch the lock file."""
        done = threading.Event()

        def touch() -> None:
            while not done.wait(self.heartbeat.interval):
                self._safe(self.lock.touch)

        beat = threading.Thread(target=touch, name="kacrm-busy-beat", daemon=True)
        beat.start()
        try:
            yield
        finally:
            done.set()
            beat.join()

    def _take(self, path: Path) -> None:
        if not self._unchanged(path):
            return
        name = path.name
        log.debug("ingesting %s", name)
        try:
            with self._busy():
                outcome = ingest_file(path, self.config, destinations=self.destinations)
        except Exception as exc:  # noqa: BLE001 - whatever one file does, the daemon goes on
            self._failed(path, exc)
            return
        self.sightings.pop(name, None)
        self.renamed.discard(name)
        self.retries.pop(name, None)
        level = logging.WARNING if outcome.status == "rejected" else logging.INFO
        where = f" -> {outcome.moved_to}" if outcome.moved_to else ""
        log.log(level, "%s%s", outcome.summary(self.config.ui.language), where)
        self._safe(self.heartbeat.count, outcome.status)
        self._update_state()

    def _failed(self, path: Path, exc: Exception) -> None:
        name = path.name
        if isinstance(exc, (OperationalError, InterfaceError)) and not is_busy(exc):
            database.close()  # the connection may be broken (PostgreSQL restarted): reconnect next time
        if not path.exists():
            log.info("%s disappeared from the inbox before it was dealt with", name)
            self.sightings.pop(name, None)
            self.retries.pop(name, None)
            return
        seen = self.sightings.get(name)
        signature = (seen.size, seen.mtime_ns) if seen else (0, 0)
        previous = self.retries.get(name)
        attempts = previous.attempts if previous and previous.signature == signature else 0
        if is_busy(exc):
            log.warning("%s: the database is busy (another writer holds it); retrying in %s s", name, BUSY_RETRY_SECONDS)
            self.retries[name] = Retry(signature, attempts, time.monotonic() + BUSY_RETRY_SECONDS)
            return
        attempts += 1
        delay = min(self.rescan * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
        if self.once:
            self.given_up.add(name)
            log.error("%s could not be processed and is left in the inbox", name, exc_info=exc)
        else:
            log.error("%s could not be processed (attempt %d) and is left in the inbox; retrying in %.1f s",
                      name, attempts, delay, exc_info=exc)
        self.retries[name] = Retry(signature, attempts, time.monotonic() + delay)
        self._safe(self.heartbeat.error, f"{name}: {type(exc).__name__}: {exc}")
        self._update_state()

    def _update_state(self) -> None:
        """failing while some file cannot be processed or the inbox cannot be read, running otherwise."""
        failing = self.inbox_lost or any(r.attempts > 0 for r in self.retries.values())
        state = "failing" if failing else "running"
        if self.heartbeat.state != state:
            self._safe(self.heartbeat.set_state, state)

    def _alerts(self) -> None:
        """Refresh alerts at start and when the local day changes, so overdue ones appear without
        files; after a quarter ends, classify the customers for it (segments snapshot); and raise
        or resolve the early warnings (DSO, sales against balance)."""
        today = local_day(self.config.ui.tzinfo)
        if self.alerts_day == today or time.monotonic() < self.alerts_at:
            return
        try:
            counts = refresh_alerts(None, overdue_days=self.config.daemon.overdue_alert_days)
        except Exception as exc:  # noqa: BLE001
            log.warning("could not refresh the alerts; trying again in %s s", ALERTS_RETRY_SECONDS, exc_info=exc)
            self.alerts_at = time.monotonic() + ALERTS_RETRY_SECONDS
            return
        self.alerts_day = today
        log.info("alerts refreshed for %s: %d raised, %d resolved", today, counts.raised, counts.resolved)
        try:  # once a day is enough to notice that a quarter has ended
            period = refresh_finished_quarter(self.config.abc, self.config.segments, today=today)
        except Exception as exc:  # noqa: BLE001 - tried again tomorrow, or at the next start
            log.warning("could not refresh the customer classification", exc_info=exc)
        else:
            if period:
                log.info("customers classified for %s (kacrm report segments --moves)", period)
        try:  # a day of files changes the tables' shape: the planner's statistics follow once a day
            refresh_statistics()
        except Exception as exc:  # noqa: BLE001 - the old statistics still serve
            log.warning("could not refresh the planner's statistics", exc_info=exc)
        try:  # the early warnings move with the months, not with each file
            raised, resolved = refresh_risk_alerts(self.config.risk, self.config.dso)
        except Exception as exc:  # noqa: BLE001 - tried again tomorrow, or at the next start
            log.warning("could not refresh the early warnings", exc_info=exc)
        else:
            log.info("early warnings for %s: %d raised, %d resolved", today, raised, resolved)

    def _safe(self, write, *args, **kwargs) -> None:
        """A heartbeat write that fails (database busy or gone) is logged once, never fatal."""
        try:
            write(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            if isinstance(exc, (OperationalError, InterfaceError)) and not is_busy(exc):
                database.close()
            if not self._quiet:
                log.warning("could not write the heartbeat: %s", exc)
            self._quiet = True
        else:
            self._quiet = False


def run_daemon(config: Config, *, inbox: Path | None = None, once: bool = False,
               stop: threading.Event | None = None) -> int:
    """Run the ingest daemon on this thread until `stop` is set or SIGTERM/SIGINT arrives (those
    only in the main thread): the file being ingested is finished, then 0 is returned. `once`:
    drain the inbox and return (1 if a file could not be processed). The database is the one bound
    to `schema.db.database`, else the configured one. Raises DaemonAlreadyRunning, InboxUnavailable."""
    if database.obj is None:
        open_database(config.database_target(), busy_timeout_seconds=config.database.busy_timeout_seconds)
        require_current(database.obj)
    return Service(config, inbox=inbox, once=once, stop=stop).run()


__all__ = ["run_daemon", "InboxUnavailable", "ignored", "IGNORED"]
