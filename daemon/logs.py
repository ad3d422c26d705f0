"""The daemon's log on stderr, as journald wants it: each line starts with the syslog priority in
angle brackets (`<3>` error, `<4>` warning, `<6>` info, `<7>` debug), which systemd strips and
records as the entry's priority, then `kacrm-daemon: message`. journald stamps the time itself, so
a timestamp is added only when stderr is a terminal. Every line of a traceback carries the prefix,
so that it stays one priority and does not turn into lines of "info"."""
from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import TextIO

IDENTIFIER = "kacrm-daemon"
# noisy libraries stay at warning even when the daemon logs at debug (peewee logs every query)
QUIET = ("peewee", "watchdog")


def priority(levelno: int) -> int:
    """The syslog priority of a logging level."""
    if levelno >= logging.CRITICAL:
        return 2
    if levelno >= logging.ERROR:
        return 3
    if levelno >= logging.WARNING:
        return 4
    if levelno >= logging.INFO:
        return 6
    return 7


class JournalFormatter(logging.Formatter):
    def __init__(self, *, timestamps: bool = False):
        super().__init__()
        self.timestamps = timestamps

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)  # the message, then the traceback if any
        stamp = ""
        if self.timestamps:
            stamp = dt.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="seconds") + " "
        prefix = f"<{priority(record.levelno)}>{stamp}{IDENTIFIER}: "
        return "\n".join(prefix + line for line in text.splitlines() or [""])


class JournalHandler(logging.StreamHandler):
    """A stderr handler in the journald format (see the module docstring)."""

    def __init__(self, stream: TextIO | None = None):
        super().__init__(stream if stream is not None else sys.stderr)
        isatty = getattr(self.stream, "isatty", None)
        self.setFormatter(JournalFormatter(timestamps=bool(isatty and isatty())))


def setup_logging(level: str = "INFO", *, stream: TextIO | None = None) -> JournalHandler:
    """Log to stderr in the journald format at `level` (DEBUG/INFO/WARNING/ERROR), replacing the
    plain stderr handler a front end may have installed. Returns the handler (for `remove_logging`)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        if type(old) in (logging.StreamHandler, JournalHandler):  # not test frameworks' capturing handlers
            root.removeHandler(old)
    handler = JournalHandler(stream)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    for name in QUIET:
        logging.getLogger(name).setLevel(max(root.level, logging.WARNING))
    return handler


def remove_logging(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)


__all__ = ["setup_logging", "remove_logging", "JournalHandler", "JournalFormatter", "priority", "IDENTIFIER"]
