"""`kacrm approvals …` (审批, DESIGN §6): list the requests waiting for you (a manager) or your own
(a rep), approve or reject one, withdraw or renew one. The rules are `schema.approvals`; a refusal
(not yours to decide, changed meanwhile, already decided) is one sentence and a non-zero exit."""
from __future__ import annotations

import click

from kacrm_tui.cli import AppContext, cli, pass_app
from kacrm_tui.i18n import language, t
from kacrm_tui.output import default_format, emit_table
from schema import approvals as rules
from schema import vocab
from schema.db import transaction

FIELDS = ("id", "requested_at", "kind", "status", "customer_code", "customer_name", "requested_by", "change", "reason")
TITLES = {"id": "approval.id", "requested_at": "approval.at", "kind": "approval.kind", "status": "approval.status",
          "customer_code": "col.code", "customer_name": "col.customer_name", "requested_by": "approval.who",
          "change": "approval.change", "reason": "approval.reason"}


def _change(request, readable: bool) -> str:
    """The change a request asks for: labels for a person, field names for a program."""
    if request.kind == rules.DELETE:
        title = rules.payload(request).get("title", request.record_id)
        return t("approval.delete_change", kind=t(f"kind.{request.table_name}"), title=title) if readable \
            else f"delete {request.table_name} {request.record_id}"
    if readable:
        from kacrm_tui.screens.approvals import field_title, value_text

        return "; ".join(f"{field_title(request.table_name, c.field)} {value_text(c.field, c.old)} -> "
                         f"{value_text(c.field, c.new)}" for c in rules.changes_of(request))
    return "; ".join(f"{c.field}: {c.old if c.old is not None else ''} -> {c.new if c.new is not None else ''}"
                     for c in rules.changes_of(request))


@cli.group()
def approvals() -> None:
    """Approval requests (审批): a rep's archive edits, deletions and complaint discounts waiting for a manager."""


@approvals.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), help="Default: a table on a terminal, CSV for a pipe.")
@pass_app
def approvals_list(app: AppContext, fmt: str | None) -> None:
    """A manager's requests to decide (oldest first), or a rep's own requests (pending first)."""
    rep = app.actor()
    fmt = fmt or default_format()
    readable, lang = fmt == "table", language()
    query = rules.pending_for(rep) if rep.role in rules.DECIDERS else rules.requests_by(rep)
    tz = app.config.ui.tzinfo
    rows = [{"id": r.id, "requested_at": r.requested_at.astimezone(tz).isoformat(timespec="seconds"),
             "kind": vocab.label(vocab.APPROVAL_KINDS, r.kind, lang) if readable else r.kind,
             "status": vocab.label(vocab.APPROVAL_STATUSES, r.status, lang) if readable else r.status,
             "customer_code": r.customer.code, "customer_name": r.customer.name, "requested_by": r.requested_by.login,
             "change": _change(r, readable), "reason": r.reason} for r in query]
    emit_table([(key, t(TITLES[key])) for key in FIELDS], rows, fmt)


def _act(app: AppContext, what: str, request_id: int, note: str, done: str) -> None:
    rep = app.actor()
    with transaction():  # read and decide in one write transaction: no one decides it in between
        getattr(rules, what)(rep, rules.get_request(request_id), note)
    click.echo(t(done, id=request_id))


@approvals.command("approve")
@click.argument("request_id", type=int, metavar="ID")
@click.option("--note", default="", help="A note for the rep (optional).")
@pass_app
def approvals_approve(app: AppContext, request_id: int, note: str) -> None:
    """Apply request ID (only if the record has not changed since it was asked for)."""
    _act(app, "approve", request_id, note, "approval.approved")


@approvals.command("reject")
@click.argument("request_id", type=int, metavar="ID")
@click.option("--note", required=True, help="Why it is rejected (the rep reads it).")
@pass_app
def approvals_reject(app: AppContext, request_id: int, note: str) -> None:
    """Refuse request ID; the record stays as it is."""
    _act(app, "reject", request_id, note, "approval.rejected")


@approvals.command("withdraw")
@click.argument("request_id", type=int, metavar="ID")
@pass_app
def approvals_withdraw(app: AppContext, request_id: int) -> None:
    """Take back your own pending request ID."""
    _act(app, "withdraw", request_id, "", "approval.withdrawn")


@approvals.command("renew")
@click.argument("request_id", type=int, metavar="ID")
@click.option("--note", default="", help="Why (optional).")
@pass_app
def approvals_renew(app: AppContext, request_id: int, note: str) -> None:
    """Base request ID on the record as it is now, after someone else changed it."""
    _act(app, "renew", request_id, note, "approval.renewed")
