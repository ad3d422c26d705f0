"""Approvals (审批, DESIGN §6): where a site turns them on (`[access] approvals = true`), a rep's
archive edit, deletion or complaint discount is kept as an ApprovalRequest until the customer's
manager approves it; managers and admins act directly.

A request stores the change as text (`audit.as_text`), the old value beside the new, and the
version the record had when it was asked for. Approving applies it through `audited_update` or
`soft_delete` in one transaction, only if the record is still at that version: a change made
meanwhile is refused with a ConcurrentEdit that says what changed, and the manager rejects the
request or renews it on the current version. Only a manager or admin who may edit the customer
decides, never the one who asked; the asker may withdraw a pending request. Every step (request,
approve, reject, withdraw, renew) is a line in the audit trail."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from peewee import Case, ForeignKeyField, ModelSelect

from schema import access, clock
from schema.audit import (Actor, as_text, audited_update, from_text, record_change, record_model, record_title,
                          restorable, soft_delete)
from schema.audit import restore_old_value as audit_restore
from schema.config import AccessConfig
from schema.db import transaction
from schema.errors import ConcurrentEdit, NotFound, PendingApproval, PermissionDenied, ValidationError
from schema.models import ApprovalRequest, AuditEntry, Complaint, Customer, Rep, TrackedModel

ARCHIVE_EDIT, DELETE, DISCOUNT = "archive_edit", "delete", "complaint_discount"
WAITING_KINDS = (ARCHIVE_EDIT, DELETE, DISCOUNT)  # the changes a rep's approval covers
DECIDERS = ("manager", "admin")


@dataclass(frozen=True)
class Change:
    """One field of a request: its value when asked for and the value asked for, as text."""

    field: str
    old: str | None
    new: str | None


def needs_approval(rep: Actor, config: AccessConfig, kind: str) -> bool:
    """Whether a change of `kind` by `rep` waits for a manager: approvals are on and the actor is a
    rep (managers, admins and system actors such as the daemon act directly)."""
    if kind not in WAITING_KINDS:
        raise ValueError(f"not a kind of change that waits for approval: {kind!r}")
    return bool(config.approvals) and isinstance(rep, Rep) and rep.role == "rep"


# -- reading a request --------------------------------------------------------------------------

def payload(request: ApprovalRequest) -> dict[str, Any]:
    try:
        return json.loads(request.payload or "{}")
    except ValueError:
        return {}


def changes_of(request: ApprovalRequest) -> list[Change]:
    """The fields a request changes, old → new as text (none for a deletion)."""
    return [Change(name, pair.get("old"), pair.get("new")) for name, pair in payload(request).get("changes", {}).items()]


def record_of(request: ApprovalRequest) -> TrackedModel | None:
    """The record the request is about, deleted or not (None: it no longer exists)."""
    model = record_model(request.table_name)
    if model is None or not request.record_id.isdigit():
        return None
    return model.get_or_none(model.id == int(request.record_id))


def _current_record(request: ApprovalRequest) -> TrackedModel:
    """The record the request is about as stored now (NotFound if it no longer exists)."""
    current = record_of(request)
    if current is None:
        raise NotFound(f"The {request.table_name} record of request {request.id} no longer exists; reject it.")
    return current


def _stored_now(model: type[TrackedModel], record_id: int) -> TrackedModel:
    """The record `record_id` of `model` as stored now, deleted or not (NotFound if it no longer exists)."""
    current = model.get_or_none(model.id == record_id)
    if current is None:
        raise NotFound(f"This {model._meta.table_name} record no longer exists.")
    return current


def get_request(request_id: int) -> ApprovalRequest:
    found = ApprovalRequest.get_or_none(ApprovalRequest.id == request_id)
    if found is None:
        raise NotFound(f"There is no approval request {request_id}; `kacrm approvals list` shows them.")
    return found


def _with_people() -> ModelSelect:
    return (ApprovalRequest.select(ApprovalRequest, Customer, Rep)
            .join(Customer).switch(ApprovalRequest)
            .join(Rep, on=(ApprovalRequest.requested_by == Rep.id)))


def pending_for(manager: Rep) -> ModelSelect:
    """The pending requests `manager` may decide (about customers they may edit, not their own),
    oldest first; nothing for a rep."""
    if manager.role not in DECIDERS:
        return _with_people().where(ApprovalRequest.id.is_null())
    editable = access.editable_customers(manager, include_deleted=True).select(Customer.id)
    return (_with_people()
            .where((ApprovalRequest.status == "pending") & ApprovalRequest.customer.in_(editable)
                   & (ApprovalRequest.requested_by != manager.id))
            .order_by(ApprovalRequest.requested_at, ApprovalRequest.id))


def requests_by(rep: Rep, *, limit: int = 200) -> ModelSelect:
    """The requests `rep` made, pending ones first, then the latest decided."""
    waiting = Case(None, [(ApprovalRequest.status == "pending", 0)], 1)
    return (_with_people().where(ApprovalRequest.requested_by == rep.id)
            .order_by(waiting, ApprovalRequest.requested_at.desc(), ApprovalRequest.id.desc()).limit(limit))


def may_decide(manager: Rep, request: ApprovalRequest) -> bool:
    """A manager or admin who may edit the request's customer, and did not ask for it."""
    if manager.role not in DECIDERS or request.requested_by_id == manager.id or request.customer_id is None:
        return False
    return access.can_edit(manager, Customer.get_by_id(request.customer_id))


