"""An order file as batches of rows ready for the order table, read ahead in a second process.

Reading a line (CSV, validation, the content hash) is Python work; storing it is SQLite's. With a
big file the first runs in a worker process, a batch ahead of this one, so that on two cores the
two overlap. The worker only reads: it never opens the database, and it stops when this process
goes away (its pipe breaks) or tells it to. A small file is read in this process: starting a
worker costs more than it saves there."""
from __future__ import annotations

import datetime as dt
import os
import pickle
import signal
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from daemon.formats import Problem, Table, open_table, validate
from schema.config_aliases import AliasConfig

BATCH = 2000
ROOT = Path(__file__).resolve().parent.parent  # where the packages are, for the worker
WORKER_ABOVE_BYTES = 4_000_000  # about 100,000 lines of a plain order CSV

# the columns of the order table a batch's rows fill, in order
ORDER_COLUMNS = ("order_no", "customer_id", "order_date", "due_date", "amount_cents", "open_cents", "cost_cents",
                 "currency", "content_hash", "source_file_id", "source_line", "created_at")
NO, CUSTOMER, AMOUNT, HASH, LINE = 0, 1, 4, 8, 10  # positions in a row
DETAIL_FIELDS = ("sku", "product", "qty", "unit_price", "amount", "cost")


@dataclass
class Plan:
    """What reading needs to know besides the file: all of it plain data, sent to the worker."""

    currency: str
    customers: dict[str, tuple[int, int]]  # code -> (id, credit days)
    file_id: int
    created_at: str  # the database's text for the insert time


@dataclass
class OrderBatch:
    rows: list[tuple] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)
    good: int = 0  # lines that read well (an unknown customer is the database's problem)
    last_line: int = 0
    details: list[tuple[str, dict]] = field(default_factory=list)  # (order no, product fields) for order lines


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
    """The file's lines in batches of rows; each bad line is a Problem of its batch."""
    customers, currency = plan.customers, plan.currency
    moves, first, returning = posted.moves, posted.first, posted.returning
    code_column = table.columns.get("customer_code", "customer_code")
    batch = OrderBatch()
    for item in validate(table, currency=currency):
        if type(item) is Problem:
            batch.problems.append(item)
            batch.bad_lines.add(item.line)
            continue
        batch.good += 1
        batch.last_line = line = item.line
        fields = item.fields
        code = fields["customer_code"]
        customer = customers.get(code)
        if customer is None:
            batch.problems.append(Problem(line, code_column, code, "unknown_customer", {}))
            continue
        customer_id, credit_days = customer
        day, amount = fields["order_date"], fields["amount"]
        due = fields["due_date"] or day + dt.timedelta(days=credit_days)
        batch.rows.append((fields["order_no"], customer_id, day.isoformat(), due.isoformat(), amount, amount,
                           fields["cost"], currency, item.content_hash, plan.file_id, line, plan.created_at))
        moves[customer_id] = moves.get(customer_id, 0) + amount
        if amount > 0:
            if customer_id not in first or day < first[customer_id]:
                first[customer_id] = day
        elif amount < 0:
            returning.add(customer_id)
        if fields["sku"] or fields["product"] or fields["qty"] is not None:
            batch.details.append((fields["order_no"], {name: fields[name] for name in DETAIL_FIELDS}))
        if len(batch.rows) >= BATCH:
            yield batch
            batch = OrderBatch()
    if batch.rows or batch.problems or batch.good:
        yield batch


def batches(table: Table, plan: Plan, aliases: AliasConfig, posted: Posted) -> Iterator[OrderBatch]:
    """`read_batches`, in a worker process when the file is big enough to gain from one; `posted`
    is complete when the batches are done."""
    if table.path.stat().st_size < WORKER_ABOVE_BYTES:
        yield from read_batches(table, plan, posted)
        return
    # a plain child process (not multiprocessing, which would import the caller's main module
    # again): it reads its orders on stdin and writes pickled batches on stdout
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))))
    worker = subprocess.Popen([sys.executable, "-m", "daemon.order_batches"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, env=env, cwd=ROOT)
    try:
        pickle.dump((table.path.resolve(), aliases, table.kind, plan), worker.stdin, protocol=pickle.HIGHEST_PROTOCOL)
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
        worker.stdout.close()  # a worker still writing gets a broken pipe and ends
        try:
            worker.wait(5)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _work() -> None:
    """The worker: read the file its orders name and write each batch, then the sums; a failure as
    its traceback text. It stops when the daemon stops listening."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the daemon decides when reading stops
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    out = sys.stdout.buffer
    try:
        path, aliases, kind, plan = pickle.load(sys.stdin.buffer)
        table = open_table(path, aliases)
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
