"""Credit-control alerts (DESIGN §4): a balance over the credit limit, or an order open longer than
`overdue_alert_days` past its due date. Raised once, resolved by themselves when the cause goes
away, acknowledged by a person in the TUI. Orders are never refused for credit reasons."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from peewee import chunked

from schema import clock
from schema.db import transaction
from schema.models import Alert, Customer, Order, Rep
from schema.money import format_money


@dataclass
class AlertCounts:
    raised: int = 0
    resolved: int = 0


def _scope(query, field, customer_ids: list[int] | None):
    return [query] if customer_ids is None else [query.where(field.in_(chunk)) for chunk in chunked(customer_ids, 500)]


def refresh_alerts(customer_ids: Iterable[int] | None = None, *, overdue_days: int,
                   today: dt.date | None = None) -> AlertCounts:
    """Raise and resolve alerts for these customers (all when None), in one transaction."""
    today = today or clock.today()
    ids = None if customer_ids is None else sorted(set(customer_ids))
    counts = AlertCounts()
    now = clock.now()
    open_alert = Alert.resolved_at.is_null()
    with transaction():
        over = Customer.select(Customer.id, Customer.balance_cents, Customer.credit_limit_cents).where(
            (Customer.credit_limit_cents > 0) & (Customer.balance_cents > Customer.credit_limit_cents))
        raised_for = set(Alert.select(Alert.customer).where((Alert.kind == "credit_limit") & open_alert).tuples())
        raised_for = {cid for (cid,) in raised_for}
        over_ids: set[int] = set()
        for query in _scope(over, Customer.id, ids):
            for cid, balance, limit in query.tuples():
                over_ids.add(cid)
                if cid not in raised_for:
                    Alert.create(customer=cid, kind="credit_limit", amount_cents=balance, raised_at=now,
                                 details=f"balance {format_money(balance)} > limit {format_money(limit)}")
                    counts.raised += 1
        back = [cid for cid in raised_for if cid not in over_ids and (ids is None or cid in ids)]
        for chunk in chunked(back, 500):
            counts.resolved += (Alert.update(resolved_at=now)
                                .where((Alert.kind == "credit_limit") & open_alert & Alert.customer.in_(chunk)).execute())
        cutoff = today - dt.timedelta(days=overdue_days)
        alerted = Alert.select(Alert.order).where((Alert.kind == "overdue") & Alert.order.is_null(False))
        late = (Order.select(Order.id, Order.customer, Order.open_cents, Order.due_date, Order.order_no)
                .where((Order.open_cents > 0) & (Order.due_date < cutoff) & Order.id.not_in(alerted)))
        for query in _scope(late, Order.customer, ids):
            for oid, cid, open_cents, due, order_no in query.tuples():
                Alert.create(customer=cid, kind="overdue", amount_cents=open_cents, order=oid, raised_at=now,
                             details=f"{order_no} due {due.isoformat()}, {(today - due).days} days overdue")
                counts.raised += 1
        paid = (Alert.select(Alert.id).join(Order, on=(Alert.order == Order.id))
                .where((Alert.kind == "overdue") & open_alert & (Order.open_cents <= 0)))
        counts.resolved += Alert.update(resolved_at=now).where(Alert.id.in_(paid)).execute()
    return counts


def acknowledge(alert: Alert, by: Rep) -> None:
    """A person has seen the alert (it stays until its cause is gone)."""
    Alert.update(acknowledged_by=by, acknowledged_at=clock.now()).where(
        (Alert.id == alert.id) & Alert.acknowledged_at.is_null()).execute()


def open_alerts(customer_ids=None):
    query = Alert.select().where(Alert.resolved_at.is_null()).order_by(Alert.raised_at.desc())
    return query if customer_ids is None else query.where(Alert.customer.in_(customer_ids))


__all__ = ["AlertCounts", "refresh_alerts", "acknowledge", "open_alerts"]
