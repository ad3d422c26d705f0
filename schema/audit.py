"""The audit trail (修改记录): who changed which field of which record, old → new, when, and why.

`audited_update` is the one way an editable record changes: it checks the version the editor
read (optimistic locking), so a concurrent edit is reported, never silently overwritten, and it
writes one AuditEntry per changed field in the same transaction as the change."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from peewee import (BooleanField, DateField, DateTimeField, DecimalField, ForeignKeyField, IntegerField,
                    ModelSelect)

from schema import clock
from schema.db import transaction
from schema.errors import ConcurrentEdit, NotFound, ValidationError
from schema.models import AuditEntry, Customer, Rep, TrackedModel
from schema.money import format_money, parse_money
from schema.pinyin import pinyin_keys

Actor = Rep | str  # a Rep, or a system actor such as "daemon"


def as_text(field_name: str, value: Any) -> str | None:
    """How a value is written in the trail: money as yuan, dates ISO, records by id."""
    if value is None:
        return None
    if field_name.endswith("_cents") and isinstance(value, int):
        return format_money(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "_meta"):  # a model instance
        return str(value.get_id())
    return str(value)


def _actor(actor: Actor) -> tuple[Rep | None, str]:
    return (actor, actor.login) if isinstance(actor, Rep) else (None, str(actor))


def record_change(actor: Actor, *, table: str, record_id: Any, field: str = "", old: Any = None, new: Any = None,
                  reason: str = "", customer: Customer | int | None = None, action: str = "update") -> AuditEntry:
    """Write one entry of the trail (inside the caller's transaction)."""
    rep, login = _actor(actor)
    return AuditEntry.create(actor=rep, actor_login=login, table_name=table, record_id=str(record_id),
                             customer=customer, action=action, field=field, old_value=as_text(field, old),
                             new_value=as_text(field, new), reason=reason)


def record_export(actor: Actor, *, kind: str, filters: dict[str, Any], rows: int,
                  customer: Customer | int | None = None) -> AuditEntry:
    """Note in the trail that `actor` exported `rows` rows of `kind` with `filters` (its own transaction)."""
    import json

    with transaction():
        return record_change(actor, table="export", record_id=kind, field="rows", new=rows, action="export",
                             reason=json.dumps({k: as_text(k, v) for k, v in filters.items() if v not in (None, (), [], "")},
                                               ensure_ascii=False, sort_keys=True),
                             customer=customer)


def _customer_of(instance: TrackedModel) -> Any:
    if isinstance(instance, Customer):
        return instance.id
    return getattr(instance, "customer_id", None)


def _last_editor(instance: TrackedModel) -> str:
    entry = (AuditEntry.select().where((AuditEntry.table_name == instance._meta.table_name)
                                       & (AuditEntry.record_id == str(instance.get_id())))
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).first())
    return f" by {entry.actor_login} at {entry.at:%Y-%m-%d %H:%M} UTC" if entry else ""


def _db_value(instance: TrackedModel, name: str, value: Any) -> Any:
    field = instance._meta.fields.get(name)
    if field is None or name in ("id", "version", "created_at", "updated_at", "deleted_at"):
        raise ValidationError(f"{name!r} is not an editable field of {instance._meta.table_name}.")
    if isinstance(field, ForeignKeyField) and hasattr(value, "_meta"):
        return value.get_id()
    return value


def audited_update(instance: TrackedModel, changes: dict[str, Any], *, actor: Actor, reason: str = "",
                   expected_version: int | None = None) -> dict[str, tuple[Any, Any]]:
    """Apply `changes` to `instance` if nobody saved it since `expected_version` (default: the
    version `instance` was read at). Returns {field: (old, new)} of what really changed."""
    model = type(instance)
    version = instance.version if expected_version is None else expected_version
    diff: dict[str, tuple[Any, Any]] = {}
    for name, value in changes.items():
        new = _db_value(instance, name, value)
        field = model._meta.fields[name]
        old = getattr(instance, field.name if not isinstance(field, ForeignKeyField) else field.column_name)
        if old != new:
            diff[name] = (old, new)
    if not diff:
        return {}
    with transaction():
        now = clock.now()
        values = {model._meta.fields[name]: new for name, (_, new) in diff.items()}
        values.update({model.version: model.version + 1, model.updated_at: now})
        if isinstance(instance, Customer) and "name" in diff:
            values[Customer.name_pinyin], values[Customer.name_initials] = pinyin_keys(diff["name"][1] or "")
        updated = model.update(values).where((model.id == instance.id) & (model.version == version)).execute()
        if updated != 1:
            current = model.get_or_none(model.id == instance.id)
            if current is None:
                raise NotFound(f"This {model._meta.table_name} record no longer exists.")
            raise ConcurrentEdit(
                f"Someone else saved this {model._meta.table_name} record{_last_editor(current)} after you "
                f"opened it (version {version} → {current.version}); nothing was overwritten: reload and edit again.",
                current=current.__data__)
        for name, (old, new) in diff.items():
            record_change(actor, table=model._meta.table_name, record_id=instance.id, field=name, old=old, new=new,
                          reason=reason, customer=_customer_of(instance))
    for name, (_, new) in diff.items():
        setattr(instance, model._meta.fields[name].name, new)
    instance.version, instance.updated_at = version + 1, now
    return diff


