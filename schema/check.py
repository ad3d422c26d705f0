"""`kacrm check`: the schema version and every invariant of the data, each a named check that
reports its breaches (a few examples and the count). Pure queries: nothing is written."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from peewee import JOIN, Database, fn

from schema.db import is_sqlite
from schema.migrate import schema_status
from schema.models import Adjustment, Customer, Order, Payment, PaymentAllocation, Posting
from schema.money import format_money

EXAMPLES = 5


@dataclass
class CheckResult:
    key: str  # stable identifier, for translations and JSON
    name: str  # English description
    breaches: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.breaches == 0


def _result(key: str, name: str, rows: Iterable, describe: Callable) -> CheckResult:
    result = CheckResult(key, name)
    for row in rows:
        result.breaches += 1
        if len(result.examples) < EXAMPLES:
            result.examples.append(describe(row))
    return result


def check_schema(db: Database) -> CheckResult:
    status = schema_status(db)
    result = CheckResult("schema", f"schema version {status.current} of {status.latest}")
    if not status.is_current:
        result.breaches = 1
        result.examples.append("pending: " + ", ".join(status.pending) if status.pending
                               else "applied by a newer kacrm: " + ", ".join(status.unknown))
    return result


def check_storage(db: Database) -> CheckResult:
    if not is_sqlite(db):
        return CheckResult("storage", "storage (PostgreSQL keeps its own integrity)")
    problems = [r[0] for r in db.execute_sql("PRAGMA quick_check").fetchall() if r[0] != "ok"]
    problems += [f"foreign key: {r[0]} row {r[1]} -> {r[2]}" for r in db.execute_sql("PRAGMA foreign_key_check").fetchall()]
    return _result("storage", "SQLite integrity and foreign keys", problems, str)


def check_balances() -> CheckResult:
    """Cached balance = sum of postings, for every customer."""
    posted = (Posting.select(Posting.customer.alias("cid"), fn.SUM(Posting.amount_cents).alias("total"))
              .group_by(Posting.customer).alias("posted"))
    total = fn.COALESCE(posted.c.total, 0)
    rows = (Customer.select(Customer.code, Customer.balance_cents, total)
            .join(posted, JOIN.LEFT_OUTER, on=(posted.c.cid == Customer.id))
            .where(Customer.balance_cents != total).tuples())
    return _result("balances", "cached balance = sum of postings", rows,
                   lambda r: f"{r[0]}: cached {format_money(r[1])}, postings {format_money(r[2])}")


def check_postings() -> CheckResult:
    """The ledger is a view over the documents, so each order and payment posts exactly once;
    what can still go wrong is an adjustment without a reason, or one reversing another customer's."""
    Reversed = Adjustment.alias()
    rows = (Adjustment.select(Adjustment.id, Adjustment.reason, Reversed.customer, Adjustment.customer)
            .join(Reversed, JOIN.LEFT_OUTER, on=(Adjustment.reverses == Reversed.id))
            .where((fn.TRIM(Adjustment.reason) == "")
                   | (Reversed.id.is_null(False) & (Reversed.customer != Adjustment.customer))).tuples())
    return _result("postings", "every adjustment has a reason and reverses one of its own customer", rows,
                   lambda r: f"adjustment {r[0]}: " + ("no reason" if not r[1].strip()
                                                       else "reverses another customer's adjustment"))


def check_allocations() -> CheckResult:
    """Allocations are positive, come from one credit of the same customer, and never exceed it."""
    bad_rows = (PaymentAllocation.select(PaymentAllocation.id)
                .where((PaymentAllocation.amount_cents <= 0)
                       | (PaymentAllocation.payment.is_null() == PaymentAllocation.credit_order.is_null())).tuples())
    allocated = fn.COALESCE(fn.SUM(PaymentAllocation.amount_cents), 0)
    payments = (Payment.select(Payment.payment_ref, Payment.amount_cents, Payment.unapplied_cents, allocated)
                .join(PaymentAllocation, JOIN.LEFT_OUTER, on=(PaymentAllocation.payment == Payment.id))
                .group_by(Payment.id, Payment.payment_ref, Payment.amount_cents, Payment.unapplied_cents)
                .having((allocated + Payment.unapplied_cents != Payment.amount_cents)
                        | (Payment.unapplied_cents < 0)).tuples())
    orders = (Order.select(Order.order_no, Order.amount_cents, Order.open_cents, allocated)
              .join(PaymentAllocation, JOIN.LEFT_OUTER, on=(PaymentAllocation.order == Order.id))
              .where(Order.amount_cents >= 0)
              .group_by(Order.id, Order.order_no, Order.amount_cents, Order.open_cents)
              .having((allocated + Order.open_cents != Order.amount_cents) | (Order.open_cents < 0)).tuples())
    returns = (Order.select(Order.order_no, Order.amount_cents, Order.open_cents, allocated)
               .join(PaymentAllocation, JOIN.LEFT_OUTER, on=(PaymentAllocation.credit_order == Order.id))
               .where(Order.amount_cents < 0)
               .group_by(Order.id, Order.order_no, Order.amount_cents, Order.open_cents)
               .having((Order.amount_cents + allocated != Order.open_cents) | (Order.open_cents > 0)).tuples())
    credit = Order.alias()
    crossed = (PaymentAllocation.select(PaymentAllocation.id)
               .join(Order, on=(PaymentAllocation.order == Order.id))
               .join_from(PaymentAllocation, Payment, JOIN.LEFT_OUTER, on=(PaymentAllocation.payment == Payment.id))
               .join_from(PaymentAllocation, credit, JOIN.LEFT_OUTER, on=(PaymentAllocation.credit_order == credit.id))
               .where(fn.COALESCE(Payment.customer, credit.customer) != Order.customer).tuples())
    rows = ([f"allocation {r[0]} is not positive or has not exactly one source" for r in bad_rows]
            + [f"payment {r[0]}: {r[3]} allocated + {r[2]} unapplied != {r[1]}" for r in payments]
            + [f"order {r[0]}: {r[3]} allocated + {r[2]} open != {r[1]}" for r in orders]
            + [f"return {r[0]}: {r[1]} + {r[3]} used != {r[2]} open" for r in returns]
            + [f"allocation {r[0]} crosses customers" for r in crossed])
    return _result("allocations", "allocations never exceed a credit or an order", rows, str)


def run_checks(db: Database) -> list[CheckResult]:
    """Every check, in order. The schema comes first: on a database of another version the other
    checks are not meaningful and are skipped."""
    first = check_schema(db)
    if not first.ok:
        return [first]
    return [first, check_storage(db), check_balances(), check_postings(), check_allocations()]
