"""How the demo writes: rows as plain tuples in a fixed column order per table, one prepared INSERT
per table run through the cursor's `executemany` in chunks (as daemon/apply.py does for orders).

peewee's `insert_many` builds and converts every value in Python (about 35 µs a row here, against
6 µs for `executemany`), which would make a 100,000-customer demo take several times longer.
`executemany` binds one row at a time, so SQLite's bound-variable limit never applies. Values are
already what the columns store: dates as ISO text, timestamps as naive UTC text, booleans as 0/1."""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Sequence

from peewee import Database

from schema.models import (Alert, Complaint, Contact, Contract, Customer, Opportunity, Order, Payment,
                           PaymentAllocation, Rep, Target, Visit, VisitContact)

LOCAL_OFFSET_MINUTES = 8 * 60  # the demo's reps work in Asia/Shanghai (UTC+8), without daylight saving
TRACKED = ("version", "created_at", "updated_at", "deleted_at")

# The columns each generator fills, in order (peewee field names).
COLUMNS: dict[type, tuple[str, ...]] = {
    Rep: ("id", "login", "name", "role", "region", "manager", "phone", "email", "language", "active", *TRACKED),
    Customer: (
        "id", "code", "name", "name_pinyin", "name_initials", "short_name", "address", "phone", "website",
        "legal_rep", "proprietor", "general_manager", "founded", "org_form", "industry",
        "registered_capital_cents", "employees", "annual_revenue_cents", "first_deal_date",
        "service_area", "sales_capacity", "growth_potential", "philosophy", "management_style",
        "competitor_relation", "attitude_to_us", "staff_quality",
        "credit_rating", "credit_limit_cents", "credit_days", "settlement_method", "trade_terms", "reputation",
        "credit_incidents", "lifecycle", "nature", "channel", "region", "route", "grade",
        "purchase_potential_cents", "abc_class", "segment", "strategy",
        "score_strength", "score_management", "score_network", "score_purchasing_power", "score_marketing",
        "score_growth", "score_advantage", "intent", "owner", "balance_cents", "notes", *TRACKED),
    Contact: ("id", "customer", "name", "title", "department", "buying_role", "stage", "phone", "mobile", "email",
              "wechat", "birthday_calendar", "birthday_month", "birthday_day", "birth_year", "hobbies",
              "family_notes", "personality_notes", "is_primary", *TRACKED),
    Visit: ("id", "customer", "rep", "at", "kind", "status", "purpose", "summary", "feedback", "commitment",
            "next_step", "follow_up_on", "follow_up_done", *TRACKED),
    VisitContact: ("id", "visit", "contact"),
    Contract: ("id", "number", "title", "customer", "signed_on", "start_on", "end_on", "amount_cents", "status",
               "settlement_cycle", "payment_method", "credit_days", "entry_fee_cents", "promotion_fee_cents",
               "other_fee_cents", "rebate_basis_points", "special_terms", "customer_signatory", "handler",
               "approver", "paper_archive_no", "paper_archive_location", *TRACKED),
    Opportunity: ("id", "customer", "owner", "title", "stage", "amount_cents", "probability_percent",
                  "expected_close_on", "product", "next_step", "lost_reason", "closed_on", *TRACKED),
    Complaint: ("id", "customer", "contact", "handler", "received_on", "kind", "severity", "subject", "detail",
                "status", "resolution", "resolved_on", "discount_cents", "discount_approved_by", *TRACKED),
    Order: ("id", "order_no", "customer", "order_date", "due_date", "amount_cents", "cost_cents", "open_cents",
            "currency", "content_hash", "source_file", "source_line", "created_at"),
    Payment: ("id", "payment_ref", "customer", "paid_on", "amount_cents", "unapplied_cents", "method", "order_no",
              "currency", "content_hash", "source_file", "source_line", "created_at"),
    PaymentAllocation: ("id", "payment", "credit_order", "order", "amount_cents", "created_at"),
    Alert: ("id", "customer", "kind", "amount_cents", "order", "details", "raised_at", "acknowledged_by",
            "acknowledged_at", "resolved_at"),
    Target: ("id", "scope", "rep", "customer", "region", "product", "period", "period_start", "period_end", "metric",
             "value", "parent", "set_by", *TRACKED),
}


def stamp(day: dt.date, local_minute: int) -> str:
    """The stored text of a timestamp (naive UTC, as `UTCDateTimeField` writes it) for the local
    (UTC+8) minute of the day `local_minute` on `day`."""
    minute = local_minute - LOCAL_OFFSET_MINUTES
    if minute < 0:
        day -= dt.timedelta(days=1)
        minute += 24 * 60
    return f"{day.isoformat()} {minute // 60:02d}:{minute % 60:02d}:00"


def insert_sql(model: type, columns: Sequence[str]) -> str:
    fields = model._meta.fields
    names = ", ".join(f'"{fields[name].column_name}"' for name in columns)
    marks = ", ".join("?" for _ in columns)
    return f'INSERT INTO "{model._meta.table_name}" ({names}) VALUES ({marks})'


class BulkWriter:
    """Buffers rows per table and writes them with `executemany`, `chunk` rows at a time.

    Tables are flushed in the order of `COLUMNS` (parents before children), so foreign keys hold
    at every statement; the caller holds the transaction."""

    def __init__(self, db: Database, chunk: int = 5000):
        self.db = db
        self.chunk = chunk
        self.sql = {model: insert_sql(model, columns) for model, columns in COLUMNS.items()}
        self.widths = {model: len(columns) for model, columns in COLUMNS.items()}
        self.pending: dict[type, list[tuple]] = {model: [] for model in COLUMNS}
        self.counts: dict[str, int] = {model._meta.table_name: 0 for model in COLUMNS}

    def add(self, model: type, rows: Iterable[tuple]) -> None:
        self.pending[model].extend(rows)

    def flush(self) -> None:
        cursor = self.db.cursor()
        for model, rows in self.pending.items():
            if not rows:
                continue
            if len(rows[0]) != self.widths[model]:  # a generator out of step with COLUMNS: a bug
                raise AssertionError(f"{model.__name__}: {len(rows[0])} values for {self.widths[model]} columns")
            for start in range(0, len(rows), self.chunk):
                cursor.executemany(self.sql[model], rows[start:start + self.chunk])
            self.counts[model._meta.table_name] += len(rows)
            rows.clear()
