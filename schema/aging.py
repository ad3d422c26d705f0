"""Aging (账龄, DESIGN §5): what each customer still owes, by days past due, as of a day.

The open amount of each order goes into a bucket by how many days past its due date it is on the
as-of day (`not_due`, then one bucket per configured edge, then the rest). What the customer has
paid or returned that is not yet used (unapplied credit, 预收/未核销) stands beside the buckets as a
negative amount, so that the buckets plus the credit equal the balance. A manual adjustment counts
as its sign says: a positive one is owed from the day it was posted, a negative one is credit.

Today's figures come from the open amounts the ledger keeps. For a day in the past they are worked
out again from the documents: an allocation counts once both its credit (the payment or the
return) and the order it paid existed, that is from the later of their two dates. Counted so on
both sides, the buckets less the credit are exactly the postings up to that day, which is the
balance a past day's row shows (the tests check it against the postings)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterator

from peewee import ModelSelect

from schema import clock
from schema.config import AgingConfig
from schema.db import database
from schema.models import Customer, Rep
from schema.periods import raw_rows
from schema.reports_scope import Scope, covers_everyone, scoped_customers


@dataclass
class AgingRow:
    code: str
    name: str
    owner: str
    region: str
    buckets: dict[str, int]  # bucket name -> open cents, in the configured order
    unapplied_credit_cents: int = 0  # a positive figure, shown negative beside the buckets
    balance_cents: int = 0
    customer_id: int = field(default=0, repr=False)

    @property
    def overdue_cents(self) -> int:
        return sum(cents for name, cents in self.buckets.items() if name != "not_due")


def _bucket_case(as_of: dt.date, edges: tuple[int, ...], column: str) -> tuple[str, list]:
    """SQL giving the index of the bucket of a due date (0 = not due): plain date comparisons,
    the same on SQLite and PostgreSQL."""
    p = database.obj.param
    cutoffs = [as_of] + [as_of - dt.timedelta(days=edge) for edge in edges]
    whens = " ".join(f"WHEN {column} >= {p} THEN {i}" for i in range(len(cutoffs)))
    return f"CASE {whens} ELSE {len(cutoffs)} END", [d.isoformat() for d in cutoffs]


def _within(column: str, ids_sql: str | None) -> str:
    """The SQL that keeps the rows of the customers in scope; nothing when the scope is everyone."""
    return "" if ids_sql is None else f" AND {column} IN ({ids_sql})"


def _sql(sub: ModelSelect) -> tuple[str, list]:
    text, params = sub.sql()
    return text, list(params)


def _today_figures(ids_sql: str | None, ids_params: list, as_of: dt.date, edges: tuple[int, ...]):
    """(customer, bucket index, cents) of what is open, and customer -> credit, from the ledger's
    open amounts (right for today and any later day)."""
    case, case_params = _bucket_case(as_of, edges, "due_date")
    owed = database.execute_sql(
        f'SELECT customer_id, {case}, SUM(open_cents) FROM "order" WHERE open_cents > 0'
        f"{_within('customer_id', ids_sql)} GROUP BY customer_id, 2", case_params + ids_params).fetchall()
    credit = dict(database.execute_sql(
        f"SELECT customer_id, SUM(unapplied_cents) FROM payment WHERE unapplied_cents > 0"
        f"{_within('customer_id', ids_sql)} GROUP BY customer_id", ids_params).fetchall())
    for customer_id, cents in database.execute_sql(
            f'SELECT customer_id, -SUM(open_cents) FROM "order" WHERE open_cents < 0'
            f"{_within('customer_id', ids_sql)} GROUP BY customer_id", ids_params).fetchall():
        credit[customer_id] = credit.get(customer_id, 0) + cents
    return owed, credit


def paid_by_sql() -> str:
    """SQL of (doc, cents): what had been allocated to each order by the end of a day (its one
    parameter): an allocation counts from the date of its credit, the payment or the return."""
    p = database.obj.param
    return (f"SELECT a.order_id AS doc, SUM(a.amount_cents) AS cents FROM payment_allocation a"
            f" LEFT JOIN payment cp ON cp.id = a.payment_id LEFT JOIN \"order\" cr ON cr.id = a.credit_order_id"
            f" WHERE COALESCE(cp.paid_on, cr.order_date) <= {p} GROUP BY a.order_id")


def _past_figures(ids_sql: str | None, ids_params: list, as_of: dt.date, edges: tuple[int, ...]):
    """The same as `_today_figures`, as things stood at the end of `as_of`, from the documents.
    The allocations that counted by then are summed once per document and joined (not looked up
    order by order)."""
    p = database.obj.param
    day = as_of.isoformat()
    case, case_params = _bucket_case(as_of, edges, "o.due_date")
    owed = database.execute_sql(
        f"SELECT customer_id, bucket, SUM(still_open) FROM (SELECT o.customer_id, {case} AS bucket,"
        f" o.amount_cents - COALESCE(u.cents, 0) AS still_open FROM \"order\" o"
        f" LEFT JOIN ({paid_by_sql()}) u ON u.doc = o.id"
        f" WHERE o.amount_cents > 0 AND o.order_date <= {p}{_within('o.customer_id', ids_sql)}) t"
        f" WHERE still_open > 0 GROUP BY customer_id, bucket", case_params + [day, day] + ids_params).fetchall()
    applied = ("SELECT a.{key} AS doc, SUM(a.amount_cents) AS cents FROM payment_allocation a JOIN \"order\" ao"
               f" ON ao.id = a.order_id WHERE a.{{key}} IS NOT NULL AND ao.order_date <= {p} GROUP BY a.{{key}}")
    credit: dict[int, int] = {}
    for sql in (f"SELECT c.customer_id, SUM(c.amount_cents - COALESCE(u.cents, 0)) FROM payment c"
                f" LEFT JOIN ({applied.format(key='payment_id')}) u ON u.doc = c.id"
                f" WHERE c.paid_on <= {p}{_within('c.customer_id', ids_sql)} GROUP BY c.customer_id",
                f"SELECT c.customer_id, SUM(-c.amount_cents - COALESCE(u.cents, 0)) FROM \"order\" c"
                f" LEFT JOIN ({applied.format(key='credit_order_id')}) u ON u.doc = c.id"
                f" WHERE c.amount_cents < 0 AND c.order_date <= {p}{_within('c.customer_id', ids_sql)}"
                f" GROUP BY c.customer_id"):
        for customer_id, cents in database.execute_sql(sql, [day, day] + ids_params).fetchall():
            if cents:
                credit[customer_id] = credit.get(customer_id, 0) + int(cents)
    return owed, credit


def _adjustments(ids_sql: str | None, ids_params: list, as_of: dt.date, edges: tuple[int, ...]):
    """Positive adjustments as owed from the day they were posted; negative ones as credit."""
    p = database.obj.param
    case, case_params = _bucket_case(as_of, edges, "posted_on")
    owed = database.execute_sql(
        f"SELECT customer_id, {case}, SUM(amount_cents) FROM adjustment WHERE amount_cents > 0 AND posted_on <= {p}"
        f"{_within('customer_id', ids_sql)} GROUP BY customer_id, 2", case_params + [as_of.isoformat()] + ids_params
    ).fetchall()
    credit = dict(database.execute_sql(
        f"SELECT customer_id, -SUM(amount_cents) FROM adjustment WHERE amount_cents < 0 AND posted_on <= {p}"
        f"{_within('customer_id', ids_sql)} GROUP BY customer_id", [as_of.isoformat()] + ids_params).fetchall())
    return owed, credit


def aging(rep: Rep, config: AgingConfig, scope: Scope | None = None, *,
          as_of: dt.date | None = None) -> Iterator[AgingRow]:
    """One row per customer `rep` may see (within `scope`), ordered by code, as of `as_of`
    (default today). Customers owing nothing and holding no credit are left out."""
    as_of = as_of or clock.today()
    edges = tuple(config.edges)
    names = config.bucket_names
    customers = scoped_customers(rep, scope)
    ids_sql, ids_params = (None, []) if covers_everyone(rep, scope) else _sql(customers.select(Customer.id))
    today = as_of >= clock.today()
    owed, credit = (_today_figures if today else _past_figures)(ids_sql, ids_params, as_of, edges)
    owed_adjusted, credit_adjusted = _adjustments(ids_sql, ids_params, as_of, edges)
    buckets: dict[int, dict[str, int]] = {}
    for customer_id, index, cents in [*owed, *owed_adjusted]:
        row = buckets.setdefault(customer_id, dict.fromkeys(names, 0))
        row[names[int(index)]] += int(cents)
    for customer_id, cents in credit_adjusted.items():
        credit[customer_id] = credit.get(customer_id, 0) + cents
    query = (customers.select(Customer.id, Customer.code, Customer.name, Rep.login, Customer.region,
                              Customer.balance_cents).order_by(Customer.code))
    for customer_id, code, name, login, region, balance in raw_rows(query):  # plain values: no conversion
        row = buckets.get(customer_id)
        cents = int(credit.get(customer_id, 0))
        if not today:  # what the postings came to by then: the buckets less the credit (see the module)
            balance = sum(row.values()) - cents if row else -cents
        if row is None and not cents and not balance:
            continue
        yield AgingRow(code, name, login, region, row or dict.fromkeys(names, 0), cents, balance, customer_id)


__all__ = ["AgingRow", "aging", "paid_by_sql"]