# -- asking -------------------------------------------------------------------------------------

def _customer(instance: TrackedModel) -> Customer:
    return instance if isinstance(instance, Customer) else Customer.get_by_id(instance.customer_id)


def unchanged_since(instance: TrackedModel, expected_version: int | None) -> TrackedModel:
    """The record as stored now, refused (ConcurrentEdit) if someone saved it since the asker read
    it at `expected_version` (default: the version `instance` was read at)."""
    model = type(instance)
    current = _stored_now(model, instance.id)
    version = instance.version if expected_version is None else expected_version
    if current.version != version:
        raise ConcurrentEdit(f"Someone else saved this {model._meta.table_name} record after you opened it "
                             f"(version {version} → {current.version}); nothing was asked for: reload and edit again.",
                             current=current.__data__)
    return current


def _stored(model: type[TrackedModel], name: str, value: Any) -> Any:
    field = model._meta.fields.get(name)
    if field is None or name in ("id", "version", "created_at", "updated_at", "deleted_at"):
        raise ValidationError(f"{name!r} is not an editable field of {model._meta.table_name}.")
    return value.get_id() if hasattr(value, "_meta") else value


def _old(instance: TrackedModel, name: str) -> Any:
    field = type(instance)._meta.fields[name]
    return getattr(instance, field.column_name if isinstance(field, ForeignKeyField) else name)


def _ask(rep: Rep, kind: str, instance: TrackedModel, body: dict[str, Any], reason: str) -> ApprovalRequest:
    customer = _customer(instance)
    access.require_edit(rep, customer)
    text = json.dumps(body, ensure_ascii=False, sort_keys=True)
    request = ApprovalRequest.create(kind=kind, customer=customer, table_name=instance._meta.table_name,
                                     record_id=str(instance.id), payload=text, reason=reason, requested_by=rep)
    record_change(rep, table="approval_request", record_id=request.id, field=kind, new=text, reason=reason,
                  customer=customer, action="request")
    return request


def request_change(rep: Rep, instance: TrackedModel, changes: dict[str, Any], reason: str, *,
                   kind: str = ARCHIVE_EDIT, expected_version: int | None = None) -> ApprovalRequest | None:
    """Keep `changes` ({field: stored value}) to `instance` as a pending request of `kind`, based on
    the version the rep read (`expected_version`, default the instance's). None when nothing
    would change. Raises ConcurrentEdit if the record was saved since."""
    if not reason.strip():
        raise ValidationError("Say why the record is changed.")
    model = type(instance)
    with transaction():
        current = unchanged_since(instance, expected_version)
        asked = {}
        for name, value in changes.items():
            new, old = _stored(model, name, value), _old(current, name)
            if new != old:
                asked[name] = {"old": as_text(name, old), "new": as_text(name, new)}
        if not asked:
            return None
        return _ask(rep, kind, current, {"version": current.version, "changes": asked}, reason.strip())


def request_delete(rep: Rep, instance: TrackedModel, reason: str, *,
                   expected_version: int | None = None) -> ApprovalRequest:
    """Keep the soft deletion of `instance` as a pending request."""
    if not reason.strip():
        raise ValidationError("Say why the record is deleted.")
    if instance.deleted_at is not None:
        raise ValidationError(f"This {instance._meta.table_name} record is already deleted.")
    with transaction():
        current = unchanged_since(instance, expected_version)
        return _ask(rep, DELETE, current, {"version": current.version, "delete": True,
                                           "title": record_title(current)}, reason.strip())


