"""An order file as batches of rows ready for the order table, read ahead in a second process.

Reading a line (CSV, validation) is Python work; storing it is SQLite's. With a big file the first
runs in a worker process, batches ahead of this one, so that on two cores the two overlap. The
worker only reads: it never opens the database, and it stops when this process goes away (its
pipe breaks) or tells it to. A small file is read in this process: starting a worker costs more
than it saves there.

Three ways in, giving the same rows: a block of plain CSV lines (`formats.PlainBlock`) is checked
and converted a column at a time (`_Columns`), with the same rule as a lean line; a CSV line
whose cells are plain takes the lean path of its own; any other line `validate`'s rule. A plain
or lean line is stored without its content hash (see schema.content)."""
from __future__ import annotations

import datetime as dt
import gc
import os
import pickle
import re
import signal
import subprocess
import sys
import traceback

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from daemon.formats import PlainBlock, Problem, Record, Table, open_table, plain_items
from daemon.records import SPECS, line_checker
from schema.values import BadValue, parse_date
from schema.config_aliases import AliasConfig

BATCH = 2000
DAYS_KEPT = 4096  # distinct date cells remembered by the lean path
ROOT = Path(__file__).resolve().parent.parent  # where the packages are, for the worker
WORKER_ABOVE_BYTES = 4_000_000  # about 100,000 lines of a plain order CSV

# what a batch's row holds, in order: the order table's columns that differ from row to row (the
# open amount is the amount; the currency, file and insert time are the same for a whole file).
# A batch of plain lines holds only PLAIN_COLUMNS: no cost, and no hash (stored as "").
ROW_COLUMNS = ("order_no", "customer_id", "order_date", "due_date", "amount_cents", "cost_cents", "content_hash",
               "source_line")
PLAIN_COLUMNS = ("order_no", "customer_id", "order_date", "due_date", "amount_cents", "source_line")
NO, CUSTOMER, DAY, AMOUNT, HASH, LINE = 0, 1, 2, 4, 6, -1  # positions in a row (HASH: ROW_COLUMNS only)
DETAIL_FIELDS = ("sku", "product", "qty", "unit_price", "amount", "cost")
# a column of lean amounts, one a line: what the lean path takes (ASCII digits, at most two decimals)
_CENTS_COLUMN = re.compile(r"-?[0-9]{1,15}\.[0-9]{2}(?:\n-?[0-9]{1,15}\.[0-9]{2})*")
_AMOUNT_COLUMN = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,2})?(?:\n-?[0-9]{1,15}(?:\.[0-9]{1,2})?)*")


@dataclass
class Plan:
    """What reading needs to know besides the file: all of it plain data, sent to the worker."""

    currency: str
    customers: dict[str, tuple[int, int]]  # code -> (id, credit days)


@dataclass
class OrderBatch:
    rows: list[tuple] = field(default_factory=list)  # of ROW_COLUMNS
    problems: list[Problem] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)
    good: int = 0  # lines that read well (an unknown customer is the database's problem)
    last_line: int = 0
    details: list[tuple[str, dict]] = field(default_factory=list)  # (order no, product fields) for order lines
    # a batch of plain lines instead: PLAIN_COLUMNS as columns, the last (the lines) as its first
    # line, the lines following on (cheaper to write, send and read than a million tuples)
    columns: tuple[list, ...] | None = None

    @property
    def size(self) -> int:
        return len(self.rows) if self.columns is None else len(self.columns[0])

    def row_tuples(self) -> Iterator[tuple]:
        """The batch's rows: of ROW_COLUMNS, or of PLAIN_COLUMNS for a batch of plain lines."""
        if self.columns is None:
            return iter(self.rows)
        *values, first_line = self.columns
        return zip(*values, range(first_line, first_line + len(values[0])))


