"""Credit-control alerts (DESIGN §4): a balance over the credit limit, or orders open longer than
`overdue_alert_days` past their due date (one alert per customer, naming the oldest order and the
amount open). Raised once, resolved by themselves when the cause goes away, acknowledged by a
person in the TUI. Orders are never refused for credit reasons."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from peewee import chunked, fn

from schema import clock
from schema.db import database, transaction
from schema.models import Alert, Customer, Order, Rep
from schema.money import format_money


WHOLE_TABLE_ABOVE = 2000  # customers


@dataclass
class AlertCounts:
    raised: int = 0
    resolved: int = 0


def _scope(query, field, customer_ids: list[int] | None):
    return [query] if customer_ids is None else [query.where(field.in_(chunk)) for chunk in chunked(customer_ids, 500)]


def refresh_alerts(customer_ids: Iterable[int] | None = None, *, overdue_days: int,
                   today: dt.date | None = None, now: dt.datetime | None = None) -> AlertCounts:
    """Raise and resolve alerts for these customers (all when None), in one transaction."""
    today = today or clock.today()
    ids = None if customer_ids is None else sorted(set(customer_ids))
    if ids is not None and len(ids) > WHOLE_TABLE_ABOVE:
        ids = None  # one pass over everything beats many narrow ones, and is as right
    counts = AlertCounts()
    now = now or clock.now()
    open_alert = Alert.resolved_at.is_null()
    with transaction():
        over = Customer.select(Customer.id, Customer.balance_cents, Customer.credit_limit_cents).where(
            (Customer.credit_limit_cents > 0) & (Customer.balance_cents > Customer.credit_limit_cents))
        raised_for = set(Alert.select(Alert.customer).where((Alert.kind == "credit_limit") & open_alert).tuples())
        raised_for = {cid for (cid,) in raised_for}
        over_ids: set[int] = set()
        new = []
        for query in _scope(over, Customer.id, ids):
            for cid, balance, limit in query.tuples():
                over_ids.add(cid)
                if cid not in raised_for:
                    new.append({"customer": cid, "kind": "credit_limit", "amount_cents": balance, "raised_at": now,
                                "details": f"balance {format_money(balance)} > limit {format_money(limit)}"})
        _insert(new)
        counts.raised += len(new)
        back = [cid for cid in raised_for if cid not in over_ids and (ids is None or cid in ids)]
        for chunk in chunked(back, 500):
            counts.resolved += (Alert.update(resolved_at=now)
                                .where((Alert.kind == "credit_limit") & open_alert & Alert.customer.in_(chunk)).execute())
        counts.raised += _raise_overdue(ids, today - dt.timedelta(days=overdue_days), today, now)
        late_now = Order.select(Order.customer).where((Order.open_cents > 0)
                                                      & (Order.due_date < today - dt.timedelta(days=overdue_days)))
        settled = Alert.select(Alert.id).where((Alert.kind == "overdue") & open_alert & Alert.customer.not_in(late_now))
        counts.resolved += Alert.update(resolved_at=now).where(Alert.id.in_(settled)).execute()
    return counts


def _insert(rows: list[dict]) -> None:
    """Insert alert rows through the cursor: there may be one per customer."""
    if not rows:
        return
    names = ("customer_id", "kind", "amount_cents", "order_id", "details", "raised_at")
    p = database.obj.param
    stamps = {when: str(Alert.raised_at.db_value(when)) for when in {r["raised_at"] for r in rows}}
    database.cursor().executemany(
        f'INSERT INTO "alert" ({", ".join(names)}) VALUES ({", ".join([p] * len(names))})',
        [(r["customer"], r["kind"], r["amount_cents"], r.get("order"), r["details"], stamps[r["raised_at"]])
         for r in rows])


def _raise_overdue(ids: list[int] | None, cutoff: dt.date, today: dt.date, now) -> int:
    """One open overdue alert per customer with orders open past `cutoff`: the amount is what is
    open on those orders, the order named is the oldest. The sums are made by the database; only
    one row per customer comes back."""
    alerted = Alert.select(Alert.customer).where((Alert.kind == "overdue") & Alert.resolved_at.is_null())
    late = (Order.open_cents > 0) & (Order.due_date < cutoff) & Order.customer.not_in(alerted)
    totals = (Order.select(Order.customer.alias("cid"), fn.SUM(Order.open_cents).alias("total"),
                           fn.COUNT(Order.id).alias("orders"), fn.MIN(Order.due_date).alias("oldest"))
              .where(late).group_by(Order.customer))
    rows = []
    named = Order.alias("named")
    for query in _scope(totals, Order.customer, ids):
        sums = query.alias("sums")
        oldest = (Order.select(sums.c.cid.alias("cid"), sums.c.total.alias("total"), sums.c.orders.alias("orders"),
                               sums.c.oldest.alias("oldest"), fn.MIN(Order.id).alias("oid"))
                  .from_(sums)
                  .join(Order, on=((Order.customer == sums.c.cid) & (Order.due_date == sums.c.oldest)
                                   & (Order.open_cents > 0)))
                  .group_by(sums.c.cid, sums.c.total, sums.c.orders, sums.c.oldest)).alias("oldest")
        # the oldest order's number in the same statement: one alert per customer, thousands at once
        found = (named.select(oldest.c.cid, oldest.c.total, oldest.c.orders, oldest.c.oldest, oldest.c.oid,
                              named.order_no)
                 .from_(oldest).join(named, on=(named.id == oldest.c.oid)).tuples())
        for cid, total, count, due, oid, number in found.iterator():
            due = due if isinstance(due, dt.date) else dt.date.fromisoformat(str(due))
            rows.append({"customer": cid, "kind": "overdue", "amount_cents": total, "order": oid, "raised_at": now,
                         "details": f"{count} orders, oldest {number} due {due.isoformat()}, "
                                    f"{(today - due).days} days overdue"})
    _insert(rows)
    return len(rows)


def acknowledge(alert: Alert, by: Rep) -> None:
    """A person has seen the alert (it stays until its cause is gone)."""
    Alert.update(acknowledged_by=by, acknowledged_at=clock.now()).where(
        (Alert.id == alert.id) & Alert.acknowledged_at.is_null()).execute()


def open_alerts(customer_ids=None):
    query = Alert.select().where(Alert.resolved_at.is_null()).order_by(Alert.raised_at.desc())
    return query if customer_ids is None else query.where(Alert.customer.in_(customer_ids))


__all__ = ["AlertCounts", "refresh_alerts", "acknowledge", "open_alerts"]
