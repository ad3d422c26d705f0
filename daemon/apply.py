"""Applying a validated table to the database, inside the caller's transaction.

Orders take a bulk path: rows go in through the cursor's `executemany` in batches (each order is
its own posting in the ledger view), the cached balances follow in one statement per customer, and only the customers that hold a credit (or
return goods in this file) are settled one order at a time through `schema.ledger.settle_order`,
in file order, which gives exactly what posting the lines one by one would. A big file into a
table no bigger than it builds the order table's plain indexes after its rows (`_defer_indexes`).
Payments and customer master lines are few and go through the ledger's and the audit's own
functions."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Callable, Iterator

from peewee import chunked, fn

from schema import clock, ledger
from schema.alerts import refresh_alerts
from schema.audit import audited_create, audited_update
from schema.balances import open_credit_customers
from schema.config import Config
from schema.content import plain_order_hash
from schema.db import database, is_sqlite
from schema.models import Customer, IngestedFile, Order, OrderLine, Payment, Rep

from daemon.formats import Problem, Record, Table, validate
from daemon.order_batches import (AMOUNT, CUSTOMER, DAY, HASH, LINE, NO, PLAIN_COLUMNS, ROW_COLUMNS, OrderBatch,
                                  Plan, Posted, batches)



@dataclass
class ApplyResult:
    good: int = 0  # lines that read well (before the database's checks)
    applied: int = 0
    skipped: int = 0  # lines repeating an earlier one with the same content
    problems: list[Problem] = field(default_factory=list)
    customers: set[int] = field(default_factory=set)
    bad_lines: set[int] = field(default_factory=set)
    progress: Progress | None = None

    @property
    def total(self) -> int:
        return self.good + len(self.bad_lines)


class _Keys:
    """Payment references or customer codes seen in this file: a repeat with the same content is
    skipped, with other content it is a problem naming the earlier line. One int a key. (Order
    numbers, a million to a file, are checked by the database's unique index instead.)"""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def admit(self, record: Record, key: str, column: str, result: ApplyResult) -> bool:
        """True for the first line with `key`; a repeat is counted as skipped, or as a problem."""
        digest = int(record.content_hash[:12], 16)
        previous = self.seen.get(key)
        if previous is None:
            self.seen[key] = (digest << 32) | record.line
            return True
        if previous >> 32 == digest:
            result.skipped += 1
        else:
            result.problems.append(Problem(record.line, column, key, "duplicate_in_file_conflict",
                                           {"line": previous & 0xFFFFFFFF}))
        return False


Progress = Callable[[int], None]  # called with the number of the line reached
PROGRESS_EVERY = 10_000


def _records(table: Table, config: Config, result: ApplyResult) -> Iterator[Record]:
    for item in validate(table, currency=config.ledger.currency):
        if isinstance(item, Problem):
            result.problems.append(item)
            result.bad_lines.add(item.line)
        else:
            result.good += 1
            if result.progress is not None and result.good % PROGRESS_EVERY == 0:
                result.progress(item.line)
            yield item


def _column(table: Table, name: str) -> str:
    return table.columns.get(name, name)


def apply_table(table: Table, file_row: IngestedFile, config: Config, *, actor: str,
                progress: Progress | None = None) -> ApplyResult:
    """Validate and apply every line of `table`; on any problem the caller rolls back."""
    result = ApplyResult(progress=progress)
    if table.kind == "orders":
        _apply_orders(table, file_row, config, result)
    elif table.kind == "payments":
        _apply_payments(table, file_row, config, result)
    else:
        _apply_customers(table, file_row, config, result, actor)
    if not result.problems and result.customers:  # a new credit limit may raise or resolve one too
        refresh_alerts(result.customers, overdue_days=config.daemon.overdue_alert_days)
    return result


def _customer_codes() -> dict[str, tuple[int, int]]:
    """code -> (id, credit days) of every customer, read through the cursor (100,000 of them)."""
    cursor = database.execute_sql('SELECT code, id, credit_days FROM "customer"')
    return {code: (cid, days) for code, cid, days in cursor}


# A big file into a small table: the order table's plain secondary indexes are dropped before
# the rows go in and built again after, in the same transaction (all or nothing still). Built
# from sorted keys, an index of a million rows costs a third of what a million inserts at random
# places in it do, and those scattered pages no longer overflow the page cache into the WAL
# again and again. Against a big table the rebuild would read every row: then rows go in as usual.
BULK_LINE_BYTES = 64  # a plain order line is 40-60 bytes: the file's lines, underestimated
BULK_ABOVE_ROWS = 50_000  # lines; below this the indexes are simply kept


@dataclass
class _Deferred:
    name: str
    sql: str
    stats: list[tuple]  # the index's row of sqlite_stat1, put back as it was


def _defer_indexes(table: str, expected_rows: int) -> list[_Deferred]:
    """Drop `table`'s plain (non-unique, non-partial) indexes for a bulk load of `expected_rows`
    into a table holding no more rows than that; SQLite only, inside the caller's transaction.
    The unique indexes stay: they are what tells a repeated order number."""
    if not is_sqlite() or expected_rows < BULK_ABOVE_ROWS:
        return []
    held = database.execute_sql(f'SELECT MAX(id) - MIN(id) + 1 FROM "{table}"').fetchone()[0] or 0
    if held > expected_rows:
        return []
    has_stats = database.execute_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").fetchone() is not None
    deferred = []
    for _, name, unique, origin, partial in database.execute_sql(f'PRAGMA index_list("{table}")').fetchall():
        if unique or partial or origin != "c":
            continue
        (sql,) = database.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                                      (name,)).fetchone()
        stats = (database.execute_sql("SELECT tbl, idx, stat FROM sqlite_stat1 WHERE idx = ?", (name,)).fetchall()
                 if has_stats else [])
        database.execute_sql(f'DROP INDEX "{name}"')
        deferred.append(_Deferred(name, sql, stats))
    return deferred