def audited_create(model: type[TrackedModel], values: dict[str, Any], *, actor: Actor, reason: str = "") -> TrackedModel:
    """Create a record and note its creation in the trail."""
    with transaction():
        instance = model.create(**values)
        record_change(actor, table=model._meta.table_name, record_id=instance.id, action="create",
                      reason=reason, customer=_customer_of(instance))
    return instance


def _set_deleted(instance: TrackedModel, deleted: bool, actor: Actor, reason: str) -> None:
    model = type(instance)
    with transaction():
        stamp = clock.now() if deleted else None
        updated = (model.update({model.deleted_at: stamp, model.version: model.version + 1, model.updated_at: clock.now()})
                   .where((model.id == instance.id) & (model.version == instance.version)).execute())
        if updated != 1:
            raise ConcurrentEdit(f"Someone else changed this {model._meta.table_name} record; reload it first.")
        record_change(actor, table=model._meta.table_name, record_id=instance.id, field="deleted_at",
                      old=instance.deleted_at, new=stamp, reason=reason, customer=_customer_of(instance),
                      action="delete" if deleted else "restore")
    instance.deleted_at, instance.version = stamp, instance.version + 1


def soft_delete(instance: TrackedModel, *, actor: Actor, reason: str) -> None:
    """Hide a record; it is kept for the retention period, then `kacrm purge` removes it."""
    if not reason.strip():
        raise ValidationError("Say why the record is deleted.")
    _set_deleted(instance, True, actor, reason)


def restore(instance: TrackedModel, *, actor: Actor, reason: str = "") -> None:
    _set_deleted(instance, False, actor, reason)


def history(table: str, record_id: Any) -> ModelSelect:
    """The trail of one record, newest first."""
    return (AuditEntry.select().where((AuditEntry.table_name == table) & (AuditEntry.record_id == str(record_id)))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))


# -- the trash (回收站) and the trail of one customer, for the app ------------------------------

def _customer_records() -> dict[str, type[TrackedModel]]:
    """The soft-deletable records that belong to a customer, by table name."""
    from schema.models import Complaint, Contact, Contract, Evaluation, Opportunity, Visit

    return {model._meta.table_name: model
            for model in (Customer, Contact, Visit, Contract, Opportunity, Complaint, Evaluation)}


def record_model(table: str) -> type[TrackedModel] | None:
    """The model of a customer's record kept in the trail as `table` (None: not one of them)."""
    return _customer_records().get(table)


def record_title(instance: TrackedModel) -> str:
    """A few words that say which record this is (its name, number, subject or period)."""
    table = instance._meta.table_name
    if table in ("customer", "contact"):
        return instance.name
    if table == "visit":
        return (instance.purpose or instance.summary).split("\n")[0]
    if table == "contract":
        return f"{instance.number} {instance.title}"
    if table == "opportunity":
        return instance.title
    if table == "complaint":
        return instance.subject
    if table == "evaluation":
        return instance.period
    return str(instance.get_id())


def record_titles(table: str, ids: list[str]) -> dict[str, str]:
    """{record id: title} of the records of `table` named by the trail (deleted ones too)."""
    model = record_model(table)
    numbers = [int(i) for i in ids if i.isdigit()]
    if model is None or not numbers:
        return {}
    return {str(r.id): record_title(r) for r in model.select().where(model.id.in_(numbers))}


@dataclass(frozen=True)
class DeletedRecord:
    table: str
    record_id: int
    customer_id: int
    code: str  # of its customer
    customer_name: str
    title: str
    at: dt.datetime | None  # when a visit happened (None for the others)
    deleted_at: dt.datetime
    deleted_by: str  # login, from the trail ('' if the trail has no entry)
    reason: str


