"""Deleting with confirmation: a small modal asks "删除 …？ y/n" (Tab gives a reason), then the
record is soft-deleted through `schema.approvals.delete_record` (`schema.audit.soft_delete`, who and
why in the trail; where approvals are on, a rep's deletion is sent to the customer's manager
instead). Whether the user may is asked before the question and again when writing: a refusal is
one sentence."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Static, TabbedContent

from kacrm_tui.i18n import t
from kacrm_tui.keys import TranslatedBindings
from schema import access, approvals
from schema.audit import record_model, record_title
from schema.db import database
from schema.errors import ConcurrentEdit, KacrmError, PendingApproval
from schema.models import Contact, Customer, Visit

# the customer screen's tabs of records: tab id -> (its table's id, the table name of its records)
RECORD_TABS = {"contacts": ("contact-table", "contact"), "visits": ("visit-table", "visit"),
               "contracts": ("contract-table", "contract"), "opportunities": ("opportunity-table", "opportunity"),
               "complaints": ("complaint-table", "complaint")}


class ConfirmDelete(TranslatedBindings, ModalScreen[str | None]):
    """Answers the reason to delete for (y, or Enter in the reason), None for no (n, Esc)."""

    AUTO_FOCUS = ""  # y and n are keys, not text, until Tab moves to the reason
    BINDINGS = [Binding("y", "yes", "delete.yes", id="confirm.yes"),
                Binding("n,escape", "no", "delete.no", id="confirm.no")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(self.question, id="confirm-question")
            yield Input(placeholder=t("delete.reason_hint"), id="confirm-reason")
            yield Static(t("delete.hint"), id="confirm-hint")

    def action_yes(self) -> None:
        reason = self.query_one("#confirm-reason", Input).value.strip()
        self.dismiss(reason or t("delete.default_reason"))

    def action_no(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#confirm-reason")
    def _submitted(self) -> None:
        self.action_yes()


def _customer_of(instance) -> Customer:
    return instance if isinstance(instance, Customer) else Customer.get_by_id(instance.customer_id)


def ask_to_delete(screen: Screen, table: str, record_id: int) -> None:
    """Ask about record `record_id` of `table` and, on yes, soft-delete it; then `screen` reads its data again."""
    app = screen.app

    def check() -> None:
        with database.connection_context():
            model = record_model(table)
            instance = model.get_or_none(model.id == record_id) if model else None
            if instance is None or instance.deleted_at is not None:
                app.call_from_thread(app.notify, t("history.gone"), severity="warning")
                return
            customer = _customer_of(instance)
            if not access.can_edit(app.rep, customer):
                app.call_from_thread(app.notify, t("delete.not_allowed", code=customer.code), severity="error")
                return
            kind, title = t(f"kind.{table}"), record_title(instance)
        question = t("delete.ask", kind=kind, title=title)
        app.call_from_thread(app.push_screen, ConfirmDelete(question),
                             lambda reason: reason is not None and screen.run_worker(
                                 lambda: write(instance, customer, reason, kind, title), thread=True,
                                 group="delete", exclusive=True))

    def write(instance, customer: Customer, reason: str, kind: str, title: str) -> None:
        with database.connection_context():
            try:
                if not access.can_edit(app.rep, customer):
                    raise KacrmError(t("delete.not_allowed", code=customer.code))
                approvals.delete_record(app.rep, instance, reason=reason, config=app.config.access)
            except PendingApproval as exc:  # approvals on: a rep's deletion waits for the manager
                app.call_from_thread(app.notify, t("approval.sent", id=exc.request_id), title=t("approval.key"))
            except ConcurrentEdit:
                app.call_from_thread(app.notify, t("delete.changed"), severity="warning")
            except KacrmError as exc:
                app.call_from_thread(app.notify, str(exc), severity="error")
            else:
                app.call_from_thread(app.notify, t("delete.done", kind=kind, title=title))
        app.call_from_thread(screen.refresh_data)

    screen.run_worker(check, thread=True, group="delete", exclusive=True)


def delete_under_cursor(screen: Screen) -> None:
    """`x` on the customer screen: the record under the cursor of the active tab of records."""
    tabs = screen.query(TabbedContent)
    active = tabs.first().active if tabs else ""
    found = screen.query(f"#{RECORD_TABS[active][0]}") if active in RECORD_TABS else None
    if not found:
        screen.app.notify(t("delete.pick"), severity="warning")
        return
    table: DataTable = found.first()
    if table.row_count == 0:
        return
    key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    kind = RECORD_TABS[active][1]
    if key is not None and str(key).isdigit():
        ask_to_delete(screen, kind, int(key))
        return
    # a table whose rows carry no key: the record at the same place in the screen's own order,
    # deleted only if it is the one shown there
    row, first_cell = table.cursor_row, str(table.get_row_at(table.cursor_row)[0])
    app = screen.app

    def find() -> None:
        with database.connection_context():
            record = None
            if kind == "contact":
                record = (Contact.live().where(Contact.customer == screen.customer_id)
                          .order_by(Contact.is_primary.desc(), Contact.name).offset(row).first())
                shown = record.name if record else None
            elif kind == "visit":
                record = (Visit.select().where((Visit.customer == screen.customer_id) & Visit.deleted_at.is_null())
                          .order_by(Visit.at.desc()).offset(row).first())
                shown = f"{record.at.astimezone(app.config.ui.tzinfo):%Y-%m-%d %H:%M}" if record else None
        if record is None or shown != first_cell:
            app.call_from_thread(app.notify, t("delete.moved"), severity="warning")
            return
        app.call_from_thread(ask_to_delete, screen, kind, record.id)

    screen.run_worker(find, thread=True, group="delete", exclusive=True)
