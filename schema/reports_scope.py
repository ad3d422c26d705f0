"""Which customers a report covers: those the user may see (the access rule), narrowed by the
filters every report and export takes: the owner rep, a customer code, a region."""
from __future__ import annotations

from dataclasses import dataclass

from peewee import ModelSelect

from schema import access
from schema.models import Customer, Rep


@dataclass(frozen=True)
class Scope:
    owner: str | None = None  # a rep's login
    codes: tuple[str, ...] = ()
    region: str | None = None


def scoped_customers(rep: Rep, scope: Scope | None = None) -> ModelSelect:
    """The customers `rep` may see within `scope`, joined to their owner (select `Rep.login`)."""
    scope = scope or Scope()
    customers = access.visible_customers(rep).join(Rep, on=(Customer.owner == Rep.id))
    if scope.codes:
        customers = customers.where(Customer.code.in_(list(scope.codes)))
    if scope.owner:
        customers = customers.where(Rep.login == scope.owner)
    if scope.region:
        customers = customers.where(Customer.region == scope.region)
    return customers


def covers_everyone(rep: Rep, scope: Scope | None = None) -> bool:
    """True when `rep` sees every customer and `scope` narrows nothing: a big query may then read
    the whole table instead of testing each row against the list of customers (its rows for
    soft-deleted customers are the caller's to drop)."""
    scope = scope or Scope()
    return (not (scope.owner or scope.codes or scope.region) and rep.active and rep.deleted_at is None
            and access.sees_all(rep))
