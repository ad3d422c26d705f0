"""How the command line prints a list (`kacrm user list`, `kacrm approvals list`): a Rich table on a
terminal, CSV or JSON for a pipe, written by `kacrm_tui.writers` like every export."""
from __future__ import annotations

from typing import Any, Sequence

from kacrm_tui.writers import Sheet, pick_format, print_sheet


def default_format() -> str:
    """A table on a terminal, CSV for a pipe."""
    return pick_format(None, None)


def emit_table(columns: Sequence[tuple[str, str]], rows: Sequence[dict[str, Any]], fmt: str | None = None) -> None:
    """`columns` are (key, title) pairs; `rows` dicts by key. `fmt`: table, csv, json or None (auto)."""
    print_sheet(Sheet("list", columns, rows), pick_format(fmt, None))
