"""`kacrm purge`: records soft-deleted more than `[access] deleted_retention_days` ago go for good.

The rules, each a query over the tables (DESIGN §4, §6):
- nothing in the ledger goes: a deleted customer with any order, payment or adjustment is kept
  (and counted as kept), so its postings and balance stay whole; its own deleted records still go;
- a deleted customer without a ledger goes with everything that belongs to it (contacts, visits,
  contracts, opportunities, complaints, evaluations, targets, grants, requests, alerts, snapshots);
- contacts, visits, contracts, opportunities, complaints, evaluations and targets deleted past the
  retention go on their own; a target whose decomposed parts are still live is kept;
- users (reps) are never purged: the trail and old visits name them, and `user remove` keeps them;
- the audit trail keeps every entry (a purged customer's entries only lose the link to the row)
  and gets one entry per run: who purged, the cut-off, how many rows of each table.
Children go before parents, in one transaction, so the foreign keys hold without the database's
ON DELETE rules and the counts are exact."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from peewee import SQL, Expression, ModelSelect, fn

from schema import clock
from schema.audit import record_change
from schema.db import transaction
from schema.errors import PermissionDenied, ValidationError
from schema.models import (AccessGrant, Adjustment, Alert, ApprovalRequest, AuditEntry, Complaint, Contact, Contract,
                           Customer, Evaluation, Opportunity, Order, Payment, Rep, SegmentSnapshot, Target,
                           TrackedModel, Visit, VisitContact)

# the tables a purge removes rows from, in the order it removes them (children first)
TABLES = ("visit_contact", "visit", "complaint", "contact", "contract", "opportunity", "evaluation", "target",
          "access_grant", "approval_request", "alert", "segment_snapshot", "customer")
CHUNK = 500  # ids per statement: far below every database's limit on parameters


@dataclass(frozen=True)
class PurgeResult:
    cutoff: dt.datetime  # records deleted before this instant were due
    removed: dict[str, int]  # table -> rows removed (or, on a dry run, that would be), in TABLES order
    kept: dict[str, tuple[str, int]]  # table -> (reason key, rows due but kept)
    dry_run: bool

    @property
    def total(self) -> int:
        return sum(self.removed.values())


def _expired(model: type[TrackedModel], cutoff: dt.datetime) -> Expression:
    return model.deleted_at.is_null(False) & (model.deleted_at < cutoff)


def _has_ledger() -> Expression:
    """The customer in the outer query has an order, a payment or an adjustment."""
    def any_of(model):
        return fn.EXISTS(model.select(SQL("1")).where(model.customer == Customer.id))
    return any_of(Order) | any_of(Payment) | any_of(Adjustment)


def _ids(query: ModelSelect) -> list[int]:
    return [row[0] for row in query.tuples()]


def _target_plan(cutoff: dt.datetime, customers_gone: ModelSelect) -> tuple[list[list[int]], int]:
    """The targets to remove, by level of decomposition, the deepest first (a statement that
    removed a parent with its part would not count the part), and how many deleted ones are kept
    for their live parts.

    A purged customer's targets go with all their parts; a target deleted past the retention goes
    once every part of it goes too."""
    rows = list(Target.select(Target.id, Target.parent, Target.deleted_at,
                              Target.customer.in_(customers_gone).alias("orphan")).tuples())
    parent = {tid: pid for tid, pid, _, _ in rows}
    parts: dict[int, list[int]] = {}
    for tid, pid in parent.items():
        if pid is not None:
            parts.setdefault(pid, []).append(tid)
    forced: set[int] = set()
    stack = [tid for tid, _, _, orphan in rows if orphan]
    while stack:  # a purged customer's targets, and all their parts
        tid = stack.pop()
        if tid not in forced:
            forced.add(tid)
            stack.extend(parts.get(tid, []))
    expired = {tid for tid, _, deleted, _ in rows if deleted is not None and deleted < cutoff} - forced
    going = forced | expired
    changed = True
    while changed:  # a deleted target stays while a part of it stays
        changed = False
        for tid in list(going - forced):
            if any(part not in going for part in parts.get(tid, [])):
                going.discard(tid)
                changed = True

    def depth(tid: int) -> int:
        level = 0
        while parent.get(tid) is not None:
            tid, level = parent[tid], level + 1
        return level
    levels: dict[int, list[int]] = {}
    for tid in sorted(going):
        levels.setdefault(depth(tid), []).append(tid)
    return [levels[level] for level in sorted(levels, reverse=True)], len(expired - going)


def _by_chunks(model, ids: list[int], dry_run: bool) -> int:
    if dry_run:
        return len(ids)
    removed = 0
    for start in range(0, len(ids), CHUNK):
        removed += model.delete().where(model.id.in_(ids[start:start + CHUNK])).execute()
    return removed


def purge(actor: Rep, *, days: int, dry_run: bool = False) -> PurgeResult:
    """Remove for good the records soft-deleted more than `days` days ago (see the module's rules),
    all in one transaction; with `dry_run`, count them and change nothing. Admins only."""
    if actor.role != "admin":
        raise PermissionDenied(f"Only an admin may purge deleted records; {actor.login} is a {actor.role}.")
    if days < 0:
        raise ValidationError("The retention is a number of days, 0 or more; pass --days 30 for example.")
    cutoff = clock.now() - dt.timedelta(days=days)
    removed: dict[str, int] = {}
    kept: dict[str, tuple[str, int]] = {}

    def remove(table: str, model, condition: Expression) -> None:
        query = model.delete().where(condition)
        removed[table] = model.select().where(condition).count() if dry_run else query.execute()

    with transaction():
        due_customers = _expired(Customer, cutoff)
        gone = Customer.select(Customer.id).where(due_customers & ~_has_ledger())

        def belongs(model) -> Expression:
            """Deleted past the retention itself, or its customer goes."""
            return _expired(model, cutoff) | model.customer.in_(gone)

        visits = Visit.select(Visit.id).where(belongs(Visit))
        contacts = Contact.select(Contact.id).where(belongs(Contact))
        remove("visit_contact", VisitContact, VisitContact.visit.in_(visits) | VisitContact.contact.in_(contacts))
        remove("visit", Visit, belongs(Visit))
        remove("complaint", Complaint, belongs(Complaint))
        if not dry_run:  # a complaint that stays keeps its text; only the link to the contact goes
            Complaint.update(contact=None).where(Complaint.contact.in_(contacts)).execute()
        remove("contact", Contact, belongs(Contact))
        for table, model in (("contract", Contract), ("opportunity", Opportunity), ("evaluation", Evaluation)):
            remove(table, model, belongs(model))
        target_levels, targets_kept = _target_plan(cutoff, gone)
        removed["target"] = sum(_by_chunks(Target, ids, dry_run) for ids in target_levels)
        for table, model in (("access_grant", AccessGrant), ("approval_request", ApprovalRequest),
                             ("alert", Alert), ("segment_snapshot", SegmentSnapshot)):
            remove(table, model, model.customer.in_(gone))
        if not dry_run:  # the trail keeps the entries; they still name the table and record id
            AuditEntry.update(customer=None).where(AuditEntry.customer.in_(gone)).execute()
        gone_ids = _ids(gone)  # read before the rows go: the query is over the customers themselves
        removed["customer"] = _by_chunks(Customer, gone_ids, dry_run)

        ledger_kept = Customer.select().where(due_customers & _has_ledger()).count()
        if ledger_kept:
            kept["customer"] = ("ledger", ledger_kept)
        if targets_kept:
            kept["target"] = ("live_parts", targets_kept)
        users_kept = Rep.select().where(_expired(Rep, cutoff)).count()
        if users_kept:
            kept["rep"] = ("user", users_kept)
        removed = {table: removed[table] for table in TABLES}
        if not dry_run:
            record_change(actor, table="purge", record_id=cutoff.isoformat(timespec="seconds"), field="rows",
                          new=sum(removed.values()), action="purge",
                          reason=json.dumps({"days": days, "removed": removed,
                                             "kept": {table: n for table, (_, n) in kept.items()}},
                                            sort_keys=True))
    return PurgeResult(cutoff=cutoff, removed=removed, kept=kept, dry_run=dry_run)
