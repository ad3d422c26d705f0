"""Control over the archive: who may see what (grants), changes waiting for approval, and the
audit trail of every change."""
from __future__ import annotations

from peewee import CharField, ForeignKeyField, TextField

from schema import clock, vocab
from schema.models.archive import Customer
from schema.models.base import BaseModel, UTCDateTimeField
from schema.models.people import Rep


class AccessGrant(BaseModel):
    """Lets `grantee` see (or edit) a customer another rep owns, until `expires_at`.

    A grant with `approved_at` NULL is a request still waiting for a manager."""

    customer = ForeignKeyField(Customer, backref="grants", on_delete="CASCADE")
    grantee = ForeignKeyField(Rep, backref="grants", on_delete="CASCADE")
    level = CharField(max_length=8, default="view", choices=vocab.choices(vocab.GRANT_LEVELS))
    reason = TextField(default="")
    requested_by = ForeignKeyField(Rep, null=True, backref="+", on_delete="SET NULL")
    granted_by = ForeignKeyField(Rep, null=True, backref="+", on_delete="SET NULL")
    created_at = UTCDateTimeField(default=clock.now)
    approved_at = UTCDateTimeField(null=True)
    expires_at = UTCDateTimeField(index=True)
    revoked_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = ((("grantee", "customer"), False),)


class ApprovalRequest(BaseModel):
    """A change waiting for the customer's manager when a site turns approvals on (DESIGN §6)."""

    kind = CharField(max_length=24, choices=vocab.choices(vocab.APPROVAL_KINDS), index=True)
    customer = ForeignKeyField(Customer, null=True, backref="approval_requests", on_delete="CASCADE")
    table_name = CharField(max_length=64, default="")
    record_id = CharField(max_length=64, default="")
    payload = TextField(default="{}")  # JSON: the change as it would be applied
    reason = TextField(default="")
    status = CharField(max_length=12, default="pending", choices=vocab.choices(vocab.APPROVAL_STATUSES), index=True)
    requested_by = ForeignKeyField(Rep, backref="requests", on_delete="CASCADE")
    requested_at = UTCDateTimeField(default=clock.now, index=True)
    decided_by = ForeignKeyField(Rep, null=True, backref="+", on_delete="SET NULL")
    decided_at = UTCDateTimeField(null=True)
    decision_note = TextField(default="")


class AuditEntry(BaseModel):
    """One changed field (修改记录): who changed which field of which record, old → new, when, why."""

    at = UTCDateTimeField(default=clock.now, index=True)
    actor = ForeignKeyField(Rep, null=True, backref="audit_entries", on_delete="SET NULL")
    actor_login = CharField(max_length=64)  # kept even if the rep is gone; 'daemon' for files
    table_name = CharField(max_length=64)
    record_id = CharField(max_length=64)
    customer = ForeignKeyField(Customer, null=True, backref="audit_entries", on_delete="SET NULL")
    action = CharField(max_length=12, default="update")  # create / update / delete / restore / approve
    field = CharField(max_length=64, default="")
    old_value = TextField(null=True)
    new_value = TextField(null=True)
    reason = TextField(default="")

    class Meta:
        indexes = ((("table_name", "record_id"), False),)