@dataclass
class Posted:
    """What the file's rows do to each customer, summed while reading: the balance moves, the
    first deal dates, and who returned goods (a return needs settling). A row the database
    turns away as a repeat is taken back out of `moves` by the caller; its date is already in
    the customer's first deal date and a needless settlement changes nothing."""

    moves: dict[int, int] = field(default_factory=dict)
    first: dict[int, dt.date] = field(default_factory=dict)
    returning: set[int] = field(default_factory=set)


def read_batches(table: Table, plan: Plan, posted: Posted) -> Iterator[OrderBatch]:
    """The file's lines in batches of rows, in file order; each bad line is a Problem of its batch.

    A CSV line whose cells are all plain (the order number and customer code as text, a date
    read before, an amount such as -1234.50, any other column empty) takes a lean path that
    gives exactly what `validate` gives, but for the hash, which it leaves to be made when
    needed (schema.content); a block of such lines is read a column at a time (`_Columns`).
    Any other line goes through `validate`'s own rule (`line_checker`)."""
    customers, currency = plan.customers, plan.currency
    moves, first, returning = posted.moves, posted.first, posted.returning
    code_column = table.columns.get("customer_code", "customer_code")
    check = line_checker(table, currency=currency)
    fast = _lean_positions(table)
    no_limit, code_limit = SPECS["orders"]["order_no"].text, SPECS["orders"]["customer_code"].text
    lean = fast is not None
    if lean:
        p_no, p_code, p_day, p_amount, others = fast
        columns = _Columns(fast, plan, posted, no_limit, code_limit)
    # raw date text -> (date, ISO text, {credit days: ISO due date})
    days: dict[Any, tuple[dt.date, str, dict[int, str]] | None] = {}
    batch = OrderBatch()
    rows, append = batch.rows, batch.rows.append
    good = last_line = 0
    for block in table.blocks():  # a PlainBlock only from a CSV file, which reads lean
        if type(block) is PlainBlock:
            taken = columns.batch(block)
            if taken is not None:
                if rows or batch.problems or good:
                    batch.good, batch.last_line = good, last_line
                    yield batch
                    batch = OrderBatch()
                    rows, append = batch.rows, batch.rows.append
                    good = 0
                yield taken
                continue
            block = plain_items(block)
        for item in block:
            if type(item) is Problem:
                batch.problems.append(item)
                batch.bad_lines.add(item.line)
                continue
            line, cells = item
            record = None
            if lean:
                raw_day, raw_amount = cells[p_day], cells[p_amount]
                try:
                    known = days[raw_day]
                except (KeyError, TypeError):
                    if len(days) >= DAYS_KEPT:  # dates with times of day may all differ
                        days.clear()
                    known = days[raw_day] = _lean_date(raw_day) if type(raw_day) is str else None
                try:  # a short line's missing cells are None
                    no, code = cells[p_no].strip(), cells[p_code].strip()
                    # money as schema.values.parse_money reads plain ASCII, without a Decimal
                    whole, dot, fraction = raw_amount.partition(".")
                except AttributeError:
                    known = None
                if (known is None or not no or len(no) > no_limit or not code or len(code) > code_limit
                        or not raw_amount.isascii()):
                    record = check(line, cells)
                else:
                    digits = whole[1:] if whole[:1] == "-" else whole
                    if not digits.isdigit() or len(digits) > 15:
                        record = check(line, cells)
                    elif dot:
                        if len(fraction) == 2 and fraction.isdigit():
                            amount = int(digits + fraction)
                        elif len(fraction) == 1 and fraction.isdigit():
                            amount = int(digits + fraction) * 10
                        else:
                            record = check(line, cells)
                    else:
                        amount = int(digits) * 100
                    if others and record is None:
                        for position in others:
                            if cells[position]:
                                record = check(line, cells)
                                break
            else:
                record = check(line, cells)
            if record is None:  # the lean path
                if digits is not whole:
                    amount = -amount
                day, iso, dues = known
                content_hash, due, cost = "", None, None
            elif type(record) is Record:
                fields = record.fields
                no, code, day, amount = fields["order_no"], fields["customer_code"], fields["order_date"], fields["amount"]
                iso, content_hash, due, cost = day.isoformat(), record.content_hash, fields["due_date"], fields["cost"]
                dues = None
            else:
                batch.problems.extend(record)
                batch.bad_lines.add(line)
                continue
            good += 1
            last_line = line
            customer = customers.get(code)
            if customer is None:
                batch.problems.append(Problem(line, code_column, code, "unknown_customer", {}))
                continue
            customer_id, credit_days = customer
            if due is not None:
                due_iso = due.isoformat()
            elif dues is None:
                due_iso = (day + dt.timedelta(days=credit_days)).isoformat()
            else:
                due_iso = dues.get(credit_days)
                if due_iso is None:
                    due_iso = dues[credit_days] = (day + dt.timedelta(days=credit_days)).isoformat()
            append((no, customer_id, iso, due_iso, amount, cost, content_hash, line))
            moves[customer_id] = moves.get(customer_id, 0) + amount
            if amount > 0:
                if customer_id not in first or day < first[customer_id]:
                    first[customer_id] = day
            elif amount < 0:
                returning.add(customer_id)
            if record is not None and (fields["sku"] or fields["product"] or fields["qty"] is not None):
                batch.details.append((no, {name: fields[name] for name in DETAIL_FIELDS}))
            if len(rows) >= BATCH:
                batch.good, batch.last_line = good, last_line
                yield batch
                batch = OrderBatch()
                rows, append = batch.rows, batch.rows.append
                good = 0
    batch.good, batch.last_line = good, last_line
    if lean:
        columns.finish()
    if batch.rows or batch.problems or batch.good:
        yield batch


