"""The daemon's heartbeat: one DaemonHeartbeat row (name "daemon") that says whether it runs, where,
when it last beat and scanned, what it did today and its last error. Each write is its own short
transaction, so the TUI and `kacrm daemon status` never wait for an ingest. `status()` judges it."""
from __future__ import annotations

import datetime as dt
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from schema import clock
from schema.config import Config
from schema.db import transaction
from daemon.lock import busy_beat_age
from schema.models import DaemonHeartbeat

NAME = "daemon"
STATES = ("starting", "running", "stopped", "failing")
OUTCOMES = ("applied", "duplicate", "rejected")


def local_day(tz: ZoneInfo, now: dt.datetime | None = None) -> dt.date:
    return (now or clock.now()).astimezone(tz).date()


class Heartbeat:
    """The running daemon's side: keeps today's counts in memory (the lock makes it the only
    writer) and writes the row on each change, and at least every `interval` seconds."""

    def __init__(self, config: Config, inbox: Path, *, name: str = NAME):
        self.name, self.inbox, self.tz = name, inbox, config.ui.tzinfo
        # a beat well inside the staleness limit, but no more often than needed
        self.interval = max(0.2, min(2.0, config.daemon.heartbeat_stale_seconds / 3))
        self.state = "starting"
        self.day: dt.date | None = None
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self._written = 0.0  # time.monotonic() of the last write
        self._scanned: dt.datetime | None = None  # a scan not yet written

    def start(self) -> None:
        """Claim the row for this process (state starting); today's counts survive a restart."""
        now = clock.now()
        today = local_day(self.tz, now)
        with transaction():
            row = DaemonHeartbeat.get_or_none(DaemonHeartbeat.name == self.name)
            if row is not None and row.day == today:
                self.counts = {k: getattr(row, f"{k}_today") for k in OUTCOMES}
            self.day = today
            fields = dict(host=socket.gethostname(), pid=os.getpid(), inbox=str(self.inbox), state="starting",
                          started_at=now, beat_at=now, day=today, **self._count_fields())
            if row is None:
                DaemonHeartbeat.create(name=self.name, **fields)
            else:
                DaemonHeartbeat.update(**fields).where(DaemonHeartbeat.name == self.name).execute()
        self.state = "starting"
        self._written = time.monotonic()

    def _count_fields(self) -> dict[str, int]:
        return {f"{k}_today": v for k, v in self.counts.items()}

    def _write(self, **fields: object) -> None:
        now = clock.now()
        if self._scanned is not None:
            fields.setdefault("last_scan_at", self._scanned)
        today = local_day(self.tz, now)
        if today != self.day:  # a new local day: the counts start again
            self.day, self.counts = today, dict.fromkeys(OUTCOMES, 0)
            fields.update(day=today, **self._count_fields())
        with transaction():
            DaemonHeartbeat.update(beat_at=now, **fields).where(DaemonHeartbeat.name == self.name).execute()
        self._written, self._scanned = time.monotonic(), None

    def due(self) -> bool:
        return time.monotonic() - self._written >= self.interval

    def beat(self, *, scanned_at: dt.datetime | None = None, force: bool = False) -> None:
        """Say "alive" (and when the inbox was last scanned); skipped while the last write is recent."""
        if scanned_at is not None:
            self._scanned = scanned_at
        if force or self.due():
            self._write()

    def set_state(self, state: str) -> None:
        assert state in STATES, state
        self.state = state
        self._write(state=state)

    def count(self, outcome: str) -> None:
        """One more file dealt with today, by its outcome (applied / duplicate / rejected)."""
        if local_day(self.tz) != self.day:
            self._write()  # roll the day over before counting on it
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        self._write(**self._count_fields())

    def error(self, message: str) -> None:
        self._write(last_error=message[:2000], last_error_at=clock.now())


@dataclass
class DaemonStatus:
    """What the heartbeat row says, judged: `problem` is "" when healthy."""

    healthy: bool
    problem: str  # "", never_run, stopped, starting, failing, stale, gone
    row: DaemonHeartbeat | None
    beat_age: float | None
    stale_after: int
    counts: dict[str, int]

    def as_dict(self, tz: ZoneInfo) -> dict[str, object]:
        row = self.row

        def when(value: dt.datetime | None) -> str | None:
            return value.astimezone(tz).isoformat(timespec="seconds") if value else None
        base: dict[str, object] = {"healthy": self.healthy, "problem": self.problem or None,
                                   "stale_after_seconds": self.stale_after}
        if row is None:
            return {**base, "state": None}
        return {**base, "state": row.state, "host": row.host, "pid": row.pid, "inbox": row.inbox,
                "started_at": when(row.started_at), "beat_at": when(row.beat_at),
                "beat_age_seconds": None if self.beat_age is None else round(self.beat_age, 1),
                "last_scan_at": when(row.last_scan_at), **{f"{k}_today": v for k, v in self.counts.items()},
                "last_error": row.last_error or None, "last_error_at": when(row.last_error_at)}


