"""Writing exported rows as CSV (UTF-8 with BOM, for Excel), JSON, XLSX, or a table on a terminal.

Rows are dicts of plain values; money is already text with two decimals ("1234.50"), dates ISO.
A file is written to a temporary name and renamed into place, so a failed export leaves no half file."""
from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

from rich.console import Console
from rich.table import Table

Columns = Sequence[tuple[str, str]]  # (field, title)


def _csv(columns: Columns, rows: Iterable[dict[str, Any]], out) -> None:
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([key for key, _ in columns])
    for row in rows:
        writer.writerow(["" if row.get(k) is None else row[k] for k, _ in columns])


def _json(columns: Columns, rows: Iterable[dict[str, Any]], out) -> None:
    out.write("[")
    for i, row in enumerate(rows):
        out.write(",\n " if i else "\n ")
        out.write(json.dumps({k: row.get(k) for k, _ in columns}, ensure_ascii=False))
    out.write("\n]\n")


def _xlsx(columns: Columns, rows: Iterable[dict[str, Any]], path: Path, money: set[str]) -> None:
    from decimal import Decimal

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([title for _, title in columns])
    for row in rows:
        sheet.append([Decimal(row[k]) if k in money and row.get(k) not in (None, "") else row.get(k)
                      for k, _ in columns])
    book.save(path)


def _table(columns: Columns, rows: Iterable[dict[str, Any]], money: set[str]) -> None:
    table = Table(show_edge=False, header_style="bold")
    for key, title in columns:
        # fold, never "…": an East-Asian ambiguous character that CJK terminals may draw two cells wide
        table.add_column(title, justify="right" if key in money else "left", no_wrap=key in money or key == "code",
                         overflow="fold")
    for row in rows:
        table.add_row(*("" if row.get(k) is None else str(row[k]) for k, _ in columns))
    Console().print(table)


def pick_format(fmt: str | None, output: str | None) -> str:
    """The format asked for; else by the output file's suffix; else a table on a terminal and
    CSV for a pipe."""
    if fmt is not None:
        return fmt
    if output and output.endswith(".json"):
        return "json"
    if output and output.endswith(".xlsx"):
        return "xlsx"
    return "table" if output in (None, "-") and sys.stdout.isatty() else "csv"


def write_rows(columns: Columns, rows: Iterable[dict[str, Any]], *, fmt: str, output: str | None,
               money: Iterable[str] = ()) -> None:
    """Write `rows` in `fmt` (csv, json, xlsx, table) to `output` (a path, '-' or None for stdout)."""
    money = set(money)
    to_stdout = output in (None, "-")
    if fmt == "table":
        _table(columns, rows, money)
        return
    if fmt == "xlsx" and to_stdout:
        if sys.stdout.isatty():
            raise ValueError("An XLSX export needs --output FILE.xlsx")
        buffer = io.BytesIO()
        _xlsx(columns, rows, buffer, money)
        sys.stdout.buffer.write(buffer.getvalue())
        return
    writer = _csv if fmt == "csv" else _json
    if to_stdout:
        writer(columns, rows, sys.stdout)
        sys.stdout.flush()
        return
    target = Path(output)
    if target.exists() and not target.is_file():  # /dev/null, a FIFO: write into it, never replace it
        if fmt == "xlsx":
            _xlsx(columns, rows, target, money)
        else:
            with open(target, "w", encoding="utf-8", newline="") as handle:
                writer(columns, rows, handle)
        return
    partial = target.with_name(f".{target.name}.partial")
    try:
        if fmt == "xlsx":
            _xlsx(columns, rows, partial, money)
        else:
            with open(partial, "w", encoding="utf-8", newline="") as handle:
                writer(columns, rows, handle)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
