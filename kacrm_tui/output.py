"""How the command line prints tables: a Rich table on a terminal, CSV or JSON for a pipe."""
from __future__ import annotations

import csv
import json
import sys
from typing import Any, Sequence

import click
from rich.console import Console
from rich.table import Table


def default_format(stream=None) -> str:
    return "table" if (stream or sys.stdout).isatty() else "csv"


def emit_table(columns: Sequence[tuple[str, str]], rows: Sequence[dict[str, Any]], fmt: str | None = None) -> None:
    """`columns` are (key, title) pairs; `rows` dicts by key. `fmt`: table, csv, json or None (auto)."""
    fmt = fmt or default_format()
    if fmt == "json":
        click.echo(json.dumps([{k: row.get(k) for k, _ in columns} for row in rows], ensure_ascii=False, indent=2))
    elif fmt == "csv":
        out = sys.stdout
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([key for key, _ in columns])
        for row in rows:
            writer.writerow(["" if row.get(k) is None else row.get(k) for k, _ in columns])
    else:
        table = Table(show_edge=False, header_style="bold")
        for _, title in columns:
            table.add_column(title, overflow="fold")  # never "…" (East-Asian ambiguous width)
        for row in rows:
            table.add_row(*("" if row.get(k) is None else str(row.get(k)) for k, _ in columns))
        Console().print(table)