def deleted_records(rep: Rep, *, days: int, limit: int = 500) -> list[DeletedRecord]:
    """The records `rep` may see that were soft-deleted in the last `days` days (the retention of
    `[access] deleted_retention_days`), newest first, each with who deleted it and why."""
    from schema import access  # access writes its grants through this module

    since = clock.now() - dt.timedelta(days=days)
    customers = access.visible_customers(rep, include_deleted=True)
    found: list[tuple[TrackedModel, Customer]] = []
    for table, model in _customer_records().items():
        if model is Customer:
            query = customers.where(Customer.deleted_at >= since)
            found += [(c, c) for c in query.order_by(Customer.deleted_at.desc()).limit(limit)]
            continue
        query = (model.select(model, Customer).join(Customer, on=(model.customer == Customer.id))
                 .where((model.deleted_at >= since) & model.customer.in_(customers.select(Customer.id)))
                 .order_by(model.deleted_at.desc()).limit(limit))
        found += [(r, r.customer) for r in query]
    found.sort(key=lambda pair: (pair[0].deleted_at, pair[0].id), reverse=True)
    found = found[:limit]
    by_table: dict[str, list[str]] = {}
    for record, _ in found:
        by_table.setdefault(record._meta.table_name, []).append(str(record.id))
    who: dict[tuple[str, str], AuditEntry] = {}
    for table, ids in by_table.items():
        entries = (AuditEntry.select().where((AuditEntry.table_name == table) & AuditEntry.record_id.in_(ids)
                                             & (AuditEntry.action == "delete"))
                   .order_by(AuditEntry.at, AuditEntry.id))
        for entry in entries:  # the last deletion wins
            who[(table, entry.record_id)] = entry
    rows = []
    for record, customer in found:
        table = record._meta.table_name
        entry = who.get((table, str(record.id)))
        rows.append(DeletedRecord(table=table, record_id=record.id, customer_id=customer.id, code=customer.code,
                                  customer_name=customer.name, title=record_title(record),
                                  at=getattr(record, "at", None) if table == "visit" else None,
                                  deleted_at=record.deleted_at, deleted_by=entry.actor_login if entry else "",
                                  reason=entry.reason if entry else ""))
    return rows


def customer_trail(customer_id: int, *, limit: int = 500) -> ModelSelect:
    """The trail of a customer and of every record of it (contacts, visits, contracts…), newest first."""
    return (AuditEntry.select()
            .where((AuditEntry.customer == customer_id)
                   | ((AuditEntry.table_name == "customer") & (AuditEntry.record_id == str(customer_id))))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))


def from_text(model: type[TrackedModel], field_name: str, text: str | None) -> Any:
    """The value a field had, from its text in the trail (the inverse of `as_text`)."""
    field = model._meta.fields[field_name]
    if text is None:
        return None
    if isinstance(field, ForeignKeyField):
        return int(text)
    if field_name.endswith("_cents"):
        return parse_money(text)
    if isinstance(field, DateTimeField):
        return dt.datetime.fromisoformat(text)
    if isinstance(field, DateField):
        return dt.date.fromisoformat(text)
    if isinstance(field, BooleanField):
        return text == "true"
    if isinstance(field, IntegerField):
        return int(text)
    if isinstance(field, DecimalField):
        return Decimal(text)
    return text


def restorable(entry: AuditEntry) -> bool:
    """Whether `entry` changed a field whose old value can be put back (an edit of a live field)."""
    model = record_model(entry.table_name)
    return (entry.action == "update" and model is not None and entry.field in model._meta.fields
            and entry.field not in ("id", "version", "created_at", "updated_at", "deleted_at"))


def restore_old_value(entry: AuditEntry, *, actor: Actor, reason: str,
                      expected_version: int) -> dict[str, tuple[Any, Any]]:
    """Put back the value a field had before `entry`, as a new audited change, only if the record
    is still at `expected_version` (else ConcurrentEdit: nothing is overwritten)."""
    if not restorable(entry):
        raise ValidationError("Only the old value of an edited field can be restored.")
    model = record_model(entry.table_name)
    instance = model.get_or_none(model.id == int(entry.record_id))
    if instance is None:
        raise NotFound(f"This {entry.table_name} record no longer exists.")
    value = from_text(model, entry.field, entry.old_value)
    if instance.version != expected_version:
        raise ConcurrentEdit(f"Someone else saved this {entry.table_name} record{_last_editor(instance)} after you "
                             f"opened its history (version {expected_version} → {instance.version}); reload it first.",
                             current=instance.__data__)
    return audited_update(instance, {entry.field: value}, actor=actor, reason=reason, expected_version=expected_version)
