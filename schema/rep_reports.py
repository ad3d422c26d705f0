"""A rep's weekly and daily reports (周报 / 日报): what came in, what was sold, how the month's target
stands, and the visits done, planned and still to follow up — through the access rule.

Weeks. A week starts on `[targets] week_start` (Monday by default) and is named by an ISO 8601 week
label such as 2026-W47. With a Monday start the two are the same week. With another start, the
label names the week that holds the Thursday of that ISO week: the rule ISO itself uses to give a
week to a year, so that each configured week has exactly one label, consecutive weeks have
consecutive labels, and the week shares at least four days with the ISO week it is named after.
With a Sunday start, 2026-W47 (ISO: Monday 16 to Sunday 22 November 2026) is Sunday 15 to
Saturday 21 November.

Who may ask. A rep may report on themselves only; a manager on themselves and on the reps of their
scope (their team, and the reps of their region; every rep when they have no region); an admin on
anyone. The figures cover only customers the acting user may see (DESIGN §6).

Days and times. Orders and payments carry a date. Visits carry an instant; they are placed in a
day or week by the local time zone the caller passes (`[ui] timezone`)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from peewee import Case, fn

from schema import access
from schema.errors import NotFound, PermissionDenied, ValidationError
from schema.models import Contact, Customer, Order, Payment, Rep, Visit, VisitContact
from schema.periods import days_in_month, month_start
from schema.reports_scope import Scope, scoped_customers
from schema.targets import Attainment, Period, attainment

_WEEK = re.compile(r"(\d{4})-?[Ww](\d{1,2})")
THURSDAY = 3


# ---------------------------------------------------------------------------------------------- weeks

@dataclass(frozen=True)
class Week:
    """Seven days from `start` to `end` (both counted), named by an ISO week label."""

    label: str  # 2026-W47
    start: dt.date
    end: dt.date

    def following(self) -> Week:
        """The week after this one."""
        return week_of(self.end + dt.timedelta(days=1), self.start.weekday())


def week_of(day: dt.date, week_start: int = 0) -> Week:
    """The week holding `day`, for weeks starting on `week_start` (0 = Monday … 6 = Sunday)."""
    start = day - dt.timedelta(days=(day.weekday() - week_start) % 7)
    thursday = start + dt.timedelta(days=(THURSDAY - week_start) % 7)
    year, number, _ = thursday.isocalendar()
    return Week(f"{year}-W{number:02d}", start, start + dt.timedelta(days=6))


def parse_week(text: str, week_start: int = 0) -> Week:
    """A week named by its ISO label (2026-W47, 2026W47) or by any day in it (2026-11-18), for weeks
    starting on `week_start` (0 = Monday)."""
    value = text.strip()
    found = _WEEK.fullmatch(value)
    try:
        if found:
            thursday = dt.date.fromisocalendar(int(found[1]), int(found[2]), THURSDAY + 1)
            return week_of(thursday, week_start)
        return week_of(dt.date.fromisoformat(value), week_start)
    except ValueError:
        raise ValidationError(f"{text!r} is not a week: write an ISO week such as 2026-W47 (a year has 52 or 53), "
                              "or a day in the week such as 2026-11-18.") from None


# ------------------------------------------------------------------------------------------ who may ask

def reportable_reps(actor: Rep):
    """The users `actor` may see a rep report of: themselves; a manager's team and the reps of the
    manager's region (every user for a manager without a region); every user for an admin."""
    query = Rep.select().where(Rep.deleted_at.is_null())
    if not actor.active or actor.deleted_at is not None:
        return query.where(Rep.id.is_null())
    if actor.role == "admin" or (actor.role == "manager" and not actor.region):
        return query
    if actor.role == "manager":
        return query.where((Rep.id == actor.id) | (Rep.manager == actor) | (Rep.region == actor.region))
    return query.where(Rep.id == actor.id)


