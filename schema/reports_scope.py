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
