"""Finding customers as a rep types: code, name, short name, pinyin initials and full pinyin
(`zgsh` finds 中国石化), contact names and mobile numbers — always through the access rule.
One page at a time, with the figures the list shows computed for that page only."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from peewee import Case, fn

from schema import access, clock
from schema.models import Contact, Customer, Order, Rep, Visit

ORDERS = ("code", "name", "grade", "segment", "owner", "balance", "overdue", "last_visit", "next_follow_up")


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to, besides the search text."""

    mine: bool = False  # only the customers the user owns
    grades: tuple[str, ...] = ()
    region: str = ""
    lifecycle: str = ""
    segment: str = ""  # EI..EIV, PI..PIV
    strategy: str = ""  # attack, defend, maintain, give_up
    abc: str = ""  # A, B, C (the abc_class of the last refresh)
    overdue: bool = False
    over_limit: bool = False


@dataclass(frozen=True)
class CustomerRow:
    id: int
    code: str
    name: str
    grade: str
    segment: str
    region: str
    owner: str
    balance_cents: int
    credit_limit_cents: int
    overdue_cents: int = 0
    last_visit: dt.date | None = None
    next_follow_up: dt.date | None = None
    extra: dict = field(default_factory=dict, compare=False)


def _overdue(today: dt.date):
    late = Order.alias("late")
    return (late.select(fn.COALESCE(fn.SUM(late.open_cents), 0))
            .where((late.customer == Customer.id) & (late.open_cents > 0) & (late.due_date < today)))


def _last_visit():
    # the status test inside the MAX keeps the lookup on the customer's visits: as a WHERE term,
    # SQLite's planner may pick the status index and read every visit done, for each customer
    seen = Visit.alias("seen")
    done = Case(None, [((seen.status == "done") & seen.deleted_at.is_null(), seen.at)], None)
    return seen.select(fn.MAX(done)).where(seen.customer == Customer.id)


def _next_follow_up():
    due = Visit.alias("due")
    return due.select(fn.MIN(due.follow_up_on)).where((due.customer == Customer.id) & ~due.follow_up_done
                                                      & due.follow_up_on.is_null(False) & due.deleted_at.is_null())


def search_customers(rep: Rep, text: str = "", *, limit: int = 200, offset: int = 0, order: str = "code",
                     descending: bool = False, filters: Filters = Filters()) -> list[CustomerRow]:
    """One page of the customers `rep` may see that match `text` (all when empty) and `filters`."""
    today = clock.today()
    overdue, last_visit, follow_up = _overdue(today), _last_visit(), _next_follow_up()
    query = (access.visible_customers(rep).join(Rep, on=(Customer.owner == Rep.id))
             .select(Customer.id, Customer.code, Customer.name, Customer.grade, Customer.segment, Customer.region,
                     Rep.login, Customer.balance_cents, Customer.credit_limit_cents, overdue.alias("overdue"),
                     last_visit.alias("last_visit"), follow_up.alias("next_follow_up")))
    text = text.strip()
    if text:
        folded = text.lower()
        contacts = Contact.select(Contact.customer).where(
            (Contact.name.startswith(text) | Contact.mobile.startswith(text)) & Contact.deleted_at.is_null())
        query = query.where(Customer.code.startswith(text) | Customer.name.contains(text)
                            | Customer.short_name.startswith(text)
                            | Customer.name_initials.startswith(folded) | Customer.name_pinyin.startswith(folded)
                            | Customer.id.in_(contacts))
    if filters.mine:
        query = query.where(Customer.owner == rep)
    if filters.grades:
        query = query.where(Customer.grade.in_(filters.grades))
    for name in ("region", "lifecycle", "segment", "strategy"):
        if getattr(filters, name):
            query = query.where(getattr(Customer, name) == getattr(filters, name))
    if filters.abc:
        query = query.where(Customer.abc_class == filters.abc)
    if filters.over_limit:
        query = query.where((Customer.credit_limit_cents > 0) & (Customer.balance_cents > Customer.credit_limit_cents))
    if filters.overdue:
        late = Order.select(Order.customer).where((Order.open_cents > 0) & (Order.due_date < today))
        query = query.where(Customer.id.in_(late))
    keys = {"code": Customer.code, "name": Customer.name_pinyin, "grade": Customer.grade,
            "segment": Customer.segment, "owner": Rep.login, "balance": Customer.balance_cents,
            "overdue": overdue, "last_visit": last_visit, "next_follow_up": follow_up}
    key = keys[order]
    query = query.order_by(key.desc() if descending else key.asc(), Customer.id).limit(limit).offset(offset)
    rows = []
    for row in query.tuples():
        *head, late_cents, seen, follow = row
        rows.append(CustomerRow(*head, late_cents or 0, _as_date(seen), _as_date(follow)))
    return rows


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def count_customers(rep: Rep) -> int:
    return access.visible_customers(rep).select(fn.COUNT(Customer.id)).scalar()
