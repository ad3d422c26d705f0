"""A rep's agenda (日程): what is planned, what is due, who has gone too long without a visit, and
which contracts run out soon — for the customers the rep may see."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


from schema import access
from schema.care import reminders, visit_gaps
from schema.config import CareConfig
from schema.models import Contract, Customer, Visit
from schema.reports_scope import covers_everyone

CONTRACT_DAYS_AHEAD = 60


@dataclass
class Agenda:
    planned: list[tuple[dt.datetime, str, str, str]] = field(default_factory=list)  # when, code, name, purpose
    follow_ups: list[tuple[dt.date, str, str, str]] = field(default_factory=list)  # due, code, name, next step
    gaps: list[tuple[str, str, str, int | None]] = field(default_factory=list)  # code, name, grade, days since
    contracts: list[tuple[dt.date, str, str, str]] = field(default_factory=list)  # end, code, name, number
    care: list[tuple[dt.date, str, str, str, str]] = field(default_factory=list)  # day, code, name, occasion, action


def agenda(rep, *, today: dt.date, tz: dt.tzinfo, max_gap_days: dict[str, int], days_ahead: int = 7,
           limit: int = 100, care: CareConfig | None = None) -> Agenda:
    """The agenda of `rep` on `today` (local day in `tz`); with `care`, the birthdays and holidays
    coming up too (`[care] remind_days_ahead`)."""
    # one who sees everyone is not tested customer by customer: the dates' indexes find the few rows
    everyone = covers_everyone(rep)
    visible = access.visible_customers(rep).select(Customer.id)

    def seen(column):
        return Customer.deleted_at.is_null() if everyone else column.in_(visible)

    start = dt.datetime.combine(today, dt.time(), tz)
    out = Agenda()
    planned = (Visit.select(Visit.at, Customer.code, Customer.name, Visit.purpose).join(Customer)
               .where(seen(Visit.customer) & (Visit.status == "planned") & Visit.deleted_at.is_null()
                      & (Visit.at >= start) & (Visit.at < start + dt.timedelta(days=days_ahead)))
               .order_by(Visit.at).limit(limit))
    out.planned = [(at.astimezone(tz), code, name, purpose) for at, code, name, purpose in planned.tuples()]
    due = (Visit.select(Visit.follow_up_on, Customer.code, Customer.name, Visit.next_step).join(Customer)
           .where(seen(Visit.customer) & Visit.follow_up_on.is_null(False) & ~Visit.follow_up_done
                  & (Visit.follow_up_on <= today) & Visit.deleted_at.is_null())
           .order_by(Visit.follow_up_on).limit(limit))
    out.follow_ups = list(due.tuples())
    out.gaps = [(g.code, g.customer, g.grade, g.days_since)
                for g in visit_gaps(rep, max_gap_days, today=today, tz=tz, limit=limit)]
    ending = (Contract.select(Contract.end_on, Customer.code, Customer.name, Contract.number).join(Customer)
              .where(seen(Contract.customer) & (Contract.status == "active") & Contract.deleted_at.is_null()
                     & (Contract.end_on >= today) & (Contract.end_on <= today + dt.timedelta(days=CONTRACT_DAYS_AHEAD)))
              .order_by(Contract.end_on).limit(limit))
    out.contracts = list(ending.tuples())
    if care is not None:
        out.care = [(r.on, r.code, r.customer, r.occasion, r.action) for r in reminders(rep, care, today=today)[:limit]]
    return out