SORT_CACHE_KIB = 4096  # the page cache while an index is built, which bounds each sorted run in memory
SORT_THREADS = 2


def _rebuild_indexes(deferred: list[_Deferred]) -> None:
    """Build again what `_defer_indexes` dropped, with the planner's statistics it had.

    SQLite sorts the keys in runs as big as the page cache and merges them. For the build the
    cache is made small and the sorter may use helper threads: runs of a few MiB sort while the
    next are read, on the second core, and fit the processor's caches. One big run in 64 MiB
    took twice as long (0.95 s against 0.45 s for a million orders)."""
    if not deferred:
        return
    cache = database.execute_sql("PRAGMA cache_size").fetchone()[0]
    threads = database.execute_sql("PRAGMA threads").fetchone()[0]
    database.execute_sql(f"PRAGMA cache_size = -{SORT_CACHE_KIB}")
    database.execute_sql(f"PRAGMA threads = {min(SORT_THREADS, os.cpu_count() or 1)}")
    try:
        for index in deferred:
            database.execute_sql(index.sql)
    finally:
        database.execute_sql(f"PRAGMA cache_size = {int(cache)}")
        database.execute_sql(f"PRAGMA threads = {int(threads)}")
    for index in deferred:
        if index.stats:
            database.execute_sql("DELETE FROM sqlite_stat1 WHERE idx = ?", (index.name,))
            database.cursor().executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", index.stats)
    if any(index.stats for index in deferred):
        database.execute_sql("ANALYZE sqlite_master")  # the planner reads the statistics put back


