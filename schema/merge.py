"""Merging a duplicate customer into another (`kacrm merge CODE_FROM CODE_INTO`), keeping all history.

Everything that belongs to the merged customer moves to the survivor, in one transaction: every
row of every table that points at a customer (contacts, visits, contracts, opportunities,
complaints, evaluations, orders, payments, adjustments, alerts, targets, segment snapshots,
access grants, approval requests) and its audit trail. Where both hold the same thing:
- an evaluation of a period the survivor already has stays with the merged customer (one
  scorecard per customer and period; it is kept, not lost);
- a segment snapshot of a period the survivor already has is dropped (it is recomputed anyway);
- a customer target of the same period and metric is added into the survivor's (the two goals
  were one company's), and the merged one is deleted (audited);
- an open alert of a kind the survivor already has open is resolved (one alert per cause).
The survivor's balance is recomputed from its postings (balance = sum of postings), and its
standing credits settle its open orders (`ledger.settle_credits`): one's unapplied payment may pay
the other's orders. Archive fields the survivor left empty take the merged customer's values
(audited). The merged customer keeps a note pointing at the survivor and is soft-deleted. The
trail holds one `merge` entry per table with the rows moved, one for the balance, and the
deletion. Only a manager or admin who may edit both customers may merge."""
from __future__ import annotations

from dataclasses import dataclass, field

from peewee import fn

from schema import access, clock, ledger
from schema.alerts import refresh_alerts
from schema.archive import EDITABLE
from schema.audit import audited_update, record_change, soft_delete
from schema.content import plain_order_hash
from schema.db import database, transaction
from schema.errors import NotFound, PermissionDenied, ValidationError
from schema.models import (AuditEntry, Alert, Customer, Evaluation, Order, Posting, Rep, SegmentSnapshot, Target)
from schema.money import format_money


@dataclass
class MergeResult:
    """What a merge moved (or, for `plan_merge`, would move): table -> rows."""

    source: Customer
    target: Customer
    moved: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)  # left with the merged customer (evaluations)
    dropped: dict[str, int] = field(default_factory=dict)  # snapshots dropped, targets added into others
    balance_before_cents: int = 0  # the survivor's
    balance_cents: int = 0
    settled_cents: int = 0
    filled: tuple[str, ...] = ()


def _references() -> list[tuple[type, object]]:
    """(model, its foreign key) of every table pointing at a customer, the trail last; the
    `posting` view follows its documents and is not a table."""
    found = [(f.model, f) for f in Customer._meta.backrefs if f.model is not Posting]
    found.sort(key=lambda pair: (pair[0] is AuditEntry, pair[0]._meta.table_name))
    return found


def _customers(source_code: str, target_code: str, actor: Rep) -> tuple[Customer, Customer]:
    if source_code == target_code:
        raise ValidationError("A customer cannot be merged into itself; name two different codes.")
    if actor.role not in ("manager", "admin"):
        raise PermissionDenied(f"Only a manager or an admin may merge customers; {actor.login} is a {actor.role}.")
    found = []
    for code in (source_code, target_code):
        customer = Customer.get_or_none(Customer.code == code)
        if customer is None or not access.can_see(actor, customer):
            raise NotFound(f"There is no customer {code} you may see; check the code with `kacrm export customers`.")
        if customer.deleted_at is not None:
            raise ValidationError(f"Customer {code} is deleted; restore it before merging.")
        if not access.can_edit(actor, customer):
            raise PermissionDenied(f"{actor.login} may not change customer {code}; ask its manager for an edit grant.")
        found.append(customer)
    return found[0], found[1]


class _Preview(Exception):
    """Carries a merge's result out of its transaction, which it rolls back."""

    def __init__(self, result: MergeResult):
        super().__init__("preview")
        self.result = result


def plan_merge(source_code: str, target_code: str, *, actor: Rep) -> MergeResult:
    """What `merge_customers` would do -- rows moved, kept and dropped, the survivor's balance and
    the credit settled -- by doing it in a transaction that is rolled back: nothing changes.
    Raises as `merge_customers` does for customers that `actor` may not merge."""
    try:
        with transaction():
            raise _Preview(merge_customers(source_code, target_code, actor=actor))
    except _Preview as preview:
        return preview.result


def _posted(customer: Customer) -> int:
    return Posting.select(fn.COALESCE(fn.SUM(Posting.amount_cents), 0)).where(Posting.customer == customer.id).scalar()


def _move_evaluations(source: Customer, target: Customer, result: MergeResult) -> int:
    taken = Evaluation.select(Evaluation.period).where(Evaluation.customer == target.id)
    clash = Evaluation.select().where((Evaluation.customer == source.id) & Evaluation.period.in_(taken)).count()
    if clash:
        result.kept["evaluation"] = clash
    return (Evaluation.update(customer=target.id)
            .where((Evaluation.customer == source.id) & Evaluation.period.not_in(taken)).execute())


def _move_snapshots(source: Customer, target: Customer, result: MergeResult) -> int:
    taken = SegmentSnapshot.select(SegmentSnapshot.period).where(SegmentSnapshot.customer == target.id)
    dropped = (SegmentSnapshot.delete()
               .where((SegmentSnapshot.customer == source.id) & SegmentSnapshot.period.in_(taken)).execute())
    if dropped:
        result.dropped["segment_snapshot"] = dropped
    return SegmentSnapshot.update(customer=target.id).where(SegmentSnapshot.customer == source.id).execute()


