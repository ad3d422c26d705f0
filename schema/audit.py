"""The audit trail (修改记录): who changed which field of which record, old → new, when, and why.

`audited_update` is the one way an editable record changes: it checks the version the editor
read (optimistic locking), so a concurrent edit is reported, never silently overwritten, and it
writes one AuditEntry per changed field in the same transaction as the change."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from peewee import ForeignKeyField, ModelSelect

from schema import clock
from schema.db import transaction
from schema.errors import ConcurrentEdit, NotFound, ValidationError
from schema.models import AuditEntry, Customer, Rep, TrackedModel
from schema.money import format_money
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