def _clashes(model, key_field, keys: list[str]) -> dict[str, tuple[str, str, int | None, int | None]]:
    """Keys already in the database: key -> (content hash, file name, line, file id). An order
    stored without its hash (a plain line, see schema.content) gets it made from its columns."""
    table, key, p = model._meta.table_name, key_field.column_name, database.obj.param
    plain = model is Order
    extra = ", c.code, t.order_date, t.amount_cents" if plain else ""
    join = " JOIN customer c ON c.id = t.customer_id" if plain else ""
    found = {}
    for chunk in chunked(keys, 500):
        sql = (f'SELECT t.{key}, t.content_hash, f.name, t.source_line, t.source_file_id{extra} FROM "{table}" t'
               f' LEFT JOIN ingested_file f ON f.id = t.source_file_id{join}'
               f' WHERE t.{key} IN ({", ".join([p] * len(chunk))})')
        for k, digest, name, line, file_id, *order in database.execute_sql(sql, list(chunk)):
            if plain and not digest and file_id is not None:
                code, day, cents = order
                digest = plain_order_hash(k, code, day if isinstance(day, dt.date) else dt.date.fromisoformat(day), cents)
            found[k] = (digest, name or "", line, file_id)
    return found


def _apply_orders(table: Table, file_row: IngestedFile, config: Config, result: ApplyResult) -> None:
    """Insert the file's orders batch by batch (read ahead, see `daemon.order_batches`). The order
    number's unique index does the duplicate detection (no set of a million keys in memory): a row
    that did not go in repeats an earlier one, of another file or of this one, and is skipped if
    its content is the same, else a problem."""
    plan = Plan(config.ledger.currency, _customer_codes())
    insert = _OrderInsert(config.ledger.currency, file_row.id, str(Order.created_at.db_value(clock.now())))
    codes: dict[int, str] = {}  # customer id -> code, for the hash of a plain line that repeats a number
    no_column = _column(table, "order_no")
    cursor = database.cursor()
    first_id = (Order.select(fn.MAX(Order.id)).scalar() or 0) + 1
    posted = Posted()
    taken_back: dict[int, int] = {}  # what repeated rows, which did not go in, added to `posted.moves`

    def skip_repeats(rows: list[tuple]) -> list[tuple]:
        """The rows whose order number an earlier line holds; each is skipped or a problem."""
        holders = _clashes(Order, Order.order_no, [row[NO] for row in rows])
        repeats = []
        for row in rows:
            digest, name, line, file_id = holders[row[NO]]
            if file_id == file_row.id and line == row[LINE]:
                continue  # this very line went in
            repeats.append(row)
            if not codes:
                codes.update((customer, code) for code, (customer, _) in plan.customers.items())
            if digest == _row_hash(row, codes):
                result.skipped += 1
            elif file_id == file_row.id:
                result.problems.append(Problem(row[LINE], no_column, row[NO], "duplicate_in_file_conflict",
                                               {"line": line}))
            else:
                result.problems.append(Problem(row[LINE], no_column, row[NO], "duplicate_key_conflict",
                                               {"file": name or "-", "line": line or "-"}))
        return repeats

    deferred = _defer_indexes(Order._meta.table_name, table.path.stat().st_size // BULK_LINE_BYTES)
    for batch in batches(table, plan, config.aliases, posted):
        result.good += batch.good
        result.problems.extend(batch.problems)
        result.bad_lines.update(batch.bad_lines)
        if result.progress is not None and batch.last_line:
            result.progress(batch.last_line)
        size = batch.size
        if not size:
            continue
        insert(cursor, batch)
        repeats = skip_repeats(list(batch.row_tuples())) if cursor.rowcount != size else []
        for row in repeats:  # `posted` is complete only after the last batch
            taken_back[row[CUSTOMER]] = taken_back.get(row[CUSTOMER], 0) + row[AMOUNT]
        result.applied += size - len(repeats)
        if batch.details:
            skipped = {row[NO] for row in repeats}
            _order_lines([d for d in batch.details if d[0] not in skipped], file_row.id)
    result.problems.sort(key=lambda problem: problem.line)  # the reader's and the database's, in file order
    for customer_id, cents in taken_back.items():
        posted.moves[customer_id] -= cents
    if not result.problems:  # else the caller rolls back, the dropped indexes with the rest
        _rebuild_indexes(deferred)
        _post_orders(file_row, first_id, posted, result)


class _OrderInsert:
    """What inserts a batch's rows into the order table, a row repeating an order number left out.
    The file's constants are written into the statement, and on SQLite the open amount is the
    amount's parameter again; a batch of plain lines binds no cost (NULL) and no hash (""). Each
    value bound costs, and None the most (the driver looks for an adapter first): a million rows
    binding six values each instead of eight, a None among them, went in in 1.7 s instead of 2.3 s."""

    def __init__(self, currency: str, file_id: int, created_at: str):
        constants = {"currency": _literal(currency), "source_file_id": str(int(file_id)),
                     "created_at": _literal(created_at)}
        plain = {"cost_cents": "NULL", "content_hash": "''", **constants}
        self.sqlite = is_sqlite()
        self.full = self._statement(ROW_COLUMNS, constants)
        self.plain = self._statement(PLAIN_COLUMNS, plain)

    def _statement(self, columns: tuple[str, ...], constants: dict[str, str]) -> str:
        names = ", ".join((*columns, "open_cents", *constants))
        if self.sqlite:
            values = [f"?{n}" for n in range(1, len(columns) + 1)] + [f"?{AMOUNT + 1}", *constants.values()]
        else:  # PostgreSQL's driver knows no numbered parameters (the amount goes twice) and reads % as one
            values = ["%s"] * (len(columns) + 1) + [value.replace("%", "%%") for value in constants.values()]
        return f'INSERT INTO "order" ({names}) VALUES ({", ".join(values)}) ON CONFLICT (order_no) DO NOTHING'

    def __call__(self, cursor, batch: OrderBatch) -> None:
        rows = batch.row_tuples()
        if not self.sqlite:
            rows = [(*row, row[AMOUNT]) for row in rows]
        cursor.executemany(self.full if batch.columns is None else self.plain, rows)


def _row_hash(row: tuple, codes: dict[int, str]) -> str:
    """A read row's content hash; made for a plain or lean line, stored without it."""
    if len(row) > HASH and row[HASH]:
        return row[HASH]
    return plain_order_hash(row[NO], codes[row[CUSTOMER]], dt.date.fromisoformat(row[DAY]), row[AMOUNT])


def _literal(text: str) -> str:
    """`text` as an SQL string literal (standard SQL: a quote doubled), for a statement's constant."""
    return "'" + text.replace("'", "''") + "'"


def _order_lines(details: list[tuple[str, dict]], file_id: int) -> None:
    if not details:
        return
    ids = dict(Order.select(Order.order_no, Order.id).where(
        Order.order_no.in_([number for number, _ in details]) & (Order.source_file == file_id)).tuples())
    OrderLine.insert_many([{"order": ids[number], "line_no": 1, "sku": f["sku"] or "", "product": f["product"] or "",
                            "qty": f["qty"], "unit_price": f["unit_price"], "amount_cents": f["amount"],
                            "cost_cents": f["cost"]} for number, f in details if number in ids]).execute()


def _post_orders(file_row: IngestedFile, first_id: int, posted: Posted, result: ApplyResult) -> None:
    """The balances and first deal dates of the orders just inserted (ids from `first_id` on: the
    transaction holds the write lock; each order is its own posting), then settlement where
    credits wait."""
    # one statement a customer, each row written once (a customer row is wide)
    p = database.obj.param
    moves, first = posted.moves, {cid: day.isoformat() for cid, day in posted.first.items()}
    database.cursor().executemany(
        f'UPDATE "customer" SET balance_cents = balance_cents + {p}, first_deal_date = CASE WHEN {p} IS NOT NULL'
        f' AND (first_deal_date IS NULL OR first_deal_date > {p}) THEN {p} ELSE first_deal_date END WHERE id = {p}',
        [(moves.get(cid, 0), day, day, day, cid) for cid in moves.keys() | first.keys()
         for day in (first.get(cid),) if moves.get(cid) or day])
    result.customers = set(posted.moves)
    to_settle = sorted(posted.returning | open_credit_customers(result.customers))
    for chunk in chunked(to_settle, 500):
        for new in (Order.select().where((Order.id >= first_id) & (Order.source_file == file_row.id)
                                         & Order.customer.in_(chunk)).order_by(Order.id)):
            ledger.settle_order(new)


def _apply_payments(table: Table, file_row: IngestedFile, config: Config, result: ApplyResult) -> None:
    codes = _customer_codes()
    keys = _Keys()
    pending: list[tuple[Record, int]] = []
    for record in _records(table, config, result):
        fields = record.fields
        customer = codes.get(fields["customer_code"])
        if customer is None:
            result.problems.append(Problem(record.line, _column(table, "customer_code"), fields["customer_code"],
                                           "unknown_customer", {}))
            continue
        if keys.admit(record, fields["payment_ref"], _column(table, "payment_ref"), result):
            pending.append((record, customer[0]))
    existing = _clashes(Payment, Payment.payment_ref, [r.fields["payment_ref"] for r, _ in pending])
    fresh_lines = []
    for record, customer_id in pending:
        earlier = existing.get(record.fields["payment_ref"])
        if earlier is None:
            fresh_lines.append((record, customer_id))
        elif earlier[0] == record.content_hash:
            result.skipped += 1
        else:
            result.problems.append(Problem(record.line, _column(table, "payment_ref"), record.fields["payment_ref"],
                                           "duplicate_key_conflict", {"file": earlier[1] or "-", "line": earlier[2] or "-"}))
    if result.problems:
        return
    customers = {c.id: c for chunk in chunked(sorted({cid for _, cid in fresh_lines}), 500)
                 for c in Customer.select().where(Customer.id.in_(chunk))}
    for record, customer_id in fresh_lines:
        fields = record.fields
        ledger.post_payment(customers[customer_id], payment_ref=fields["payment_ref"], paid_on=fields["paid_on"],
                            amount_cents=fields["amount"], method=fields.get("method") or "transfer",
                            order_no=fields.get("order_no") or "", currency=config.ledger.currency,
                            content_hash=record.content_hash, source_file=file_row.id, source_line=record.line)
        result.applied += 1
        result.customers.add(customer_id)


# master-file fields that are stored under another name
_MONEY_SUFFIX = "_cents"


def _customer_values(fields: dict) -> dict:
    values = {}
    for name, value in fields.items():
        if name in ("code", "owner") or value is None or value == "":
            continue
        column = name + _MONEY_SUFFIX if name + _MONEY_SUFFIX in Customer._meta.fields else name
        if column in Customer._meta.fields:
            values[column] = value
    return values


def _default_owner(config: Config) -> Rep | None:
    if config.daemon.default_owner:
        return Rep.get_or_none((Rep.login == config.daemon.default_owner) & Rep.active)
    return Rep.select().where((Rep.role == "admin") & Rep.active).order_by(Rep.id).first()


def _apply_customers(table: Table, file_row: IngestedFile, config: Config, result: ApplyResult, actor: str) -> None:
    keys = _Keys()
    owners = {login: rid for login, rid in Rep.select(Rep.login, Rep.id).where(Rep.active).tuples()}
    reason = f"{file_row.name}"
    for record in _records(table, config, result):
        fields = record.fields
        if not keys.admit(record, fields["code"], _column(table, "code"), result):
            continue
        owner = fields.get("owner")
        if owner and owner not in owners:
            result.problems.append(Problem(record.line, _column(table, "owner"), owner, "unknown_owner", {}))
            continue
        values = _customer_values(fields)
        if owner:
            values["owner"] = owners[owner]
        existing = Customer.get_or_none(Customer.code == fields["code"])
        if existing is None:
            if not fields.get("name"):
                result.problems.append(Problem(record.line, _column(table, "name"), "", "name_required_for_new_customer", {}))
                continue
            if "owner" not in values:
                default = _default_owner(config)
                if default is None:
                    result.problems.append(Problem(record.line, _column(table, "owner"), "", "unknown_owner", {}))
                    continue
                values["owner"] = default.id
            if result.problems:
                continue
            customer = audited_create(Customer, {"code": fields["code"], **values}, actor=actor, reason=reason)
            result.customers.add(customer.id)
        elif not result.problems:
            if audited_update(existing, values, actor=actor, reason=reason):
                result.customers.add(existing.id)
            else:
                result.skipped += 1
                continue
        result.applied += 1
