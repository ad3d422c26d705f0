"""Editing a customer's archive: every change asks for a reason (kept in the audit trail), and an
edit based on a version someone else has since saved is never written over them: the screen shows
what they changed and lets the user reload theirs or apply this edit on top."""
from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import Footer, Input, Label, Static

from kacrm_tui.i18n import t
from kacrm_tui.screens.form import FormScreen
from schema import access
from schema.audit import audited_update
from schema.db import database
from schema.errors import ConcurrentEdit, KacrmError
from schema.models import Customer

# the basic part of the archive (基础资料) and the trading terms a rep keeps current
FIELDS = ("name", "short_name", "address", "phone", "website", "legal_rep", "general_manager", "industry",
          "credit_days", "notes")
NUMBERS = {"credit_days"}


class ArchiveEditScreen(FormScreen):
    BINDINGS = [
        Binding("ctrl+s", "save", t("edit.save"), id="edit.save", priority=True),
        Binding("escape", "app.pop_screen", t("edit.cancel"), id="edit.cancel"),
        Binding("ctrl+r", "reload", t("edit.reload"), id="edit.reload", show=False, priority=True),
        Binding("ctrl+o", "apply_on_top", t("edit.on_top"), id="edit.on_top", show=False, priority=True),
    ]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.read: dict[str, object] = {}  # the values and version the user started from
        self.version = 0
        self.conflict: Customer | None = None

    def compose(self) -> ComposeResult:
        from kacrm_tui.app import StatusBar

        with VerticalScroll():
            yield Static("", id="edit-title", classes="header")
            with Grid(id="edit-grid"):
                for name in FIELDS:
                    yield Label(t(f"field.{name}"))
                    yield Input(id=f"f-{name}")
                yield Label(t("edit.reason"))
                yield Input(id="reason", placeholder=t("edit.reason_hint"))
            yield Static("", id="edit-message")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="edit")
    def load(self) -> None:
        with database.connection_context():
            customer = access.editable_customers(self.app.rep).where(Customer.id == self.customer_id).first()
        self.app.call_from_thread(self._fill, customer)

    def _fill(self, customer: Customer | None) -> None:
        if customer is None:
            self.app.notify(t("edit.not_allowed"), severity="error")
            self.app.pop_screen()
            return
        self.read = {name: getattr(customer, name) for name in FIELDS}
        self.version = customer.version
        self.conflict = None
        self.query_one("#edit-title", Static).update(f"[b]{customer.code}  {customer.name}[/b]  v{customer.version}")
        for name in FIELDS:
            value = self.read[name]
            self.query_one(f"#f-{name}", Input).value = "" if value is None else str(value)
        self.query_one("#edit-message", Static).update("")
        self.query_one(f"#f-{FIELDS[0]}", Input).focus()

    def _changes(self) -> dict[str, object]:
        changes = {}
        for name in FIELDS:
            text = self.query_one(f"#f-{name}", Input).value.strip()
            value: object = text
            if name in NUMBERS:
                if not text.isdigit():
                    raise KacrmError(t("edit.not_number", field=t(f"field.{name}")))
                value = int(text)
            if value != ("" if self.read[name] is None else self.read[name]):
                changes[name] = value
        return changes

    def action_save(self, expected_version: int | None = None) -> None:
        try:
            changes = self._changes()
        except KacrmError as exc:
            self.show_problem(str(exc))
            return
        reason = self.query_one("#reason", Input).value.strip()
        if not changes:
            self.app.pop_screen()
            return
        if not reason:
            self.show_problem(t("edit.reason_needed"))
            self.query_one("#reason", Input).focus()
            return
        self.save(changes, reason, expected_version or self.version)

    @work(thread=True, exclusive=True, group="edit")
    def save(self, changes: dict[str, object], reason: str, version: int) -> None:
        with database.connection_context():
            customer = Customer.get_by_id(self.customer_id)
            try:
                access.require_edit(self.app.rep, customer)
                audited_update(customer, changes, actor=self.app.rep, reason=reason, expected_version=version)
            except ConcurrentEdit:
                current = Customer.get_by_id(self.customer_id)
                self.app.call_from_thread(self._show_conflict, current)
                return
            except KacrmError as exc:
                self.report(str(exc))
                return
        self.app.call_from_thread(self.saved)


    def _show_conflict(self, current: Customer) -> None:
        self.conflict = current
        theirs = [f"{t('field.' + name)}: {self.read[name]} -> {getattr(current, name)}"
                  for name in FIELDS if getattr(current, name) != self.read[name]]
        self.query_one("#edit-message", Static).update(
            f"[b]{t('edit.conflict', version=current.version)}[/b]\n" + "\n".join(theirs) + "\n" + t("edit.choices"))

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()

    def action_reload(self) -> None:
        """Give up this edit: show what is saved now."""
        if self.conflict is not None:
            self._fill(self.conflict)

    def action_apply_on_top(self) -> None:
        """Keep their changes and write this edit's own fields over the current version."""
        if self.conflict is None:
            return
        mine = self._changes()
        for name in FIELDS:
            if name not in mine:  # their value, shown and kept
                value = getattr(self.conflict, name)
                self.read[name] = value
                self.query_one(f"#f-{name}", Input).value = "" if value is None else str(value)
        self.action_save(expected_version=self.conflict.version)
