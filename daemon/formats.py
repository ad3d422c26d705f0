"""Open a dropped file and stream its rows: CSV (UTF-8, UTF-8 with BOM, GB18030/GBK), XLSX and
JSON Lines. The kind of file (orders, payments, customers) is told by its header through the
alias table, never by its name. `open_table` reads only the header (and, for CSV, checks the
encoding of the whole file); `Table.rows()` streams the rows from disk each time it is called.
Typed records come from `validate` (daemon/records.py, re-exported here)."""
from __future__ import annotations

import codecs
import csv
import json
import re
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import chain
from operator import methodcaller
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NoReturn

from daemon.messages import Problem
from daemon.records import Record, validate
from daemon.values import show
from schema.config_aliases import KINDS, REQUIRED_FIELDS, AliasConfig, normalize_header
from schema.errors import KacrmError

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .et/.doc)
UTF8_BOM = codecs.BOM_UTF8
CHUNK = 1 << 20
DELIMITERS = (",", ";", "\t")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
BLOCK_BYTES = 96 * 1024  # a block of CSV lines: about 2,000 order lines

Item = tuple[int, Any]  # (line, the cells of a CSV/XLSX record or a JSON object)

__all__ = ["FileRejected", "PlainBlock", "Problem", "RawRow", "Record", "Table", "choose_kind", "detect_encoding",
           "open_table", "plain_items", "validate"]


@dataclass(slots=True)
class RawRow:
    """One line of data: `line` as a person sees it in Excel or an editor, `values` field ->
    the cell as read (str from CSV; str/int/float/datetime from XLSX; JSON values from JSONL),
    None for a column the line lacks."""

    line: int
    values: dict[str, Any]


@dataclass(slots=True)
class PlainBlock:
    """A run of CSV lines that are plain text: one record per physical line from `first_line`
    on, each of exactly `width` cells (a cell's quotes taken off, as the csv module does when
    nothing inside them needs quoting). `cells` holds the records one after another,
    so that a column of the block is the slice `cells[position::width]`: a reader may check and
    convert a whole column at once. `plain_items` gives the same lines as `Table.lines()` does."""

    first_line: int
    count: int
    width: int
    cells: list[str]


