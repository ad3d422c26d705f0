"""Which customers a report covers: those the user may see (the access rule), narrowed by the
filters every report and export takes: the owner rep, customer codes, a region, a grade, a segment."""
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
    grade: str | None = None  # A, B or C
    segment: str | None = None  # EI-EIV, PI-PIV

    def narrows(self) -> bool:
        """Whether any filter is set."""
        return bool(self.owner or self.codes or self.region or self.grade or self.segment)


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
    if scope.grade:
        customers = customers.where(Customer.grade == scope.grade)
    if scope.segment:
        customers = customers.where(Customer.segment == scope.segment)
    return customers


def covers_everyone(rep: Rep, scope: Scope | None = None) -> bool:
    """True when `rep` sees every customer and `scope` narrows nothing: a big query may then read
    the whole table instead of testing each row against the list of customers (its rows for
    soft-deleted customers are the caller's to drop)."""
    scope = scope or Scope()
    return (not scope.narrows() and rep.active and rep.deleted_at is None
            and access.sees_all(rep))
