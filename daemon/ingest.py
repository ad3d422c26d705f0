"""The one ingest function behind `kacrm ingest` and the daemon (DESIGN §4).

A file is applied exactly once and whole: its SHA-256 is looked up first (the same bytes again are
a recorded duplicate); every line is validated and every bad one reported; the data, the postings,
the cached balances and the file's own record are written in one transaction, which is rolled
back if any line is bad. Moving the file (archive/ or rejected/) happens after the commit, to a
destination chosen and recorded inside it, so a crash between the two is finished on restart
without applying anything again."""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from schema import clock
from schema.config import Config
from schema.db import database, transaction, trusted_references
from schema.models import IngestedFile

from daemon.apply import ApplyResult, Progress, apply_table
from daemon.formats import FileRejected, open_table
from daemon.order_batches import reader_ready
from daemon.messages import format_problem

log = logging.getLogger("kacrm.daemon")


@dataclass
class Destinations:
    """Where the daemon moves files it has dealt with; None for `kacrm ingest` (files stay put)."""

    archive: Path
    rejected: Path


@dataclass
class IngestOutcome:
    name: str
    status: str  # applied / duplicate / rejected
    kind: str = ""
    rows_total: int = 0
    rows_applied: int = 0
    rows_skipped: int = 0
    errors: list[str] = field(default_factory=list)
    moved_to: Path | None = None
    file_id: int | None = None
    duplicate_of: str = ""
    customers: set[int] = field(default_factory=set)  # touched, for alerts and the TUI

    def summary(self, language: str) -> str:
        """The one line `kacrm ingest` prints (and the daemon logs) for this file."""
        zh, en = _SUMMARY[self.status]
        kinds = _KINDS.get(self.kind, ("未知", "unknown"))
        return (zh if language == "zh" else en).format(
            name=self.name, kind=kinds[0] if language == "zh" else kinds[1], applied=self.rows_applied,
            skipped=self.rows_skipped, total=self.rows_total, errors=len(self.errors), original=self.duplicate_of)


_SUMMARY = {
    "applied": ("{name}: 已导入（{kind}）{applied} 行，跳过重复 {skipped} 行",
                "{name}: applied ({kind}) {applied} lines, {skipped} repeated lines skipped"),
    "duplicate": ("{name}: 重复文件（与 {original} 相同），未再次导入", "{name}: duplicate of {original}, not applied again"),
    "rejected": ("{name}: 已拒绝（{kind}）{errors} 处错误，数据库未改动",
                 "{name}: rejected ({kind}), {errors} problems, nothing changed"),
}
_KINDS = {"orders": ("订单", "orders"), "payments": ("回款", "payments"), "customers": ("客户资料", "customers")}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _free_name(folder: Path, name: str) -> Path:
    """A path in `folder` for `name` that neither exists nor is promised to another file."""
    stem, dot, suffix = name.partition(".")
    n = 0
    while True:
        candidate = folder / (name if n == 0 else f"{stem}-{n}{dot}{suffix}")
        if not candidate.exists() and not IngestedFile.select().where(
                IngestedFile.archived_path == str(candidate)).exists():
            return candidate
        n += 1


def _destination(dest: Destinations | None, status: str, name: str) -> Path | None:
    if dest is None:
        return None
    if status == "rejected":
        return _free_name(dest.rejected, name)
    today = clock.now().astimezone()
    return _free_name(dest.archive / f"{today:%Y}" / f"{today:%m}", name)