def request_discount(rep: Rep, complaint: Complaint, discount_cents: int, reason: str) -> ApprovalRequest | None:
    """Keep a complaint's discount (折价) of `discount_cents` as a pending request."""
    if discount_cents < 0:
        raise ValidationError("A discount cannot be negative.")
    return request_change(rep, complaint, {"discount_cents": discount_cents}, reason or "discount", kind=DISCOUNT)


def pending(request: ApprovalRequest) -> PendingApproval:
    """The outcome a save path raises once it has kept the change as `request`."""
    return PendingApproval(f"The change waits for approval by the customer's manager (request {request.id}); "
                           "it is applied once approved.", request.id)


def delete_record(rep: Actor, instance: TrackedModel, *, reason: str, config: AccessConfig) -> None:
    """Soft-delete a record of a customer (or a customer) for `rep`, who must be allowed to edit
    it; where approvals are on and `rep` is a rep, keep it as a request and raise PendingApproval."""
    customer = _customer(instance)
    if isinstance(rep, Rep):
        access.require_edit(rep, customer)
    if needs_approval(rep, config, DELETE):
        raise pending(request_delete(rep, instance, reason))
    soft_delete(instance, actor=rep, reason=reason)


def restore_old_value(rep: Actor, entry: AuditEntry, *, reason: str, expected_version: int,
                      config: AccessConfig) -> dict[str, tuple[Any, Any]]:
    """`audit.restore_old_value` for a person: where approvals are on and `rep` is a rep, putting
    back a customer's archive field (or a complaint's discount above zero) is asked for instead
    (PendingApproval), like any other edit of it."""
    kind = (ARCHIVE_EDIT if entry.table_name == "customer"
            else DISCOUNT if (entry.table_name, entry.field) == ("complaint", "discount_cents") else None)
    if kind is not None and restorable(entry) and needs_approval(rep, config, kind):
        model = record_model(entry.table_name)
        instance = _stored_now(model, int(entry.record_id))
        value = from_text(model, entry.field, entry.old_value)
        if kind == ARCHIVE_EDIT or value:  # a discount put back to nothing needs nobody's approval
            request = request_change(rep, instance, {entry.field: value}, reason, kind=kind,
                                     expected_version=expected_version)
            if request is None:
                return {}
            raise pending(request)
    return audit_restore(entry, actor=rep, reason=reason, expected_version=expected_version)


# -- deciding -----------------------------------------------------------------------------------

def _check_decider(manager: Rep, request: ApprovalRequest) -> None:
    if request.requested_by_id == manager.id:
        raise PermissionDenied("You cannot decide your own request; the customer's manager decides it.")
    if not may_decide(manager, request):
        code = request.customer.code if request.customer_id else "?"
        raise PermissionDenied(f"Only a manager of customer {code} or an admin may decide this request.")


def _check_pending(request: ApprovalRequest) -> None:
    fresh = get_request(request.id)
    if fresh.status != "pending":
        raise ValidationError(f"Request {request.id} is already {fresh.status}; nothing to do.")


def _close(request: ApprovalRequest, by: Rep, status: str, note: str, action: str) -> ApprovalRequest:
    now = clock.now()
    done = (ApprovalRequest.update(status=status, decided_by=by, decided_at=now, decision_note=note)
            .where((ApprovalRequest.id == request.id) & (ApprovalRequest.status == "pending")).execute())
    if done != 1:  # decided by someone else between the check and now
        raise ValidationError(f"Request {request.id} was decided meanwhile; nothing to do.")
    record_change(by, table="approval_request", record_id=request.id, field="status", old="pending", new=status,
                  reason=note, customer=request.customer_id, action=action)
    request.status, request.decided_by, request.decided_at, request.decision_note = status, by, now, note
    return request


def _request_entry_id(request: ApprovalRequest) -> int:
    """The trail's line of the request (or of its last renewal): later lines of the record are news."""
    return (AuditEntry.select(AuditEntry.id)
            .where((AuditEntry.table_name == "approval_request") & (AuditEntry.record_id == str(request.id))
                   & AuditEntry.action.in_(("request", "renew")))
            .order_by(AuditEntry.id.desc()).scalar() or 0)