class FileRejected(KacrmError):
    """The file cannot be read at all (encoding, format, header); `problems` says why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(problem.message("en") for problem in problems))
        self.problems = problems


@dataclass
class Table:
    """An opened file: its kind, format, encoding, the columns it maps to fields (field ->
    header as written) and the columns it ignores. `rows()` streams RawRow (or a Problem for a
    line that cannot be read at all, e.g. bad JSON) and can be called again."""

    path: Path
    kind: str
    format: str
    encoding: str
    columns: dict[str, str]
    ignored_columns: tuple[str, ...] = ()
    warnings: tuple[Problem, ...] = ()
    positions: dict[str, int] | None = None  # CSV/XLSX: field -> index of its cell; JSONL: None
    _lines: Callable[[], Iterator[Item | Problem]] = field(default=lambda: iter(()), repr=False)
    _blocks: Callable[[], Iterator[PlainBlock | list[Item | Problem]]] | None = field(default=None, repr=False)

    def lines(self) -> Iterator[Item | Problem]:
        """The data lines as read, from disk: (line, cells) for CSV/XLSX, cells padded to the
        header's width and indexed by `positions`; (line, field -> value) for JSONL. The lean
        form `validate` reads; `rows()` is the same with every line keyed by field."""
        return self._lines()

    def blocks(self) -> Iterator[PlainBlock | list[Item | Problem]]:
        """`lines()` in blocks, in file order: a run of plain CSV lines as a PlainBlock (see
        there), any other lines as a list of what `lines()` gives for them."""
        if self._blocks is not None:
            return self._blocks()
        return _in_lists(self.lines())

    def rows(self) -> Iterator[RawRow | Problem]:
        """A fresh generator over the data lines, streamed from disk."""
        plan = list(self.positions.items()) if self.positions is not None else None
        for item in self._lines():
            if type(item) is Problem:
                yield item
            elif plan is None:
                yield RawRow(*item)
            else:
                line, cells = item
                yield RawRow(line, {name: cells[position] for name, position in plan})


def open_table(path: Path, aliases: AliasConfig, *, encoding: str | None = None) -> Table:
    """Open `path`, tell its format (XLSX by its zip magic, JSON Lines by .jsonl/.ndjson or a
    first character `{`, else CSV) and its kind (by the header, see `choose_kind`). Raises
    FileRejected listing every reason the file as a whole cannot be read. A CSV file's
    `encoding`, if given, is taken as found before (by another process reading the same file)."""
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(XLSX_MAGIC):
        return _open_xlsx(path, aliases)
    if head.startswith(OLE_MAGIC):
        _reject(0, "unsupported_format", detail="Excel 97-2003 .xls")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        _reject(0, "unreadable_xlsx", detail="not a zip archive")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _reject(0, "unreadable_encoding")
    if path.suffix.lower() in JSONL_SUFFIXES or head.removeprefix(UTF8_BOM).lstrip().startswith(b"{"):
        return _open_jsonl(path, aliases)
    return _open_csv(path, aliases, encoding)


def _reject(line: int, reason_key: str, **args: Any) -> NoReturn:
    raise FileRejected([Problem(line, "", "", reason_key, args)])


# -- the kind of a file, from its header ------------------------------------------------------

def _label(aliases: AliasConfig, kind: str, name: str) -> str:
    """`amount (金额)`: a field with its first alias, to name a missing column."""
    names = aliases.fields(kind).get(name, ())
    return f"{name} ({names[0]})" if names else name


def choose_kind(headers: list[str], aliases: AliasConfig, *, line: int = 1) -> tuple[str, dict[str, int], list[int]]:
    """(kind, field -> position of its column, positions of unknown columns) for a header row.
    The kind is the one whose columns the header matches most, among those whose required
    columns are all there; a payment reference column makes a tie a payments file. Raises
    FileRejected (unknown_kind naming the missing columns of the closest kind, ambiguous_kind,
    duplicate_column, and unknown_column for a customer master)."""
    matched: dict[str, dict[str, list[int]]] = {}
    for kind in KINDS:
        lookup = aliases.lookup(kind)
        found: dict[str, list[int]] = {}
        for position, header in enumerate(headers):
            name = lookup.get(normalize_header(header)) if header.strip() else None
            if name is not None:
                found.setdefault(name, []).append(position)
        matched[kind] = found
    fits = {kind: all(name in matched[kind] for name in REQUIRED_FIELDS[kind]) for kind in KINDS}
    best = max(KINDS, key=lambda kind: (len(matched[kind]), fits[kind]))
    if best == "orders" and "payment_ref" in matched["payments"] and len(matched["payments"]) >= len(matched["orders"]):
        best = "payments"  # a bank file whose date column reads as an order date is not an orders file
    if fits["orders"] and fits["payments"] and len(matched["orders"]) == len(matched["payments"]):
        _reject(line, "ambiguous_kind")
    if not fits[best]:
        missing = [_label(aliases, best, name) for name in REQUIRED_FIELDS[best] if name not in matched[best]]
        _reject(line, "unknown_kind", kind=best, missing=", ".join(missing))
    problems = []
    for name, positions in matched[best].items():
        first = positions[0]
        for other in positions[1:]:
            problems.append(Problem(line, headers[other], "", "duplicate_column",
                                    {"field": name, "other": headers[first]}, name))
    used = {position for positions in matched[best].values() for position in positions}
    unknown = [position for position, header in enumerate(headers) if header.strip() and position not in used]
    if best == "customers":
        problems += [Problem(line, headers[position], "", "unknown_column") for position in unknown]
    if problems:
        raise FileRejected(problems)
    return best, {name: positions[0] for name, positions in matched[best].items()}, unknown


def _tabular(path: Path, aliases: AliasConfig, fmt: str, encoding: str,
             records: Callable[[], Iterator[Item | Problem]], delimiter: str | None = None) -> Table:
    """A Table over CSV/XLSX records: the first non-empty record is the header. A CSV table
    (`delimiter` given) also reads its plain lines in blocks."""
    header_line, headers = 0, []
    with closing(records()) as items:
        for item in items:
            if isinstance(item, Problem):
                raise FileRejected([item])
            line, cells = item
            if _filled(cells):
                header_line, headers = line, [show(cell).strip() for cell in cells]
                break
    if not header_line:
        _reject(0, "empty_file")
    kind, positions, unknown = choose_kind(headers, aliases, line=header_line)
    ignored = tuple(headers[position] for position in unknown)
    width = len(headers)
    blocks = None if delimiter is None else (lambda: _csv_blocks(path, encoding, delimiter, header_line, width))
    return Table(path, kind, fmt, encoding, {name: headers[position] for name, position in positions.items()},
                 ignored, tuple(Problem(header_line, header, "", "ignored_column") for header in ignored),
                 positions, lambda: _data_lines(records(), header_line, width), blocks)


def _data_lines(items: Iterable[Item | Problem], header_line: int, width: int) -> Iterator[Item | Problem]:
    """The records after the header that hold something, cut or padded to the header's width
    (cells beyond it that hold something are a problem)."""
    for item in items:
        if type(item) is Problem:
            yield item
            continue
        line, cells = item
        if line <= header_line:
            continue
        lead = cells[0] if cells else None  # most lines start with a filled cell: no loop for them
        if not (type(lead) is str and lead and not lead.isspace()) and not _filled(cells):
            continue
        count = len(cells)
        if count < width:
            cells = [*cells, *(None,) * (width - count)]
        elif count > width and _filled(cells[width:]):
            extra = sum(1 for cell in cells[width:] if _filled((cell,)))
            yield Problem(line, "", "", "extra_cells", {"count": extra})
        yield line, cells


def _in_lists(items: Iterator[Item | Problem], size: int = 2000) -> Iterator[list[Item | Problem]]:
    block: list[Item | Problem] = []
    for item in items:
        block.append(item)
        if len(block) >= size:
            yield block
            block = []
    if block:
        yield block


def plain_items(block: PlainBlock) -> list[Item | Problem]:
    """A PlainBlock's lines as `Table.lines()` gives them (a line of blank cells is left out)."""
    width, cells = block.width, block.cells
    return list(_data_lines(((block.first_line + n, cells[n * width:(n + 1) * width]) for n in range(block.count)),
                            0, width))


