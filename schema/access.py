"""Who sees what (DESIGN §6). Every query of customers — screens, exports, reports — starts here.

- a rep sees and edits the customers they own;
- a manager sees and edits the customers of their region, and those of the reps they manage
  (all customers when the manager has no region);
- an admin sees and edits everything;
- anyone else sees (or, with an `edit` grant, edits) a customer only through an approved grant
  that has not expired or been revoked;
- an inactive or removed rep sees nothing; soft-deleted customers are hidden unless asked for."""
from __future__ import annotations

import datetime as dt

from peewee import Expression, ModelSelect

from schema import clock
from schema.db import transaction
from schema.errors import PermissionDenied, ValidationError
from schema.models import AccessGrant, Customer, Rep
from schema.audit import record_change


def _granted_ids(rep: Rep, at: dt.datetime, levels: tuple[str, ...]) -> ModelSelect:
    return (AccessGrant.select(AccessGrant.customer)
            .where((AccessGrant.grantee == rep) & AccessGrant.level.in_(levels)
                   & AccessGrant.approved_at.is_null(False) & AccessGrant.revoked_at.is_null()
                   & (AccessGrant.expires_at > at)))


def _own_rule(rep: Rep) -> Expression | None:
    """The customers `rep` has by role alone (None: all of them)."""
    if rep.role == "admin" or (rep.role == "manager" and not rep.region):
        return None
    if rep.role == "manager":
        team = Rep.select(Rep.id).where((Rep.manager == rep) | (Rep.id == rep.id))
        return (Customer.region == rep.region) | Customer.owner.in_(team)
    return Customer.owner == rep


def sees_all(rep: Rep) -> bool:
    """Whether `rep`'s role alone shows every customer (an admin, a manager without a region)."""
    return _own_rule(rep) is None


def _rule(rep: Rep, at: dt.datetime | None, levels: tuple[str, ...]) -> Expression | bool:
    if not rep.active or rep.deleted_at is not None:
        return False
    own = _own_rule(rep)
    if own is None:
        return True
    return own | Customer.id.in_(_granted_ids(rep, at or clock.now(), levels))


def _select(rep: Rep, at, include_deleted: bool, levels: tuple[str, ...]) -> ModelSelect:
    rule = _rule(rep, at, levels)
    query = Customer.select()
    if rule is False:
        return query.where(Customer.id.is_null())  # nothing
    if rule is not True:
        query = query.where(rule)
    if not include_deleted:
        query = query.where(Customer.deleted_at.is_null())
    return query


def system_rep() -> Rep:
    """Not a person: the company's own view, every live customer (for the daemon's and the
    classification refresh's company-wide figures). Never saved."""
    return Rep(login="", name="kacrm", role="admin", active=True)


def visible_customers(rep: Rep, *, at: dt.datetime | None = None, include_deleted: bool = False) -> ModelSelect:
    """The customers `rep` may see, as a query to refine (filter, order, page)."""
    return _select(rep, at, include_deleted, ("view", "edit"))


def editable_customers(rep: Rep, *, at: dt.datetime | None = None, include_deleted: bool = False) -> ModelSelect:
    """The customers `rep` may change."""
    return _select(rep, at, include_deleted, ("edit",))


def can_see(rep: Rep, customer: Customer, *, at: dt.datetime | None = None) -> bool:
    return visible_customers(rep, at=at, include_deleted=True).where(Customer.id == customer.id).exists()


def can_edit(rep: Rep, customer: Customer, *, at: dt.datetime | None = None) -> bool:
    return editable_customers(rep, at=at, include_deleted=True).where(Customer.id == customer.id).exists()


def require_edit(rep: Rep, customer: Customer) -> None:
    if not can_edit(rep, customer):
        raise PermissionDenied(f"{rep.login} may not change customer {customer.code}; ask its owner's manager for an edit grant.")


def _check_granter(by: Rep, customer: Customer) -> None:
    if by.role not in ("manager", "admin") or not can_edit(by, customer):
        raise PermissionDenied(f"Only a manager of customer {customer.code} or an admin may grant access to it.")


def request_access(customer: Customer, requester: Rep, *, level: str = "view", days: int = 30,
                   reason: str = "") -> AccessGrant:
    """A rep asks to see another rep's customer; it waits for a manager's approval."""
    if level not in ("view", "edit"):
        raise ValidationError(f"Access level must be view or edit, not {level!r}.")
    with transaction():
        grant = AccessGrant.create(customer=customer, grantee=requester, level=level, reason=reason,
                                   requested_by=requester, expires_at=clock.now() + dt.timedelta(days=days))
        record_change(requester, table="access_grant", record_id=grant.id, customer=customer, action="request",
                      field="level", old=None, new=level, reason=reason)
    return grant


def approve_access(grant: AccessGrant, by: Rep, *, reason: str = "") -> AccessGrant:
    """A manager approves a pending request; the expiry counts from the request."""
    _check_granter(by, grant.customer)
    with transaction():
        grant.approved_at, grant.granted_by = clock.now(), by
        grant.save()
        record_change(by, table="access_grant", record_id=grant.id, customer=grant.customer, action="approve",
                      field="approved_at", old=None, new=grant.approved_at, reason=reason or grant.reason)
    return grant


def grant_access(customer: Customer, grantee: Rep, *, by: Rep, level: str = "view",
                 expires_at: dt.datetime | None = None, days: int | None = 30, reason: str = "") -> AccessGrant:
    """A manager (of the customer) or an admin lets `grantee` see or edit `customer` until an expiry."""
    _check_granter(by, customer)
    if level not in ("view", "edit"):
        raise ValidationError(f"Access level must be view or edit, not {level!r}.")
    now = clock.now()
    expires = expires_at or now + dt.timedelta(days=days or 30)
    if expires <= now:
        raise ValidationError("A grant must expire in the future.")
    with transaction():
        grant = AccessGrant.create(customer=customer, grantee=grantee, level=level, reason=reason,
                                   requested_by=by, granted_by=by, approved_at=now, expires_at=expires)
        record_change(by, table="access_grant", record_id=grant.id, customer=customer, action="grant",
                      field=f"{grantee.login}:{level}", old=None, new=expires, reason=reason)
    return grant


def revoke_access(grant: AccessGrant, by: Rep, *, reason: str = "") -> None:
    _check_granter(by, grant.customer)
    with transaction():
        grant.revoked_at = clock.now()
        grant.save()
        record_change(by, table="access_grant", record_id=grant.id, customer=grant.customer, action="revoke",
                      field="revoked_at", old=None, new=grant.revoked_at, reason=reason)