class _Columns:
    """The lean path a column at a time, for a block of plain CSV lines: each column is checked
    and converted whole (C loops: `map`, a regular expression over the joined column), and the
    block is taken only if every line would take the lean path, all of its customers known;
    else `batch` gives None and the block's lines go one by one. The rows are the lean path's,
    in PLAIN_COLUMNS. `finish` puts the first deal dates into `posted` when the file is read."""

    def __init__(self, positions: tuple, plan: Plan, posted: Posted, no_limit: int, code_limit: int):
        self.positions, self.posted = positions, posted
        self.no_limit, self.code_limit = no_limit, code_limit
        self.ids = {code: customer for code, (customer, _) in plan.customers.items()}
        self.terms = {code: days for code, (_, days) in plan.customers.items()}
        terms = set(self.terms.values())
        self.term = terms.pop() if len(terms) == 1 else None  # every customer's credit days, if all alike
        self.iso: dict[str, str] = {}  # date cell -> ISO date
        self.dates: dict[str, dt.date] = {}  # ISO date -> date
        self.dues: dict[Any, str] = {}  # (date cell, credit days), or the cell when all alike -> ISO due date
        self.first: dict[int, str] = {}  # customer -> ISO date of its earliest sale in the blocks

    def batch(self, block: PlainBlock) -> OrderBatch | None:
        p_no, p_code, p_day, p_amount, others = self.positions
        width, cells = block.width, block.cells
        if any(any(cells[position::width]) for position in others):
            return None
        numbers, codes = self._text(cells[p_no::width], self.no_limit), self._text(cells[p_code::width], self.code_limit)
        if numbers is None or codes is None:
            return None
        ids = list(map(self.ids.get, codes))
        if None in ids:
            return None  # the lines one by one name the unknown ones
        raw_days = cells[p_day::width]
        isos = self._isos(raw_days)
        amounts = _cents(cells[p_amount::width])
        if isos is None or amounts is None:
            return None
        keys = raw_days if self.term is not None else list(zip(raw_days, map(self.terms.get, codes)))
        dues = list(map(self.dues.get, keys))
        if None in dues:
            for key in set(keys).difference(self.dues):
                raw, days = (key, self.term) if self.term is not None else key
                self.dues[key] = (self.dates[self.iso[raw]] + dt.timedelta(days=days)).isoformat()
            dues = list(map(self.dues.get, keys))
        self._post(ids, amounts, isos)
        return OrderBatch(good=block.count, last_line=block.first_line + block.count - 1,
                          columns=(numbers, ids, isos, dues, amounts, block.first_line))

    @staticmethod
    def _text(column: list[str], limit: int) -> list[str] | None:
        """The column's cells stripped, if none is empty or longer than `limit`."""
        stripped = list(map(str.strip, column))
        return stripped if all(stripped) and max(map(len, stripped)) <= limit else None

    def _isos(self, raw_days: list[str]) -> list[str] | None:
        isos = list(map(self.iso.get, raw_days))
        if None not in isos:
            return isos
        new = set(raw_days).difference(self.iso)
        if len(self.iso) + len(new) > DAYS_KEPT:  # dates with times of day may all differ
            self.iso.clear()
            self.dues.clear()
            new = set(raw_days)
        for raw in new:
            known = _lean_date(raw)
            if known is None:
                return None
            self.iso[raw] = known[1]
            self.dates[known[1]] = known[0]
        return list(map(self.iso.get, raw_days))

    def _post(self, ids: list[int], amounts: list[int], isos: list[str]) -> None:
        """The block's rows into the file's sums: the balance moves, who returns goods, and each
        customer's earliest sale (as ISO text until `finish`)."""
        moves, first = self.posted.moves, self.first
        get, earliest = moves.get, first.get
        for customer, amount, iso in zip(ids, amounts, isos):
            moves[customer] = get(customer, 0) + amount
            if amount > 0:
                known = earliest(customer)
                if known is None or iso < known:
                    first[customer] = iso
        if min(amounts) < 0:
            self.posted.returning.update(customer for customer, amount in zip(ids, amounts) if amount < 0)

    def finish(self) -> None:
        first, dates = self.posted.first, self.dates
        for customer, iso in self.first.items():
            day = dates[iso]
            if customer not in first or day < first[customer]:
                first[customer] = day


