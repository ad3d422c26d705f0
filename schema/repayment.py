"""Repayment plans (回款计划) and arrears (欠款): what each customer still owes order by order, and
when it is to be collected.

The plan is the orders still open on the as-of day, each planned for collection on its due date,
or on the as-of day itself once it is overdue (what is late is to be collected now). Each item
carries the ISO week and the month it is planned in, and a status (`overdue`, `this_week`,
`next_week`, `this_month`, `later`), so that a manager can sum a week's or a month's collections
and a rep can work down the list. A past as-of day is rebuilt from the documents, as aging does
(schema/aging.py): an order counts as paid by what had been allocated to it by then. Manual
adjustments are not orders and are not planned here; they stand in the balance and in aging.

Arrears are the same open orders, those past due, gathered per customer beside the balance, the
credit limit and the last payment: the list a manager calls the overdue customers from."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator

from schema import clock
from schema.aging import paid_by_sql
from schema.db import database
from schema.models import Customer, Rep
from schema.reports_scope import Scope, covers_everyone, scoped_customers
from schema.rep_reports import week_of

STATUSES = ("overdue", "this_week", "next_week", "this_month", "later")


@dataclass(frozen=True)
class PlanItem:
    """One open order and when it is to be collected."""

    code: str
    name: str
    owner: str
    region: str
    phone: str
    order_no: str
    order_date: dt.date
    due_date: dt.date
    amount_cents: int
    open_cents: int
    overdue_days: int  # 0 when not yet due
    planned_on: dt.date
    plan_week: str  # 2026-W48
    plan_month: str  # 2026-11
    status: str  # one of STATUSES
    customer_id: int = 0


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _status(planned: dt.date, as_of: dt.date, overdue: bool, week_start: int) -> str:
    if overdue:
        return "overdue"
    this_week = week_of(as_of, week_start)
    if planned <= this_week.end:
        return "this_week"
    if planned <= this_week.following().end:
        return "next_week"
    if (planned.year, planned.month) == (as_of.year, as_of.month):
        return "this_month"
    return "later"


def _open_orders_sql(rep: Rep, scope: Scope | None, as_of: dt.date, today: bool, due_since: dt.date | None,
                     due_until: dt.date | None) -> tuple[str, list]:
    """SQL of the open orders in view: (customer id, code, name, owner, region, phone, order no,
    order date, due date, amount, still open), by customer code, due date and order number."""
    p = database.obj.param
    params: list = []
    if today:
        still_open, joined, where = "o.open_cents", "", "o.open_cents > 0"
    else:
        still_open = "o.amount_cents - COALESCE(u.cents, 0)"
        joined = f" LEFT JOIN ({paid_by_sql()}) u ON u.doc = o.id"
        where = f"o.amount_cents > 0 AND o.order_date <= {p} AND o.amount_cents - COALESCE(u.cents, 0) > 0"
        params += [as_of.isoformat(), as_of.isoformat()]
    for bound, test in ((due_since, ">="), (due_until, "<=")):
        if bound is not None:
            where += f" AND o.due_date {test} {p}"
            params.append(bound.isoformat())
    if not covers_everyone(rep, scope):
        ids_sql, ids_params = scoped_customers(rep, scope).select(Customer.id).sql()
        where += f" AND c.id IN ({ids_sql})"
        params += list(ids_params)
    sql = (f"SELECT c.id, c.code, c.name, r.login, c.region, c.phone, o.order_no, o.order_date, o.due_date,"
           f" o.amount_cents, {still_open} FROM \"order\" o{joined}"
           f" JOIN customer c ON c.id = o.customer_id JOIN rep r ON r.id = c.owner_id"
           f" WHERE c.deleted_at IS NULL AND {where} ORDER BY c.code, o.due_date, o.order_no")
    return sql, params


def repayment_plan(rep: Rep, scope: Scope | None = None, *, as_of: dt.date | None = None,
                   due_since: dt.date | None = None, due_until: dt.date | None = None,
                   week_start: int = 0) -> Iterator[PlanItem]:
    """The open orders of the customers `rep` may see (within `scope`) on `as_of` (default today),
    due between `due_since` and `due_until` when given, by customer code then due date. Weeks
    start on `week_start` (0 = Monday)."""
    as_of = as_of or clock.today()
    sql, params = _open_orders_sql(rep, scope, as_of, as_of >= clock.today(), due_since, due_until)
    for cid, code, name, login, region, phone, order_no, ordered, due, amount, still_open in \
            database.execute_sql(sql, params):
        due = _day(due)
        overdue = due < as_of
        planned = as_of if overdue else due
        yield PlanItem(code, name, login, region, phone or "", order_no, _day(ordered), due, int(amount),
                       int(still_open), (as_of - due).days if overdue else 0, planned,
                       week_of(planned, week_start).label, planned.strftime("%Y-%m"),
                       _status(planned, as_of, overdue, week_start), cid)


def plan_count(rep: Rep, scope: Scope | None = None, *, as_of: dt.date | None = None,
               due_since: dt.date | None = None, due_until: dt.date | None = None) -> int:
    """How many items `repayment_plan` gives, for a progress bar."""
    as_of = as_of or clock.today()
    sql, params = _open_orders_sql(rep, scope, as_of, as_of >= clock.today(), due_since, due_until)
    return database.execute_sql(f"SELECT COUNT(*) FROM ({sql}) t", params).fetchone()[0]


@dataclass
class ArrearsRow:
    """A customer with money past due: how much, since when, and what they last paid."""

    code: str
    name: str
    owner: str
    region: str
    phone: str
    balance_cents: int
    credit_limit_cents: int
    overdue_cents: int
    overdue_orders: int
    oldest_due: dt.date
    max_overdue_days: int
    last_paid_on: dt.date | None = None
    last_paid_cents: int | None = None

    @property
    def over_limit(self) -> bool:
        return self.credit_limit_cents > 0 and self.balance_cents > self.credit_limit_cents


def arrears(rep: Rep, scope: Scope | None = None, *, as_of: dt.date | None = None,
            min_days: int = 1) -> list[ArrearsRow]:
    """The customers `rep` may see (within `scope`) with orders at least `min_days` past due on
    `as_of` (default today), the most overdue money first. The balance is the postings up to that
    day; the last payment is the latest received by then."""
    as_of = as_of or clock.today()
    rows: dict[int, ArrearsRow] = {}
    for item in repayment_plan(rep, scope, as_of=as_of, due_until=as_of - dt.timedelta(days=min_days)):
        row = rows.get(item.customer_id)
        if row is None:
            rows[item.customer_id] = row = ArrearsRow(item.code, item.name, item.owner, item.region, item.phone,
                                                      0, 0, 0, 0, item.due_date, item.overdue_days)
        row.overdue_cents += item.open_cents
        row.overdue_orders += 1
        if item.due_date < row.oldest_due:
            row.oldest_due, row.max_overdue_days = item.due_date, item.overdue_days
    if not rows:
        return []
    p = database.obj.param
    day, today = as_of.isoformat(), as_of >= clock.today()
    ids = list(rows)
    for start in range(0, len(ids), 900):  # within SQLite's limit of bound parameters
        chunk = ids[start:start + 900]
        marks = ", ".join([p] * len(chunk))
        for cid, limit, balance in database.execute_sql(
                f"SELECT id, credit_limit_cents, balance_cents FROM customer WHERE id IN ({marks})", chunk):
            rows[cid].credit_limit_cents, rows[cid].balance_cents = int(limit or 0), int(balance)
        if not today:  # the postings up to that day
            for cid, balance in database.execute_sql(
                    f"SELECT customer_id, SUM(amount_cents) FROM posting WHERE customer_id IN ({marks})"
                    f" AND posted_on <= {p} GROUP BY customer_id", [*chunk, day]):
                rows[cid].balance_cents = int(balance)
        for cid, paid_on, cents in database.execute_sql(
                f"SELECT p.customer_id, p.paid_on, SUM(p.amount_cents) FROM payment p JOIN (SELECT customer_id,"
                f" MAX(paid_on) AS last FROM payment WHERE customer_id IN ({marks}) AND paid_on <= {p}"
                f" GROUP BY customer_id) m ON m.customer_id = p.customer_id AND p.paid_on = m.last"
                f" GROUP BY p.customer_id, p.paid_on", [*chunk, day]):
            rows[cid].last_paid_on, rows[cid].last_paid_cents = _day(paid_on), int(cents)
    return sorted(rows.values(), key=lambda row: (-row.overdue_cents, row.code))


__all__ = ["ArrearsRow", "PlanItem", "STATUSES", "arrears", "plan_count", "repayment_plan"]