def _target_key(target: Target) -> tuple:
    return (target.scope, target.period, target.period_start, target.metric, target.product, target.region,
            target.rep_id)


def _move_targets(source: Customer, target: Customer, actor: Rep, reason: str, result: MergeResult) -> int:
    live = {_target_key(t): t for t in Target.live().where(Target.customer == target.id)}
    into: dict[int, int] = {}  # a merged-away target -> the survivor's it was added to
    added = 0
    for goal in Target.live().where(Target.customer == source.id).order_by(Target.id):
        same = live.get(_target_key(goal))
        if same is not None:
            audited_update(same, {"value": same.value + goal.value}, actor=actor, reason=reason)
            soft_delete(goal, actor=actor, reason=f"{reason}: added into target {same.id}")
            into[goal.id] = same.id
            added += 1
    for old, new in into.items():  # the parts of a year merged away belong to the survivor's year
        Target.update(parent=new).where((Target.parent == old) & (Target.customer == source.id)
                                        & Target.deleted_at.is_null()).execute()
    if added:
        result.dropped["target"] = added
    return (Target.update(customer=target.id)
            .where((Target.customer == source.id) & Target.id.not_in(list(into) or [0])).execute())


def _move_alerts(source: Customer, target: Customer) -> int:
    open_kinds = Alert.select(Alert.kind).where((Alert.customer == target.id) & Alert.resolved_at.is_null())
    (Alert.update(resolved_at=clock.now())
     .where((Alert.customer == source.id) & Alert.resolved_at.is_null() & Alert.kind.in_(open_kinds)).execute())
    return Alert.update(customer=target.id).where(Alert.customer == source.id).execute()


def _keep_plain_hashes(source: Customer) -> None:
    """An order read from a plain line is stored without its content hash, which is made from its
    columns, its customer's code among them (schema.content): before its customer changes, the
    hash is stored, so that the line sent again is still known as a repeat."""
    plain = (Order.select(Order.id, Order.order_no, Order.order_date, Order.amount_cents)
             .where((Order.customer == source.id) & (Order.content_hash == "") & Order.source_file.is_null(False))
             .tuples())
    hashes = [(plain_order_hash(number, source.code, day, cents), oid) for oid, number, day, cents in plain]
    p = database.obj.param
    database.cursor().executemany(f'UPDATE "order" SET content_hash = {p} WHERE id = {p}', hashes)


def _fill_blanks(source: Customer, target: Customer, actor: Rep, reason: str) -> tuple[str, ...]:
    """The survivor's empty archive fields take the merged customer's values."""
    changes = {name: getattr(source, name) for name in EDITABLE
               if getattr(target, name) in ("", None) and getattr(source, name) not in ("", None)}
    if changes:
        audited_update(target, changes, actor=actor, reason=reason)
    return tuple(changes)


def merge_customers(source_code: str, target_code: str, *, actor: Rep, reason: str = "",
                    overdue_days: int | None = None) -> MergeResult:
    """Merge customer `source_code` into `target_code` (the survivor) as `actor`, in one
    transaction (see the module's rules). `reason` is kept in the trail; with `overdue_days`, the
    survivor's credit alerts are refreshed. Returns what moved and the survivor's new balance."""
    with transaction():
        source, target = _customers(source_code, target_code, actor)
        why = f"merge {source.code} into {target.code}" + (f": {reason.strip()}" if reason.strip() else "")
        result = MergeResult(source, target, balance_before_cents=target.balance_cents)
        for model, fk in _references():
            table = model._meta.table_name
            if model is Evaluation:
                rows = _move_evaluations(source, target, result)
            elif model is SegmentSnapshot:
                rows = _move_snapshots(source, target, result)
            elif model is Target:
                rows = _move_targets(source, target, actor, why, result)
            elif model is Alert:
                rows = _move_alerts(source, target)
            elif model is Order:
                _keep_plain_hashes(source)
                rows = model.update({fk: target.id}).where(fk == source.id).execute()
            else:
                rows = model.update({fk: target.id}).where(fk == source.id).execute()
            if rows:
                result.moved[table] = rows
        source_left = _posted(source)
        if source_left != 0:  # every document moved: nothing can be left; a bug if so
            raise RuntimeError(f"{source.code} still has postings of {format_money(source_left)} after the merge")
        balance = _posted(target)
        first = min((d for d in (source.first_deal_date, target.first_deal_date) if d is not None), default=None)
        Customer.update(balance_cents=balance, first_deal_date=first).where(Customer.id == target.id).execute()
        Customer.update(balance_cents=0).where(Customer.id == source.id).execute()
        target.balance_cents, target.first_deal_date, source.balance_cents = balance, first, 0
        result.balance_cents = balance
        result.settled_cents = ledger.settle_credits(target)
        result.filled = _fill_blanks(source, target, actor, why)
        for table, rows in result.moved.items():
            record_change(actor, table=table, record_id=source.id, field="rows", new=rows, reason=why,
                          customer=target, action="merge")
        record_change(actor, table="customer", record_id=target.id, field="balance_cents",
                      old=result.balance_before_cents, new=balance, reason=why, customer=target, action="merge")
        note = f"merged into {target.code} {target.name} on {clock.today().isoformat()} by {actor.login}"
        audited_update(source, {"notes": f"{source.notes}\n{note}".strip()}, actor=actor, reason=why)
        soft_delete(source, actor=actor, reason=why)
        if overdue_days is not None:
            refresh_alerts([target.id], overdue_days=overdue_days)
    return result