def _cents(column: list[str]) -> list[int] | None:
    """A column of lean amount cells in cents, or None if any cell is not one."""
    joined = "\n".join(column)
    if _CENTS_COLUMN.fullmatch(joined):  # all with two decimals: the usual form
        return list(map(int, joined.replace(".", "").split("\n")))
    if not _AMOUNT_COLUMN.fullmatch(joined):
        return None
    cents = []
    for cell in column:
        whole, _, fraction = cell.partition(".")
        cents.append(int(whole + fraction.ljust(2, "0")))
    return cents


_LEAN = ("order_no", "customer_code", "order_date", "amount")


def _lean_positions(table: Table) -> tuple[int, int, int, int, list[int]] | None:
    """Where the lean path finds its four cells, and the other fields' cells it needs empty; None
    for a file whose cells may be other than text (XLSX, JSON Lines)."""
    if table.format != "csv" or table.positions is None:
        return None
    positions = table.positions
    return (*(positions[name] for name in _LEAN), [p for name, p in positions.items() if name not in _LEAN])


def _lean_date(raw: str) -> tuple[dt.date, str, dict[int, str]] | None:
    """A date cell the lean path may take: one `parse_date` reads without a problem."""
    try:
        day = parse_date(raw)
    except BadValue:
        return None
    return day, day.isoformat(), {}