def rep_for_report(actor: Rep, login: str | None) -> Rep:
    """The rep a report is asked for (`login`, else the actor), once the actor may see it."""
    if not login or login == actor.login:
        return actor
    rep = Rep.get_or_none((Rep.login == login) & Rep.deleted_at.is_null())
    if rep is None:
        raise NotFound(f"There is no user {login!r}; `kacrm user list` shows who there is.")
    if not reportable_reps(actor).where(Rep.id == rep.id).exists():
        if actor.role == "rep":
            raise PermissionDenied(f"A rep may only see their own report; leave out --rep, or ask {login}'s "
                                   "manager for theirs.")
        raise PermissionDenied(f"{login} is not one of the reps {actor.login} manages; ask their own manager "
                               "or an admin for their report.")
    return rep


# -------------------------------------------------------------------------------------------- weekly

@dataclass(frozen=True)
class PlannedVisit:
    at: dt.datetime  # local time
    code: str
    customer: str
    kind: str
    purpose: str


@dataclass(frozen=True)
class FollowUp:
    due: dt.date
    code: str
    customer: str
    next_step: str
    visited: dt.datetime  # local time of the visit it follows
    overdue: bool


@dataclass(frozen=True)
class WeeklyReport:
    """One rep's week. Money in cents; returns as a negative amount, so sales = orders + returns."""

    rep: Rep
    week: Week
    collections_cents: int
    collections_count: int
    orders_cents: int
    orders_count: int
    returns_cents: int
    returns_count: int
    month: Period
    month_target: Attainment | None  # None: no sales target for the rep in that month
    visits_planned: int
    visits_done: int
    next_week: list[PlannedVisit] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)

    @property
    def sales_cents(self) -> int:
        """Net sales: orders less returns (the `sales` metric of targets)."""
        return self.orders_cents + self.returns_cents

    @property
    def visits_done_percent(self) -> Decimal | None:
        """Visits done as a share of those planned in the week, in percent (one decimal)."""
        if not self.visits_planned:
            return None
        return (Decimal(self.visits_done) * 100 / self.visits_planned).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _sum(expression):
    return fn.COALESCE(fn.SUM(expression), 0)


def _local_bounds(first: dt.date, last: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """From the start of `first` to the start of the day after `last`, local time."""
    return dt.datetime.combine(first, dt.time(), tz), dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz)


def weekly(actor: Rep, rep: Rep, week: Week, *, tz: dt.tzinfo, today: dt.date) -> WeeklyReport:
    """The weekly report of `rep` for `week`, over the customers `rep` owns that `actor` may see.

    - collections: payments received (paid_on) in the week, sum and count;
    - orders and returns: documents dated in the week, positive amounts and negative ones apart;
    - month target: `rep`'s sales target for the month holding the week's last day, with its
      attainment (schema.targets) as of that day or `today` if sooner;
    - visits: `rep`'s visits whose time falls in the week, whatever their status now (planned),
      and those of them done. A visit logged straight as done was in the week's diary too, so it
      counts in both; a cancelled one only among the planned; a deleted one nowhere;
    - next week: `rep`'s visits still planned in the following week, in time order;
    - follow-ups: `rep`'s visits (not cancelled) whose follow-up, not yet marked done, falls due by
      the end of the following week; overdue when its date is before `today`."""
    rep_for_report(actor, rep.login)
    customers = scoped_customers(actor, Scope(owner=rep.login)).select(Customer.id)
    collections, paid = (Payment.select(fn.COALESCE(fn.SUM(Payment.amount_cents), 0), fn.COUNT(Payment.id))
                         .where(Payment.customer.in_(customers) & (Payment.paid_on >= week.start)
                                & (Payment.paid_on <= week.end))
                         .tuples().get())
    is_return = Order.amount_cents < 0
    figures = (Order.select(_sum(Case(None, [(is_return, 0)], Order.amount_cents)),
                            _sum(Case(None, [(is_return, 0)], 1)),
                            _sum(Case(None, [(is_return, Order.amount_cents)], 0)),
                            _sum(Case(None, [(is_return, 1)], 0)))
               .where(Order.customer.in_(customers) & (Order.order_date >= week.start)
                      & (Order.order_date <= week.end))
               .tuples().get())
    orders_cents, orders_count, returns_cents, returns_count = (int(n) for n in figures)

    first = month_start(week.end)
    month = Period("month", first, first.replace(day=days_in_month(first)))
    found = list(attainment(actor, as_of=min(week.end, today), period=month, metric="sales", owner=rep.login,
                            scopes=("rep",)))

    start, end = _local_bounds(week.start, week.end, tz)
    mine = (Visit.rep == rep) & Visit.customer.in_(customers) & Visit.deleted_at.is_null()
    planned, done = (Visit.select(fn.COUNT(Visit.id), _sum(Case(None, [(Visit.status == "done", 1)], 0)))
                     .where(mine & (Visit.at >= start) & (Visit.at < end)).tuples().get())

    following = week.following()
    next_start, next_end = _local_bounds(following.start, following.end, tz)
    upcoming = (Visit.select(Visit.at, Customer.code, Customer.name, Visit.kind, Visit.purpose).join(Customer)
                .where(mine & (Visit.status == "planned") & (Visit.at >= next_start) & (Visit.at < next_end))
                .order_by(Visit.at, Visit.id))
    due = (Visit.select(Visit.follow_up_on, Customer.code, Customer.name, Visit.next_step, Visit.at).join(Customer)
           .where(mine & Visit.follow_up_on.is_null(False) & ~Visit.follow_up_done & (Visit.status != "cancelled")
                  & (Visit.follow_up_on <= following.end))
           .order_by(Visit.follow_up_on, Visit.at, Visit.id))
    return WeeklyReport(
        rep=rep, week=week, collections_cents=int(collections), collections_count=int(paid),
        orders_cents=orders_cents, orders_count=orders_count, returns_cents=returns_cents, returns_count=returns_count,
        month=month, month_target=found[0] if found else None, visits_planned=int(planned), visits_done=int(done),
        next_week=[PlannedVisit(at.astimezone(tz), code, name, kind, purpose)
                   for at, code, name, kind, purpose in upcoming.tuples()],
        follow_ups=[FollowUp(on, code, name, step, at.astimezone(tz), on < today)
                    for on, code, name, step, at in due.tuples()])


