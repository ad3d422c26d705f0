"""Writing exported rows as CSV (UTF-8 with BOM for Excel, or GB18030), JSON, XLSX, or a table on a
terminal, one sheet or a book of several.

Rows are dicts of plain values: text, whole numbers, booleans, `date`/`datetime`, None; money is
already text with two decimals ("1234.50") and its keys are named in the sheet's `money`. XLSX gets
typed cells (money as numbers with two decimals, dates as dates), CSV and JSON the same values as
text. A text cell Excel would run as a formula is neutralized in CSV and XLSX. Rows are streamed:
a million of them never sit in memory (XLSX through XlsxWriter's constant-memory mode). A file is
written to a temporary name and renamed into place, so a failed export leaves no half file."""
from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
import os
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

Columns = Sequence[tuple[str, str]]  # (field, title)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_SET = frozenset(FORMULA_STARTS)
ENCODINGS = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}  # utf-8 gets the BOM Excel needs to read it
WIDTH_SAMPLE = 200  # rows buffered to size the XLSX columns; the rest stream through
MAX_WIDTH = 60
XLSX_LAST_ROW = 1_048_575  # Excel's 1,048,576 rows, less the header
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XLSX text


def neutralize(text: str) -> str:
    """A text cell Excel would run as a formula (it starts with = + - @, a tab or a carriage
    return) gets a leading apostrophe; its content is kept. Apply to text only: numbers stay numbers."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass
class Sheet:
    """One table of an export: `name` is its stable key (the XLSX sheet, the JSON key of a book),
    `title` what a person reads above it (default: the name)."""

    name: str
    columns: Columns
    rows: Iterable[dict[str, Any]]
    money: Iterable[str] = ()
    title: str = ""
    total: int | None = None  # the row count when known beforehand, for a progress bar
    count: list[int] = field(default_factory=lambda: [0])  # rows written, filled in while writing

    def __post_init__(self) -> None:
        self.money = frozenset(self.money)

    def stream(self) -> Iterator[dict[str, Any]]:
        for row in self.rows:
            self.count[0] += 1
            yield row


def _text(value: Any, *, is_money: bool) -> str:
    """A value as a CSV or table cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value if is_money else neutralize(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return _iso(value)
    return str(value)


def _money_cell(value: Any) -> str:
    return "" if value is None else str(value)


def _text_cell(value: Any) -> str:
    """`_text` for a column that is not money, with the common case (text) first."""
    if type(value) is str:
        return "'" + value if value[:1] in FORMULA_SET else value
    return _text(value, is_money=False)


def _iso(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return _iso(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _csv(sheets: list[Sheet], out, line_end: str = "\r\n") -> None:
    writer = csv.writer(out, lineterminator=line_end)
    for i, sheet in enumerate(sheets):
        if len(sheets) > 1:  # a book as CSV: each part under a line with its name, a blank line between
            if i:
                writer.writerow([])
            writer.writerow([sheet.title or sheet.name])
        writer.writerow([key for key, _ in sheet.columns])
        cells = [(key, _money_cell if key in sheet.money else _text_cell) for key, _ in sheet.columns]
        for row in sheet.stream():
            writer.writerow([cell(row.get(key)) for key, cell in cells])


def _json(sheets: list[Sheet], out) -> None:
    def rows(sheet: Sheet, indent: str) -> None:
        out.write("[")
        for i, row in enumerate(sheet.stream()):
            out.write(f",\n{indent}" if i else f"\n{indent}")
            out.write(json.dumps({k: _json_value(row.get(k)) for k, _ in sheet.columns}, ensure_ascii=False))
        out.write(f"\n{indent[:-1]}]" if sheet.count[0] else "]")

    if len(sheets) == 1:
        rows(sheets[0], " ")
    else:
        out.write("{")
        for i, sheet in enumerate(sheets):
            out.write(",\n " if i else "\n ")
            out.write(json.dumps(sheet.name) + ": ")
            rows(sheet, "  ")
        out.write("\n}")
    out.write("\n")


def _sheet_title(name: str, taken: set[str]) -> str:
    """An XLSX sheet name: at most 31 characters, none of []:*?/\\, unique in the book."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in name)[:31] or "Sheet"
    title, n = clean, 2
    while title.lower() in taken:
        title = f"{clean[:28]}_{n}"
        n += 1
    taken.add(title.lower())
    return title


def _xlsx(sheets: list[Sheet], target) -> None:
    """XlsxWriter in constant-memory mode: each row goes to disk as it is written. A sheet past
    Excel's last row continues on a sheet of the same name with a number."""
    import xlsxwriter

    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False,
                                        "in_memory": isinstance(target, io.BytesIO)})
    bold = book.add_format({"bold": True})
    money_format = book.add_format({"num_format": "#,##0.00"})
    day_format = book.add_format({"num_format": "yyyy-mm-dd"})
    time_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    taken: set[str] = set()
    try:
        for sheet in sheets:
            money = sheet.money
            rows = sheet.stream()
            head: list[dict[str, Any]] = []
            for row in rows:
                head.append(row)
                if len(head) >= WIDTH_SAMPLE:
                    break
            widths = [min(MAX_WIDTH, 2 + max([cell_len(key)] + [cell_len(_text(r.get(key), is_money=key in money))
                                                                  for r in head]))
                      for key, _ in sheet.columns]

            def new_sheet():
                ws = book.add_worksheet(_sheet_title(sheet.title or sheet.name, taken))
                for i, width in enumerate(widths):
                    ws.set_column(i, i, width)
                ws.freeze_panes(1, 0)
                ws.write_row(0, 0, [key for key, _ in sheet.columns], bold)
                return ws

            ws, r = new_sheet(), 0
            for row in itertools.chain(head, rows):
                r += 1
                if r > XLSX_LAST_ROW:
                    ws, r = new_sheet(), 1
                for c, (key, _) in enumerate(sheet.columns):
                    value = row.get(key)
                    if value is None or value == "":
                        continue
                    if key in money:
                        ws.write_number(r, c, Decimal(value), money_format)
                    elif isinstance(value, bool):
                        ws.write_boolean(r, c, value)
                    elif isinstance(value, dt.datetime):  # Excel has no time zones: the wall time given
                        ws.write_datetime(r, c, value.replace(tzinfo=None), time_format)
                    elif isinstance(value, dt.date):
                        ws.write_datetime(r, c, value, day_format)
                    elif isinstance(value, (int, Decimal)):
                        ws.write_number(r, c, value)
                    else:
                        ws.write_string(r, c, neutralize(CONTROL.sub("", str(value))))
    finally:
        book.close()


def _table(sheets: list[Sheet]) -> None:
    console = Console()
    for sheet in sheets:
        table = Table(show_edge=False, header_style="bold", title=(sheet.title or sheet.name) if len(sheets) > 1 else None,
                      title_justify="left")
        for key, title in sheet.columns:
            # fold, never "…": an East-Asian ambiguous character that CJK terminals may draw two cells wide
            table.add_column(title, justify="right" if key in sheet.money else "left",
                             no_wrap=key in sheet.money or key == "code", overflow="fold")
        for row in sheet.stream():
            table.add_row(*(_text(row.get(k), is_money=True) for k, _ in sheet.columns))
        console.print(table)


def pick_format(fmt: str | None, output: str | None) -> str:
    """The format asked for; else by the output file's suffix; else a table on a terminal and
    CSV for a pipe."""
    if fmt is not None:
        return fmt
    suffix = Path(output).suffix.lower() if output and output != "-" else ""
    if suffix in (".json", ".xlsx", ".html"):
        return suffix[1:]
    return "table" if output in (None, "-") and sys.stdout.isatty() else "csv"


def with_progress(sheets: list[Sheet], output: str | None) -> Callable[[], None]:
    """A progress bar on stderr for a large export written to a file from a terminal; nothing
    on a pipe. Returns the function that closes it."""
    total = sum(s.total or 0 for s in sheets)
    if output in (None, "-") or total < 1000 or not sys.stderr.isatty():
        return lambda: None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    progress = Progress("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=Console(stderr=True), transient=True)
    task = progress.add_task(Path(output).name, total=total)
    progress.start()
    for sheet in sheets:
        def counted(rows=sheet.rows):
            for i, row in enumerate(rows, 1):
                if i % 500 == 0:
                    progress.advance(task, 500)
                yield row
        sheet.rows = counted()
    return progress.stop


def write_book(sheets: list[Sheet], *, fmt: str, output: str | None, encoding: str = "utf-8") -> int:
    """Write `sheets` in `fmt` (csv, json, xlsx, table) to `output` (a path, '-' or None for
    stdout); returns the number of rows written."""
    if encoding not in ENCODINGS:
        raise ValueError(f"Unknown encoding {encoding}; use one of {', '.join(ENCODINGS)}")
    to_stdout = output in (None, "-")
    done = with_progress(sheets, output)
    try:
        _write(sheets, fmt, output, ENCODINGS[encoding], to_stdout)
    finally:
        done()
    return sum(s.count[0] for s in sheets)


def _write(sheets: list[Sheet], fmt: str, output: str | None, encoding: str, to_stdout: bool) -> None:
    if fmt == "table":
        _table(sheets)
        return
    if fmt == "xlsx" and to_stdout:
        if sys.stdout.isatty():
            raise ValueError("An XLSX export needs --output FILE.xlsx")
        buffer = io.BytesIO()
        _xlsx(sheets, buffer)
        sys.stdout.buffer.write(buffer.getvalue())
        sys.stdout.flush()
        return
    if fmt not in ("csv", "json", "xlsx"):
        raise ValueError(f"Unknown format {fmt}")
    writer = _csv if fmt == "csv" else _json
    text_encoding = encoding if fmt == "csv" else "utf-8"
    if to_stdout:
        if fmt == "csv" and encoding == "utf-8-sig" and sys.stdout.isatty():
            writer(sheets, sys.stdout)  # no BOM on a terminal
        else:
            stream = io.TextIOWrapper(sys.stdout.buffer, encoding=text_encoding, newline="", write_through=True)
            try:
                writer(sheets, stream)
                stream.flush()
            finally:
                stream.detach()
        sys.stdout.flush()
        return
    target = Path(output)
    if not target.parent.is_dir():
        raise ValueError(f"Cannot write {output}: there is no folder {target.parent}")
    if target.exists() and not target.is_file():  # /dev/null, a FIFO: write into it, never replace it
        _to_file(sheets, fmt, writer, target, text_encoding)
        return
    partial = target.with_name(f".{target.name}.partial")
    try:
        _to_file(sheets, fmt, writer, partial, text_encoding)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _to_file(sheets, fmt, writer, path: Path, encoding: str) -> None:
    if fmt == "xlsx":
        _xlsx(sheets, path)
        return
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer(sheets, handle)


def write_rows(columns: Columns, rows: Iterable[dict[str, Any]], *, fmt: str, output: str | None,
               money: Iterable[str] = (), name: str = "export", encoding: str = "utf-8", total: int | None = None) -> int:
    """One sheet of `rows` in `fmt` to `output`; returns the number of rows written."""
    return write_book([Sheet(name, columns, rows, money, total=total)], fmt=fmt, output=output, encoding=encoding)


def print_sheet(sheet: Sheet, fmt: str) -> None:
    """`sheet` on stdout in `fmt` (table, csv, json) for a person or a program, as `kacrm user list`
    prints it: CSV here is for line tools (no BOM, "\\n" line ends), not the Excel-ready file of an export."""
    if fmt == "csv":
        _csv([sheet], sys.stdout, line_end="\n")
        sys.stdout.flush()
        return
    write_book([sheet], fmt=fmt, output=None)