def batches(table: Table, plan: Plan, aliases: AliasConfig, posted: Posted) -> Iterator[OrderBatch]:
    """`read_batches`, in a worker process when the file is big enough to gain from one; `posted`
    is complete when the batches are done."""
    if table.path.stat().st_size < WORKER_ABOVE_BYTES:
        yield from read_batches(table, plan, posted)
        return
    worker = _take_spare(table.path) or _start_worker()
    try:
        orders = (table.path.resolve(), aliases, table.kind, table.encoding, plan)
        pickle.dump(orders, worker.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        worker.stdin.close()
        while True:
            try:
                message = pickle.load(worker.stdout)
            except (EOFError, pickle.UnpicklingError):
                raise RuntimeError(f"the reader of {table.path.name} stopped without a word "
                                   f"(exit code {worker.wait(5)})") from None
            if isinstance(message, Posted):
                posted.moves, posted.first, posted.returning = message.moves, message.first, message.returning
                break
            if isinstance(message, str):
                raise RuntimeError(f"the reader of {table.path.name} failed:\n{message}")
            yield message
    finally:
        _stop(worker)


def _start_worker() -> subprocess.Popen:
    """A plain child process (not multiprocessing, which would import the caller's main module
    again): it reads its orders on stdin and writes pickled batches on stdout."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))))
    worker = subprocess.Popen([sys.executable, "-m", "daemon.order_batches"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, env=env, cwd=ROOT)
    _widen(worker.stdout)
    return worker


def _stop(worker: subprocess.Popen) -> None:
    if not worker.stdin.closed:
        worker.stdin.close()  # a worker still waiting for its orders ends
    worker.stdout.close()  # a worker still writing gets a broken pipe and ends
    try:
        worker.wait(5)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


_spare: tuple[Path, subprocess.Popen] | None = None  # a worker started early, and for which file


@contextmanager
def reader_ready(path: Path) -> Iterator[None]:
    """Start the worker for a big file now, so that Python starts and imports while the caller
    does what comes before the reading (the file's hash, its encoding, the customers): `batches`
    takes it. A worker nobody took (a duplicate, another kind of file) is ended on the way out."""
    global _spare
    if _spare is not None or not path.is_file() or path.stat().st_size < WORKER_ABOVE_BYTES:
        yield
        return
    _spare = (path.resolve(), _start_worker())
    try:
        yield
    finally:
        spare, _spare = _spare, None
        if spare is not None:
            _stop(spare[1])


def _take_spare(path: Path) -> subprocess.Popen | None:
    global _spare
    if _spare is None or _spare[0] != path.resolve():
        return None
    worker, _spare = _spare[1], None
    return worker


PIPE_BYTES = 1 << 20  # a few batches: the reader runs ahead of the inserts instead of in step with them
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031) if fcntl is not None else None


def _widen(pipe) -> None:
    """Let the worker's pipe hold several pickled batches (Linux: 64 KiB by default, less than one
    batch, so that each side would wait for the other at every batch). Best effort: elsewhere, or
    above the system's limit, the pipe stays as it is."""
    if F_SETPIPE_SZ is None or not sys.platform.startswith("linux"):
        return
    try:
        fcntl.fcntl(pipe.fileno(), F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:
        pass


def _work() -> None:
    """The worker: read the file its orders name and write each batch, then the sums; a failure as
    its traceback text. It stops when the daemon stops listening."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the daemon decides when reading stops
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # reading makes no reference cycles (each batch is freed once written): the cycle collector,
    # walking a batch's thousands of tuples again and again, would only cost a tenth of the time
    gc.disable()
    out = sys.stdout.buffer
    try:
        try:
            path, aliases, kind, encoding, plan = pickle.load(sys.stdin.buffer)
        except EOFError:
            os._exit(0)  # started early for a file that needed no reader
        table = open_table(path, aliases, encoding=encoding)
        if table.kind != kind:
            raise RuntimeError(f"{path.name} changed while it was read: now {table.kind}, was {kind}")
        posted = Posted()
        for batch in read_batches(table, plan, posted):
            pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
        pickle.dump(posted, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()
    except (BrokenPipeError, ConnectionResetError):
        os._exit(0)  # the daemon has gone or stopped listening: nothing to tell
    except BaseException:  # noqa: BLE001 - every failure is reported to the daemon, which logs it
        try:
            pickle.dump(traceback.format_exc(), out)
            out.flush()
        except OSError:
            os._exit(1)


if __name__ == "__main__":  # run as the worker: pickle must name the classes by their module
    from daemon.order_batches import _work as work
    work()
