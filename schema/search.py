"""Finding customers as a rep types: code, name, short name, pinyin initials and full pinyin
(`zgsh` finds 中国石化), phone, and the names and numbers of the customer's contacts — always
through the access rule. One page at a time, with the figures the list shows computed for that
page only.

What matches: three characters or more match anywhere in any of those keys (`石化`+1 finds
中国石化上海分公司 by `石化上`, `5208` finds a mobile ending in it); one or two characters match the
start of the code, name, short name, pinyin, initials or a contact's name (a two-digit piece of a
phone number would match half the book). Letters match in either case.

How it stays fast on 100,000 customers (SQLite): a page of a search sorted by code or name first
reads the visible customers in that order, a few thousand at most, and keeps the matches; when a
search is common (`有限公司`) the page fills from the first rows and the full-text index is never
asked. A rarer search goes to the trigram indexes of migration 4 (`customer_search`,
`contact_search`), whose matches are few. Without them (PostgreSQL, an old SQLite) the same
search runs as LIKE over the columns."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from peewee import OP, Asc, Case, Desc, Expression, ModelSelect, Table, fn

from schema import access, clock
from schema.db import database, is_sqlite
from schema.models import Contact, Customer, Order, Rep, Visit

ORDERS = ("code", "name", "grade", "segment", "owner", "balance", "overdue", "last_visit", "next_follow_up")
SUBSTRING_FROM = 3  # characters: a trigram index finds nothing shorter
PROBE_ROWS = 1000  # visible customers read in order before asking the indexes (5 to 10 ms)
PROBE_PAGES = 10  # or ten times the rows asked for, when paging on
PERSON_FROM = 2  # characters: one would match thousands of contacts (every 张)
_TOP = "\U0010ffff"  # above every character: `key >= p AND key < p || _TOP` is "starts with p"
# the trigram indexes of migration 4; the hidden column named after the table is what MATCH takes
CUSTOMER_SEARCH = Table("customer_search", ("rowid", "customer_search"))
CONTACT_SEARCH = Table("contact_search", ("rowid", "contact_search"))


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
    # one probe of the index visit_done (customer, status, deleted_at, at; migration 5)
    seen = Visit.alias("seen")
    return seen.select(fn.MAX(seen.at)).where((seen.customer == Customer.id) & (seen.status == "done")
                                              & seen.deleted_at.is_null())


def _next_follow_up():
    due = Visit.alias("due")
    return due.select(fn.MIN(due.follow_up_on)).where((due.customer == Customer.id) & ~due.follow_up_done
                                                      & due.follow_up_on.is_null(False) & due.deleted_at.is_null())


def _owner_login():
    owner = Rep.alias("owner")
    return owner.select(owner.login).where(owner.id == Customer.owner)


def _narrowed(rep: Rep, filters: Filters, today: dt.date) -> ModelSelect:
    """The customers `rep` may see, narrowed by `filters`."""
    query = access.visible_customers(rep)
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
    return query


def _has_search_index() -> bool:
    """Whether migration 4 built the trigram indexes here (SQLite with FTS5 trigram)."""
    if not is_sqlite(database.obj):
        return False
    found = database.execute_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'customer_search'")
    return found.fetchone() is not None


def _matches(index: Table, text: str) -> Expression:
    """The rows of a trigram index holding `text` anywhere (a quoted phrase: no query syntax)."""
    return Expression(getattr(index, index.__name__), OP.MATCH, '"' + text.replace('"', '""') + '"')


def _starts(column, text: str) -> Expression:
    """`column` starts with `text` as an index range (SQLite) or LIKE (elsewhere), in either case."""
    variants = sorted({text, text.lower(), text.upper()})
    if not is_sqlite(database.obj):
        return column.startswith(text)  # ILIKE: either case
    terms = [(column >= v) & (column < v + _TOP) for v in variants]
    out = terms[0]
    for term in terms[1:]:
        out = out | term
    return out


def _contact_ids(text: str) -> ModelSelect:
    """The customers with a live contact that matches `text` (two characters or more), through the
    indexes."""
    live = Contact.deleted_at.is_null()
    if len(text) < SUBSTRING_FROM:
        return Contact.select(Contact.customer).where(_starts(Contact.name, text) & live)
    return (Contact.select(Contact.customer).join(CONTACT_SEARCH, on=(CONTACT_SEARCH.rowid == Contact.id))
            .where(_matches(CONTACT_SEARCH, text) & live))


def _row_matches(text: str) -> Expression:
    """Whether one customer row matches `text`, by LIKE (either case) over its own keys and those
    of its live contacts: for reading a few thousand rows in order, where looking up the handful of
    contacts of each is cheaper than gathering every matching contact first."""
    folded = text.lower()
    mine = Contact.alias("mine")
    if len(text) < SUBSTRING_FROM:
        own = (Customer.code.startswith(text) | Customer.name.startswith(text) | Customer.short_name.startswith(text)
               | Customer.name_pinyin.startswith(folded) | Customer.name_initials.startswith(folded))
        if len(text) < PERSON_FROM:
            return own
        person = mine.name.startswith(text)
    else:
        own = (Customer.code.contains(text) | Customer.name.contains(text) | Customer.short_name.contains(text)
               | Customer.name_pinyin.contains(folded) | Customer.name_initials.contains(folded)
               | Customer.phone.contains(text))
        person = mine.name.contains(text) | mine.mobile.contains(text) | mine.phone.contains(text)
    contacts = mine.select(mine.id).where((mine.customer == Customer.id) & mine.deleted_at.is_null() & person)
    return own | fn.EXISTS(contacts)


def _indexed_ids(text: str):
    """The ids of every customer (visible or not) that matches `text`, through the indexes."""
    if len(text) >= SUBSTRING_FROM:
        own = CUSTOMER_SEARCH.select(CUSTOMER_SEARCH.rowid).where(_matches(CUSTOMER_SEARCH, text))
    else:
        folded = text.lower()
        own = (Customer.select(Customer.id).where(_starts(Customer.code, text))
               | Customer.select(Customer.id).where(_starts(Customer.name, text))
               | Customer.select(Customer.id).where(_starts(Customer.short_name, text))
               | Customer.select(Customer.id).where(_starts(Customer.name_pinyin, folded))
               | Customer.select(Customer.id).where(_starts(Customer.name_initials, folded)))
    return own if len(text) < PERSON_FROM else own | _contact_ids(text)


def _page_ids(narrowed: ModelSelect, text: str, key, order: str, descending: bool, limit: int,
              offset: int) -> list[int]:
    """The ids of one page, in order."""
    ordering = (Desc(key), Customer.id.desc()) if descending else (Asc(key), Customer.id.asc())
    query = narrowed.select(Customer.id)
    if not text:
        return [i for (i,) in query.order_by(*ordering).limit(limit).offset(offset).tuples()]
    if not _has_search_index():
        query = query.where(_row_matches(text))
        return [i for (i,) in query.order_by(*ordering).limit(limit).offset(offset).tuples()]
    if order in ("code", "name"):  # read in index order: the first rows tell whether the search is common
        size = max(PROBE_ROWS, PROBE_PAGES * (offset + limit))
        hit = Case(None, [(_row_matches(text), Customer.id)], None)
        rows = list(narrowed.select(hit).order_by(*ordering).limit(size).tuples())
        hits = [i for (i,) in rows if i is not None]
        if len(hits) >= offset + limit or len(rows) < size:  # the page, or every visible customer, was read
            return hits[offset:offset + limit]
    query = query.where(Customer.id.in_(_indexed_ids(text)))
    return [i for (i,) in query.order_by(*ordering).limit(limit).offset(offset).tuples()]


def _sort_key(order: str, today: dt.date):
    keys = {"code": Customer.code, "name": Customer.name_pinyin, "grade": Customer.grade,
            "segment": Customer.segment, "owner": _owner_login(), "balance": Customer.balance_cents,
            "overdue": _overdue(today), "last_visit": _last_visit(), "next_follow_up": _next_follow_up()}
    return keys[order]


def search_customers(rep: Rep, text: str = "", *, limit: int = 200, offset: int = 0, order: str = "code",
                     descending: bool = False, filters: Filters = Filters()) -> list[CustomerRow]:
    """One page of the customers `rep` may see that match `text` (all when empty) and `filters`,
    sorted by `order` (one of ORDERS), ties by id."""
    today = clock.today()
    ids = _page_ids(_narrowed(rep, filters, today), text.strip(), _sort_key(order, today), order, descending,
                    limit, offset)
    if not ids:
        return []
    query = (Customer.select(Customer.id, Customer.code, Customer.name, Customer.grade, Customer.segment,
                             Customer.region, Rep.login, Customer.balance_cents, Customer.credit_limit_cents,
                             _overdue(today).alias("overdue"), _last_visit().alias("last_visit"),
                             _next_follow_up().alias("next_follow_up"))
             .join(Rep, on=(Customer.owner == Rep.id)).where(Customer.id.in_(ids)))
    found = {}
    for row in query.tuples():
        *head, late_cents, seen, follow = row
        found[row[0]] = CustomerRow(*head, late_cents or 0, _as_date(seen), _as_date(follow))
    return [found[i] for i in ids if i in found]


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def count_customers(rep: Rep) -> int:
    """How many customers `rep` may see."""
    return access.visible_customers(rep).select(fn.COUNT(Customer.id)).scalar()