def move_file(source: Path, target: Path) -> None:
    """Move `source` to `target` durably: a rename, or copy + fsync + rename across file systems."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(source, target)
    except OSError as exc:
        if exc.errno != 18:  # EXDEV: another file system
            raise
        partial = target.with_name(f".{target.name}.partial")
        shutil.copyfile(source, partial)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.rename(partial, target)
        source.unlink()
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def write_report(target: Path, report: str) -> Path:
    """NAME.errors.txt beside the rejected file, written whole or not at all."""
    path = target.with_name(target.name + ".errors.txt")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(report, encoding="utf-8")
    os.replace(partial, path)
    return path


def _finish_move(row: IngestedFile, source: Path) -> None:
    target = Path(row.archived_path)
    if row.status == "rejected":
        write_report(target, row.errors)
    move_file(source, target)


def _interrupted(path: Path, sha: str) -> IngestedFile | None:
    """A record of this very file whose move never happened (the daemon stopped in between)."""
    rows = (IngestedFile.select().where((IngestedFile.sha256 == sha) & (IngestedFile.name == path.name)
                                        & (IngestedFile.archived_path != ""))
            .order_by(IngestedFile.id.desc()))
    for row in rows:
        if not Path(row.archived_path).exists():
            return row
    return None


def _outcome(row: IngestedFile, customers: set[int] | None = None, errors: list[str] | None = None) -> IngestOutcome:
    original = row.duplicate_of.name if row.duplicate_of_id else ""
    return IngestOutcome(row.name, row.status, row.kind, row.rows_total, row.rows_applied, row.rows_skipped,
                         errors if errors is not None else [e for e in row.errors.splitlines() if e.strip()],
                         Path(row.archived_path) if row.archived_path else None, row.id, original,
                         customers or set())


def ingest_file(path: Path, config: Config, *, destinations: Destinations | None = None,
                actor: str = "daemon", progress: Progress | None = None) -> IngestOutcome:
    """Apply one dropped file (all of it or none of it) and, for the daemon, move it away."""
    path = Path(path)
    with reader_ready(path):  # a big file's reader starts while the file is hashed and opened
        return _ingest(path, config, destinations, actor, progress)


def _ingest(path: Path, config: Config, destinations: Destinations | None, actor: str,
            progress: Progress | None) -> IngestOutcome:
    sha = file_sha256(path)
    size = path.stat().st_size
    if destinations is not None:
        pending = _interrupted(path, sha)
        if pending is not None:
            log.info("finishing the move of %s, recorded before a restart", path.name)
            _finish_move(pending, path)
            return _outcome(pending)
    with transaction():
        original = (IngestedFile.select().where((IngestedFile.sha256 == sha) & (IngestedFile.status == "applied"))
                    .order_by(IngestedFile.id).first())
        if original is not None:
            row = IngestedFile.create(sha256=sha, name=path.name, size=size, kind=original.kind, status="duplicate",
                                      rows_total=original.rows_total, duplicate_of=original, actor_login=actor,
                                      archived_path=str(_destination(destinations, "duplicate", path.name) or ""))
    if original is not None:
        if destinations is not None:
            _finish_move(row, path)
        return _outcome(row)
    result = _apply(path, sha, size, config, destinations, actor, progress)
    if result.status == "rejected" and destinations is not None:
        _finish_move(IngestedFile.get_by_id(result.file_id), path)
    elif result.status == "applied" and destinations is not None:
        move_file(path, result.moved_to)
    return result


def _apply(path: Path, sha: str, size: int, config: Config, destinations: Destinations | None,
           actor: str, progress: Progress | None) -> IngestOutcome:
    language = config.ui.language
    kind, encoding = "", ""
    applied: ApplyResult | None = None
    try:
        table = open_table(path, config.aliases)
        kind, encoding = table.kind, table.encoding
        # every order row's customer and file were read inside the transaction that inserts it
        with trusted_references() if kind == "orders" else nullcontext(), database.atomic() as txn:
            row = IngestedFile.create(sha256=sha, name=path.name, size=size, kind=kind, status="applied",
                                      encoding=encoding, actor_login=actor,
                                      archived_path=str(_destination(destinations, "applied", path.name) or ""))
            applied = apply_table(table, row, config, actor=actor, progress=progress)
            if applied.problems:
                txn.rollback()
            else:
                IngestedFile.update(rows_total=applied.total, rows_applied=applied.applied,
                                    rows_skipped=applied.skipped).where(IngestedFile.id == row.id).execute()
                log.debug("applied %s: %s lines (%s repeated) of %s", path.name, applied.applied, applied.skipped, kind)
                return IngestOutcome(path.name, "applied", kind, applied.total, applied.applied, applied.skipped,
                                     [], Path(row.archived_path) if row.archived_path else None, row.id,
                                     customers=applied.customers)
        problems = [format_problem(p, language) for p in applied.problems]
        total = applied.total
    except FileRejected as exc:
        problems = [format_problem(p, language) for p in exc.problems]
        total = 0
    report = "\n".join(problems) + "\n"
    with transaction():
        row = IngestedFile.create(sha256=sha, name=path.name, size=size, kind=kind, status="rejected",
                                  encoding=encoding, rows_total=total, error_count=len(problems), errors=report,
                                  actor_login=actor,
                                  archived_path=str(_destination(destinations, "rejected", path.name) or ""))
    log.debug("rejected %s: %d problems", path.name, len(problems))
    return _outcome(row, errors=problems)


__all__ = ["Destinations", "IngestOutcome", "ingest_file", "file_sha256", "move_file", "write_report"]