def _filled(cells: Any) -> bool:
    """Whether any cell holds something other than blanks."""
    for cell in cells:
        if cell is not None and (type(cell) is not str or (cell and not cell.isspace())):
            return True
    return False


# -- CSV ---------------------------------------------------------------------------------------

def _first_bad_line(path: Path, encoding: str) -> int | None:
    """The line of the first byte sequence `encoding` cannot decode (or of a NUL byte, which no
    text file has), else None: the whole file is checked, chunk by chunk, with a strict
    incremental decoder."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines_before = 0
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            nul = chunk.find(b"\x00")
            if nul >= 0:
                return lines_before + chunk.count(b"\n", 0, nul) + 1
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return lines_before + chunk.count(b"\n", 0, max(0, exc.start)) + 1
            if not chunk:
                return None
            lines_before += chunk.count(b"\n")


def detect_encoding(path: Path) -> str:
    """The encoding of a whole CSV file: utf-8-sig (a BOM), else utf-8 if every byte decodes
    strictly, else gb18030 if every byte does; else FileRejected (unreadable_encoding)."""
    with path.open("rb") as handle:
        bom = handle.read(3) == UTF8_BOM
    line = 0
    for encoding in (("utf-8-sig",) if bom else ("utf-8", "gb18030")):
        line = _first_bad_line(path, encoding)
        if line is None:
            return encoding
    _reject(line or 0, "unreadable_encoding")


def _sniff_delimiter(line: str) -> str:
    """Comma, semicolon or tab: whichever the header line has most of outside quotes."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_records(path: Path, encoding: str, delimiter: str) -> Iterator[Item | Problem]:
    """(line where the record starts, cells) for every CSV record, blank ones included."""
    with path.open("r", encoding=encoding, newline="") as handle:
        yield from _records(csv.reader(handle, delimiter=delimiter, strict=True), 0)


def _records(reader, before: int, until: int | None = None) -> Iterator[Item | Problem]:
    """What `reader` reads, each record at the line it starts on (`before` lines precede the
    reader's first), a broken one as a Problem; up to the record that ends at or past line
    `until` of the reader's own, or to the end."""
    last = 0
    while until is None or reader.line_num < until:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Problem(before + last + 1, "", "", "bad_csv", {"detail": str(exc)})
        else:
            yield before + last + 1, cells
        last = reader.line_num


def _csv_blocks(path: Path, encoding: str, delimiter: str, header_line: int,
                width: int) -> Iterator[PlainBlock | list[Item | Problem]]:
    """The data lines of a CSV file in blocks of about BLOCK_BYTES: a block of plain lines as a
    PlainBlock, any other (a quote, a blank line, a line of another width...) read by the csv
    module as `_csv_records` reads it, a record that goes on past the block included."""
    with path.open("r", encoding=encoding, newline="") as handle:
        done = 0  # physical lines read, every one of them the end of a record
        while True:
            lines = handle.readlines(BLOCK_BYTES)
            if not lines:
                return
            cells = _plain_cells(lines, delimiter, width) if done >= header_line else None
            if cells is not None:
                yield PlainBlock(done + 1, len(lines), width, cells)
                done += len(lines)
                continue
            reader = csv.reader(chain(lines, handle), delimiter=delimiter, strict=True)
            items = list(_data_lines(_records(reader, done, len(lines)), header_line, width))
            done += reader.line_num
            yield items


def _plain_cells(lines: list[str], delimiter: str, width: int) -> list[str] | None:
    """The cells of `lines`, one record after another, if each line is a record of exactly
    `width` cells that the csv module would read as the text between delimiters, a cell perhaps
    in quotes (no quote, delimiter or line break inside one, no carriage return but in a line's
    end, no field over its limit); else None."""
    text = "".join(lines)
    if width < 2 or text.count("\r") != text.count("\r\n") or max(map(len, lines)) > csv.field_size_limit():
        return None
    quoted = '"' in text
    if quoted:
        if not _quoted_lines(delimiter, width).fullmatch(text):
            return None
    elif set(map(methodcaller("count", delimiter), lines)) != {width - 1}:
        return None
    joined = delimiter.join(lines)
    cells = (joined.replace('"', "") if quoted else joined).split(delimiter)
    cells[width - 1::width] = map(_line_end, cells[width - 1::width])  # a line's last cell ends it
    return cells