def changed_since(request: ApprovalRequest) -> list[AuditEntry]:
    """The trail of the record after the request was made (or renewed), oldest first."""
    return list(AuditEntry.select()
                .where((AuditEntry.table_name == request.table_name) & (AuditEntry.record_id == request.record_id)
                       & (AuditEntry.id > _request_entry_id(request)))
                .order_by(AuditEntry.id))


def _moved(request: ApprovalRequest, current: TrackedModel, version: int) -> ConcurrentEdit:
    news = "; ".join(f"{e.field} {e.old_value if e.old_value not in (None, '') else '-'} → "
                     f"{e.new_value if e.new_value not in (None, '') else '-'} ({e.actor_login})"
                     for e in changed_since(request))
    return ConcurrentEdit(f"The {request.table_name} record of request {request.id} was changed after it was asked "
                          f"for (version {version} → {current.version}{': ' + news if news else ''}); "
                          "reject the request, or renew it on the current version.", current=current.__data__)


def approve(manager: Rep, request: ApprovalRequest, note: str = "") -> ApprovalRequest:
    """Apply the requested change as `manager`, in one transaction with the decision, if the record
    is still at the version it was asked for (else ConcurrentEdit, naming what changed)."""
    _check_decider(manager, request)
    body = payload(request)
    with transaction():
        _check_pending(request)
        current = _current_record(request)
        version = int(body.get("version", 0))
        if current.version != version:
            raise _moved(request, current, version)
        why = (f"{request.reason} (request {request.id} by {request.requested_by.login}, "
               f"approved by {manager.login}{': ' + note.strip() if note.strip() else ''})")
        if request.kind == DELETE:
            soft_delete(current, actor=manager, reason=why)
        else:
            model = type(current)
            values = {c.field: from_text(model, c.field, c.new) for c in changes_of(request)}
            if request.kind == DISCOUNT and "discount_approved_by" in model._meta.fields:
                values["discount_approved_by"] = manager.id
            audited_update(current, values, actor=manager, reason=why, expected_version=version)
        return _close(request, manager, "approved", note.strip(), "approve")


def reject(manager: Rep, request: ApprovalRequest, note: str) -> ApprovalRequest:
    """Refuse the request, saying why; the record stays as it is."""
    if not note.strip():
        raise ValidationError("Say why the request is rejected (a note for the rep).")
    _check_decider(manager, request)
    with transaction():
        _check_pending(request)
        return _close(request, manager, "rejected", note.strip(), "reject")


def withdraw(rep: Rep, request: ApprovalRequest, note: str = "") -> ApprovalRequest:
    """The rep who asked takes a pending request back."""
    if request.requested_by_id != rep.id:
        raise PermissionDenied(f"Only {request.requested_by.login}, who asked, may withdraw request {request.id}.")
    with transaction():
        _check_pending(request)
        return _close(request, rep, "withdrawn", note.strip(), "withdraw")


def renew(actor: Rep, request: ApprovalRequest, note: str = "") -> ApprovalRequest:
    """Base a pending request on the record as it is now (after someone else changed it): the old
    values and the version are read again; the values asked for stay. By the asker or a decider."""
    if request.requested_by_id != actor.id:
        _check_decider(actor, request)
    body = payload(request)
    with transaction():
        _check_pending(request)
        current = _current_record(request)
        if request.kind == DELETE and current.deleted_at is not None:
            raise ValidationError(f"The {request.table_name} record of request {request.id} is already deleted; "
                                  "withdraw or reject the request.")
        if "changes" in body:
            body["changes"] = {c.field: {"old": as_text(c.field, _old(current, c.field)), "new": c.new}
                               for c in changes_of(request)}
        body["version"] = current.version
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)
        ApprovalRequest.update(payload=text).where(ApprovalRequest.id == request.id).execute()
        record_change(actor, table="approval_request", record_id=request.id, field=request.kind, new=text,
                      reason=note.strip(), customer=request.customer_id, action="renew")
    request.payload = text
    return request


__all__ = ["ARCHIVE_EDIT", "DELETE", "DISCOUNT", "Change", "approve", "changed_since", "changes_of", "delete_record",
           "get_request", "may_decide", "needs_approval", "pending", "pending_for", "record_of", "reject", "renew",
           "request_change", "request_delete", "restore_old_value", "request_discount", "requests_by", "unchanged_since", "withdraw"]
