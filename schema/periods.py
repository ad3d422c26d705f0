"""Calendar periods the figures are counted over: months, quarters, years, and "the last twelve
months". One place for the date arithmetic, and for the SQL that groups orders by month on SQLite
and PostgreSQL alike."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator

from peewee import Expression, fn

from schema.db import database, is_sqlite, sqlite_path

_QUARTER = re.compile(r"(\d{4})[Qq]([1-4])")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month(first: dt.date) -> dt.date:
    return (first - dt.timedelta(days=1)).replace(day=1)


def add_months(first: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) the month of `first`."""
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def days_in_month(first: dt.date) -> int:
    return calendar.monthrange(first.year, first.month)[1]


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(name: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a quarter named like 2026Q3; ValueError for another form."""
    found = _QUARTER.fullmatch(name.strip())
    if not found:
        raise ValueError(f"{name!r} is not a quarter such as 2026Q3")
    year, quarter = int(found[1]), int(found[2])
    first = dt.date(year, 3 * quarter - 2, 1)
    return first, add_months(first, 3) - dt.timedelta(days=1)


def last_twelve_months(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The twelve calendar months ending with the month of `as_of` (the current month counted up to
    `as_of`): the first day of the first month, and `as_of`."""
    return add_months(month_start(as_of), -11), as_of


def month_key(date_field) -> Expression:
    """SQL for "YYYY-MM" of a date column, the same text on SQLite and PostgreSQL."""
    # plain text back: without `python_value`, peewee would try the date field's parsing on it
    return fn.SUBSTR(date_field.cast("TEXT"), 1, 7).python_value(str)


def parse_month_key(key) -> dt.date:
    year, month = str(key).split("-")
    return dt.date(int(year), int(month), 1)


def raw_rows(query) -> Iterator[tuple]:
    """The rows of a big grouped query as the driver gives them, without peewee's per-row
    conversion (a third of the time over half a million rows): for ids, sums and month keys."""
    return iter(database.execute_sql(*query.sql()))


def raw_rows_aside(query) -> Callable[[], list[tuple]]:
    """Start reading `raw_rows(query)` on a connection of its own, in a thread, and return what
    waits for the rows: SQLite and PostgreSQL's driver let go of Python's lock while they scan and
    group, so a big grouped query runs while this thread reads and builds something else. Inside a
    transaction (whose changes another connection cannot see) or on an in-memory database, the
    rows are read here and now."""
    db = database.obj
    if db.in_transaction() or (is_sqlite(db) and sqlite_path(db) is None):
        rows = list(raw_rows(query))
        return lambda: rows
    sql, params = query.sql()

    def read() -> list[tuple]:
        with db.connection_context():  # this thread's own connection, closed when done
            return db.execute_sql(sql, params).fetchall()

    reader = ThreadPoolExecutor(1, thread_name_prefix="kacrm-read-aside")
    rows = reader.submit(read)
    reader.shutdown(wait=False)  # the thread ends with its one read
    return rows.result  # waits, and raises here what the read raised


def month_number(date_field) -> Expression:
    """SQL for the month (1-12) of a date column, on SQLite and PostgreSQL alike: within twelve
    consecutive months it tells every month apart, so one pass can sum a year month by month."""
    return fn.SUBSTR(date_field.cast("TEXT"), 6, 2).cast("INTEGER")


def computed_once(subquery):
    """`subquery` to select from, with its computed columns worked out once per row: SQLite would
    otherwise copy a column's expression into every use of it in the outer query (twelve monthly
    sums of one month number), and its `LIMIT -1` (no limit) keeps it from doing so."""
    return subquery.limit(-1) if is_sqlite() else subquery