# --------------------------------------------------------------------------------------------- daily

@dataclass(frozen=True)
class DayVisit:
    """One visit of the day, done or planned, with what came of it."""

    rep: str  # login
    at: dt.datetime  # local time
    code: str
    customer: str
    kind: str
    status: str
    purpose: str
    contacts: tuple[str, ...]  # names of the contacts met
    summary: str
    commitment: str  # 承诺 obtained
    next_step: str
    follow_up_on: dt.date | None


def daily(actor: Rep, day: dt.date, *, tz: dt.tzinfo, rep: Rep | None = None) -> list[DayVisit]:
    """The visits done or planned on `day` (local), in time order, at customers `actor` may see:
    those of `rep` when given (`actor` must be allowed to see `rep`'s reports); else, for a rep,
    their own; for a manager or an admin, those of every rep."""
    if rep is not None:
        rep_for_report(actor, rep.login)
    elif actor.role == "rep":
        rep = actor
    start, end = _local_bounds(day, day, tz)
    query = (Visit.select(Visit, Customer.code, Customer.name, Rep.login)
             .join(Customer, on=(Visit.customer == Customer.id))
             .switch(Visit).join(Rep, on=(Visit.rep == Rep.id))
             .where(Visit.customer.in_(access.visible_customers(actor).select(Customer.id))
                    & Visit.deleted_at.is_null() & Visit.status.in_(("done", "planned"))
                    & (Visit.at >= start) & (Visit.at < end))
             .order_by(Visit.at, Rep.login, Visit.id))
    if rep is not None:
        query = query.where(Visit.rep == rep)
    visits = list(query.objects())
    met: dict[int, list[str]] = {}
    if visits:
        names = (VisitContact.select(VisitContact.visit, Contact.name).join(Contact)
                 .where(VisitContact.visit.in_([v.id for v in visits])).order_by(VisitContact.id).tuples())
        for visit_id, name in names:
            met.setdefault(visit_id, []).append(name)
    return [DayVisit(v.login, v.at.astimezone(tz), v.code, v.name, v.kind, v.status, v.purpose,
                     tuple(met.get(v.id, ())), v.summary, v.commitment, v.next_step, v.follow_up_on)
            for v in visits]


__all__ = ["DayVisit", "FollowUp", "PlannedVisit", "Week", "WeeklyReport", "daily", "parse_week", "rep_for_report",
           "reportable_reps", "week_of", "weekly"]
