"""Visits (拜访记录): logging one that happened or planning one, always through the access rule
and the audit trail."""
from __future__ import annotations

import datetime as dt

from schema import access, clock, vocab
from schema.audit import audited_create
from schema.db import transaction
from schema.errors import ValidationError
from schema.models import Customer, Rep, Visit, VisitContact


def log_visit(rep: Rep, customer: Customer, *, at: dt.datetime, kind: str = "visit", status: str = "done",
              purpose: str = "", summary: str = "", feedback: str = "", commitment: str = "", next_step: str = "",
              follow_up_on: dt.date | None = None, contact_ids: tuple[int, ...] = ()) -> Visit:
    """Record a visit that happened (`done`) or plan one (`planned`), with the contacts met."""
    access.require_edit(rep, customer)
    if kind not in vocab.VISIT_KINDS:
        raise ValidationError(f"A visit's kind is one of {', '.join(vocab.VISIT_KINDS)}, not {kind!r}.")
    if status not in ("done", "planned"):
        raise ValidationError("A new visit is done or planned.")
    if status == "done" and at > clock.now() + dt.timedelta(minutes=5):
        raise ValidationError("A visit that is done cannot be in the future; plan it instead.")
    if status == "done" and not summary.strip():
        raise ValidationError("Say in the summary what happened at the visit.")
    if follow_up_on is not None and follow_up_on < at.date():
        raise ValidationError("The follow-up date cannot be before the visit.")
    with transaction():
        visit = audited_create(Visit, {"customer": customer, "rep": rep, "at": at, "kind": kind, "status": status,
                                       "purpose": purpose.strip(), "summary": summary.strip(),
                                       "feedback": feedback.strip(), "commitment": commitment.strip(),
                                       "next_step": next_step.strip(), "follow_up_on": follow_up_on},
                               actor=rep, reason="visit logged" if status == "done" else "visit planned")
        for contact_id in contact_ids:
            VisitContact.create(visit=visit, contact=contact_id)
    return visit
