"""Applying a validated table to the database, inside the caller's transaction.

Orders take a bulk path: rows go in through the cursor's `executemany` in batches, the postings and
the cached balances follow as set-based statements, and only the customers that hold a credit (or
return goods in this file) are settled one order at a time through `schema.ledger.settle_order`,
in file order, which gives exactly what posting the lines one by one would. Payments and customer
master lines are few and go through the ledger's and the audit's own functions."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Iterator

from peewee import chunked, fn

from schema import clock, ledger
from schema.alerts import refresh_alerts
from schema.audit import audited_create, audited_update
from schema.balances import open_credit_customers
from schema.config import Config
from schema.db import database
from schema.models import Customer, IngestedFile, Order, OrderLine, Payment, Rep

from daemon.formats import Problem, Record, Table, validate

BATCH = 2000


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
    return {code: (cid, days) for code, cid, days in
            Customer.select(Customer.code, Customer.id, Customer.credit_days).tuples().iterator()}


def _clashes(model, key_field, keys: list[str]) -> dict[str, tuple[str, str, int | None, int | None]]:
    """Keys already in the database: key -> (content hash, file name, line, file id)."""
    table, key, p = model._meta.table_name, key_field.column_name, database.obj.param
    found = {}
    for chunk in chunked(keys, 500):
        sql = (f'SELECT t.{key}, t.content_hash, f.name, t.source_line, t.source_file_id FROM "{table}" t '
               f'LEFT JOIN ingested_file f ON f.id = t.source_file_id WHERE t.{key} IN ({", ".join([p] * len(chunk))})')
        found.update({k: (digest, name or "", line, file_id)
                      for k, digest, name, line, file_id in database.execute_sql(sql, list(chunk))})
    return found


def _apply_orders(table: Table, file_row: IngestedFile, config: Config, result: ApplyResult) -> None:
    """Insert the file's orders batch by batch. The order number's unique index does the duplicate
    detection (no set of a million keys in memory): a row that did not go in repeats an earlier one,
    of another file or of this one, and is skipped if its content is the same, else a problem."""
    codes = _customer_codes()
    created = str(Order.created_at.db_value(clock.now()))
    columns = ("order_no", "customer_id", "order_date", "due_date", "amount_cents", "open_cents", "cost_cents",
               "currency", "content_hash", "source_file_id", "source_line", "created_at")
    insert_sql = (f'INSERT INTO "order" ({", ".join(columns)}) '
                  f'VALUES ({", ".join([database.obj.param] * len(columns))}) ON CONFLICT (order_no) DO NOTHING')
    cursor = database.cursor()
    first_id = (Order.select(fn.MAX(Order.id)).scalar() or 0) + 1
    posted = _Posted()
    batch: list[tuple[Record, int, int]] = []

    def repeated(records: list[Record]) -> set[int]:
        """The lines of `records` whose key an earlier line holds; each is skipped or a problem."""
        holders = _clashes(Order, Order.order_no, [r.fields["order_no"] for r in records])
        out = set()
        for record in records:
            key = record.fields["order_no"]
            digest, name, line, file_id = holders[key]
            if file_id == file_row.id and line == record.line:
                continue  # this very line went in
            out.add(record.line)
            if digest == record.content_hash:
                result.skipped += 1
            elif file_id == file_row.id:
                result.problems.append(Problem(record.line, _column(table, "order_no"), key,
                                               "duplicate_in_file_conflict", {"line": line}))
            else:
                result.problems.append(Problem(record.line, _column(table, "order_no"), key,
                                               "duplicate_key_conflict", {"file": name or "-", "line": line or "-"}))
        return out

    def flush() -> None:
        rows, detailed = [], []
        for record, customer_id, credit_days in batch:
            fields = record.fields
            due = fields.get("due_date") or fields["order_date"] + dt.timedelta(days=credit_days)
            rows.append((fields["order_no"], customer_id, fields["order_date"].isoformat(), due.isoformat(),
                         fields["amount"], fields["amount"], fields.get("cost"), config.ledger.currency,
                         record.content_hash, file_row.id, record.line, created))
            if fields.get("sku") or fields.get("product") or fields.get("qty") is not None:
                detailed.append(record)
        cursor.executemany(insert_sql, rows)
        skipped = repeated([r for r, _, _ in batch]) if cursor.rowcount != len(rows) else set()
        for record, customer_id, _ in batch:
            if record.line not in skipped:
                posted.add(customer_id, record.fields["amount"], record.fields["order_date"])
                result.applied += 1
        if detailed:
            _order_lines(detailed, file_row.id)
        batch.clear()

    for record in _records(table, config, result):
        code = record.fields["customer_code"]
        customer = codes.get(code)
        if customer is None:
            result.problems.append(Problem(record.line, _column(table, "customer_code"), code, "unknown_customer", {}))
            continue
        batch.append((record, customer[0], customer[1]))
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    if not result.problems:
        _post_orders(file_row, first_id, posted, result)


class _Posted:
    """What the inserted orders do to each customer: the balance moves, the first deal date, and
    whether goods came back (a return needs settling)."""

    def __init__(self) -> None:
        self.moves: dict[int, int] = {}
        self.first: dict[int, dt.date] = {}
        self.returning: set[int] = set()

    def add(self, customer_id: int, amount: int, day: dt.date) -> None:
        self.moves[customer_id] = self.moves.get(customer_id, 0) + amount
        if amount > 0 and (customer_id not in self.first or day < self.first[customer_id]):
            self.first[customer_id] = day
        elif amount < 0:
            self.returning.add(customer_id)


def _order_lines(records: list[Record], file_id: int) -> None:
    ids = dict(Order.select(Order.order_no, Order.id).where(
        Order.order_no.in_([r.fields["order_no"] for r in records]) & (Order.source_file == file_id)).tuples())
    OrderLine.insert_many([{"order": ids[r.fields["order_no"]], "line_no": 1, "sku": r.fields.get("sku") or "",
                            "product": r.fields.get("product") or "", "qty": r.fields.get("qty"),
                            "unit_price": r.fields.get("unit_price"), "amount_cents": r.fields["amount"],
                            "cost_cents": r.fields.get("cost")} for r in records if r.fields["order_no"] in ids]).execute()


def _post_orders(file_row: IngestedFile, first_id: int, posted: _Posted, result: ApplyResult) -> None:
    """The postings, balances and first deal dates of the orders just inserted (ids from
    `first_id` on: the transaction holds the write lock), then settlement where credits wait."""
    db, p = database.obj, database.obj.param
    now = str(Order.created_at.db_value(clock.now()))
    db.execute_sql(
        f'INSERT INTO "ledger_entry" (customer_id, posted_on, kind, amount_cents, order_id, reason, source_file_id,'
        f" created_at) SELECT customer_id, order_date, CASE WHEN amount_cents < 0 THEN 'return' ELSE 'order' END,"
        f' amount_cents, id, {p}, source_file_id, {p} FROM "order" WHERE id >= {p} AND source_file_id = {p}',
        ("", now, first_id, file_row.id))
    cursor = database.cursor()
    cursor.executemany(f'UPDATE "customer" SET balance_cents = balance_cents + {p} WHERE id = {p}',
                       [(cents, cid) for cid, cents in posted.moves.items() if cents])
    cursor.executemany(f'UPDATE "customer" SET first_deal_date = {p} WHERE id = {p}'
                       f' AND (first_deal_date IS NULL OR first_deal_date > {p})',
                       [(day.isoformat(), cid, day.isoformat()) for cid, day in posted.first.items()])
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