def _pid_gone(row: DaemonHeartbeat) -> bool:
    """The row names a process on this very host that no longer exists (killed, crashed)."""
    if row.host != socket.gethostname() or row.pid <= 0:
        return False
    try:
        os.kill(row.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    try:  # a zombie (killed, not yet reaped by its parent) is gone too
        return Path(f"/proc/{row.pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def read_status(config: Config, *, name: str = NAME, now: dt.datetime | None = None) -> DaemonStatus:
    """The heartbeat judged: healthy when running and beat within heartbeat_stale_seconds."""
    now = now or clock.now()
    stale_after = config.daemon.heartbeat_stale_seconds
    row = DaemonHeartbeat.get_or_none(DaemonHeartbeat.name == name)
    if row is None:
        return DaemonStatus(False, "never_run", None, None, stale_after, dict.fromkeys(OUTCOMES, 0))
    age = max(0.0, (now - row.beat_at).total_seconds()) if row.beat_at else None
    today = local_day(config.ui.tzinfo, now)
    counts = {k: getattr(row, f"{k}_today") if row.day == today else 0 for k in OUTCOMES}
    if row.state == "stopped":
        problem = "stopped"
    elif _pid_gone(row):
        problem = "gone"
    elif age is None or age > stale_after:
        # a long file holds SQLite's write lock: the daemon then touches its lock file instead
        busy = busy_beat_age(DaemonHeartbeat._meta.database.obj, now.timestamp())
        problem = "" if row.state == "running" and busy is not None and busy <= stale_after else "stale"
    elif row.state != "running":
        problem = row.state  # starting, failing
    else:
        problem = ""
    return DaemonStatus(not problem, problem, row, age, stale_after, counts)


_TEXT = {
    "healthy": ("状态：运行中，正常", "state: running, healthy"),
    "never_run": ("此数据库上从未运行过导入服务。", "no daemon has ever run on this database."),
    "stopped": ("状态：已停止（{when}）", "state: stopped (at {when})"),
    "starting": ("状态：正在启动", "state: starting"),
    "failing": ("状态：出错，有文件或目录无法处理（见最近错误）", "state: failing, a file or folder cannot be processed (see last error)"),
    "stale": ("状态：{state}，但心跳已 {age} 未更新（超过 {limit} 秒即视为失联）",
              "state: {state}, but the last beat is {age} old (stale after {limit} s)"),
    "gone": ("状态：{state}，但进程 {pid} 已不存在（被终止或崩溃）",
             "state: {state}, but process {pid} no longer exists (killed or crashed)"),
    "process": ("进程：{host} 上的 pid {pid}，启动于 {started}", "process: pid {pid} on {host}, started {started}"),
    "inbox": ("投递目录：{inbox}", "inbox: {inbox}"),
    "beat": ("最近心跳：{age}前（{when}）", "last beat: {age} ago ({when})"),
    "scan": ("最近扫描：{when}", "last scan: {when}"),
    "today": ("今日：已导入 {applied}，重复 {duplicate}，已拒绝 {rejected}",
              "today: {applied} applied, {duplicate} duplicate, {rejected} rejected"),
    "error": ("最近错误：{when} {error}", "last error: {when} {error}"),
    "no_error": ("最近错误：无", "last error: none"),
    "never": ("从未", "never"),
}


def _age(seconds: float, language: str) -> str:
    units = ((3600 * 24, "天", " d"), (3600, "小时", " h"), (60, "分钟", " min"), (1, "秒", " s"))
    for size, zh, en in units:
        if seconds >= size or size == 1:
            return f"{int(seconds // size)}{zh if language == 'zh' else en}"
    return ""


def status(config: Config, *, language: str | None = None, now: dt.datetime | None = None) -> tuple[bool, list[str]]:
    """(healthy, a few readable lines) about the daemon, in `language` (default: the site's)."""
    language = language or config.ui.language
    found = read_status(config, now=now)

    def say(key: str, **values: object) -> str:
        zh, en = _TEXT[key]
        return (zh if language == "zh" else en).format(**values)

    row = found.row
    if row is None:
        return False, [say("never_run")]
    tz = config.ui.tzinfo

    def when(value: dt.datetime | None) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if value else say("never")
    age = _age(found.beat_age or 0.0, language)
    head = {"": say("healthy"), "stopped": say("stopped", when=when(row.beat_at)),
            "stale": say("stale", state=row.state, age=age, limit=found.stale_after),
            "gone": say("gone", state=row.state, pid=row.pid)}.get(found.problem) or say(found.problem)
    lines = [head, say("process", host=row.host, pid=row.pid, started=when(row.started_at)),
             say("inbox", inbox=row.inbox), say("beat", age=age, when=when(row.beat_at)),
             say("scan", when=when(row.last_scan_at)), say("today", **found.counts),
             say("error", when=when(row.last_error_at), error=row.last_error) if row.last_error else say("no_error")]
    return found.healthy, lines


__all__ = ["Heartbeat", "DaemonStatus", "read_status", "status", "NAME"]
