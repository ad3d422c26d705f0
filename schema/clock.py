"""The one clock of kacrm. Timestamps are timezone-aware UTC; `KACRM_NOW` (ISO 8601) freezes the
clock for demos, snapshots and tests so that figures computed "as of today" are reproducible."""
from __future__ import annotations

import datetime as dt
import os

UTC = dt.timezone.utc


def now() -> dt.datetime:
    """The current instant, aware, in UTC (or the frozen instant of `KACRM_NOW`)."""
    frozen = os.environ.get("KACRM_NOW")
    if frozen:
        value = dt.datetime.fromisoformat(frozen)
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    return dt.datetime.now(UTC)


def today() -> dt.date:
    """Today's date in UTC terms of `now()`; screens convert to local time for display."""
    return now().date()