@lru_cache(maxsize=16)
def _quoted_lines(delimiter: str, width: int) -> re.Pattern:
    """Lines of `width` cells, any of them in quotes (as ERP exports write every cell) with no
    quote, delimiter or line break inside: the quotes can go, the cells stay the same."""
    stop = re.escape(delimiter) + '"\\r\\n'
    cell = f'(?:"[^{stop}]*"|[^{stop}]*)'
    line = cell + f"(?:{re.escape(delimiter)}{cell}){{{width - 1}}}"
    return re.compile(f"(?:{line}\\r?\\n)*(?:{line})?")


_line_end = methodcaller("rstrip", "\r\n")


def _open_csv(path: Path, aliases: AliasConfig, encoding: str | None = None) -> Table:
    encoding = encoding or detect_encoding(path)
    delimiter = ","
    with path.open("r", encoding=encoding, newline="") as handle:
        for text in handle:
            if text.strip():
                delimiter = _sniff_delimiter(text)
                break
    return _tabular(path, aliases, "csv", encoding, lambda: _csv_records(path, encoding, delimiter), delimiter)


# -- XLSX --------------------------------------------------------------------------------------

def _xlsx_records(path: Path) -> Iterator[Item | Problem]:
    """(row number, values) of the first sheet, every row (empty ones included, so the numbers
    are Excel's), dates as Excel typed them."""
    from openpyxl import load_workbook  # imported here: a CSV-only daemon run never pays for it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or foreign zip: openpyxl raises many kinds
        _reject(0, "unreadable_xlsx", detail=type(exc).__name__)
    line = 0
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong size; read every row there is
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, values
    except Exception as exc:  # damage further in the sheet: report it on the line reached
        yield Problem(line + 1, "", "", "unreadable_xlsx", {"detail": type(exc).__name__})
    finally:
        book.close()


def _open_xlsx(path: Path, aliases: AliasConfig) -> Table:
    return _tabular(path, aliases, "xlsx", "", lambda: _xlsx_records(path))


# -- JSON Lines --------------------------------------------------------------------------------

def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _jsonl_objects(path: Path) -> Iterator[Item | Problem]:
    """(physical line, object) per non-blank line; bad lines become Problems."""
    with path.open("rb") as handle:
        for line, data in enumerate(handle, start=1):
            if line == 1:
                data = data.removeprefix(UTF8_BOM)
            if not data.strip():
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                yield Problem(line, "", "", "unreadable_line")
                continue
            try:
                value = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
            except ValueError as exc:
                detail = getattr(exc, "msg", str(exc))
                yield Problem(line, "", _excerpt(text), "bad_json", {"detail": detail})
                continue
            if not isinstance(value, dict):
                yield Problem(line, "", _excerpt(text), "not_object")
                continue
            yield line, value


def _excerpt(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 80 else text[:77] + "..."


def _open_jsonl(path: Path, aliases: AliasConfig) -> Table:
    before: list[Problem] = []
    with closing(_jsonl_objects(path)) as items:
        for item in items:
            if not isinstance(item, Problem):
                first_line, first_object = item
                break
            before.append(item)
        else:
            raise FileRejected(before or [Problem(0, "", "", "empty_file")])
    keys = [str(key) for key in first_object]
    kind, positions, unknown = choose_kind(keys, aliases, line=first_line)
    lookup = aliases.lookup(kind)
    names: dict[str, str | None] = {}

    def lines() -> Iterator[Item | Problem]:
        for item in _jsonl_objects(path):
            if isinstance(item, Problem):
                yield item
                continue
            line, value = item
            values: dict[str, Any] = {}
            seen: dict[str, str] = {}
            bad = False
            for key, cell in value.items():
                if key not in names:
                    names[key] = lookup.get(normalize_header(key))
                name = names[key]
                if name is None:
                    if kind == "customers":
                        yield Problem(line, key, "", "unknown_column")
                        bad = True
                    continue
                if name in seen:
                    yield Problem(line, key, "", "duplicate_column", {"field": name, "other": seen[name]}, name)
                    bad = True
                    continue
                seen[name] = key
                values[name] = cell
            if not bad:
                yield line, values

    ignored = tuple(keys[position] for position in unknown)
    return Table(path, kind, "jsonl", "", {name: keys[position] for name, position in positions.items()},
                 ignored, tuple(Problem(first_line, key, "", "ignored_column") for key in ignored), None, lines)
