"""Editing a customer's archive, every field of its four parts (基础资料, 客户特征, 业务状况, 交易现状)
and its classification, one tab each. Every change asks for a reason (kept in the audit trail);
where approvals are on, a rep's edit is sent to the customer's manager instead of saved; and an
edit based on a version someone else has since saved is never written over them: the screen
shows what they changed and lets the user reload theirs or apply this edit on top."""
from __future__ import annotations

from typing import Any

from peewee import DateField, TextField

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import Footer, Input, Label, Select, Static, TabbedContent, TabPane

from kacrm_tui.i18n import MESSAGES, language, t
from kacrm_tui.screens.approvals import went_for_approval
from kacrm_tui.screens.form import FormScreen, LongText
from kacrm_tui.widgets.choice import choice_options, show_choice
from schema import access
from schema.archive import (CHOICES, DERIVED, EDITABLE, PARTS, SCORES, ArchiveValueError, as_text, label_name,
                            may_be_blank, parse_archive_changes, save_archive)
from schema.db import database
from schema.errors import ConcurrentEdit, KacrmError, PendingApproval
from schema.models import Customer, MoneyField

FIELDS = EDITABLE  # every field a person edits, in form order
PART_OF = {name: part for part, names in PARTS.items() for name in names}


def field_label(name: str) -> str:
    return t(f"field.{label_name(name)}")


class ArchiveEditScreen(FormScreen):
    BINDINGS = [
        Binding("ctrl+s", "save", "edit.save", id="edit.save", priority=True),
        Binding("escape", "app.pop_screen", "edit.cancel", id="edit.cancel"),
        Binding("pagedown", "part(1)", "archive.next_part", id="edit.next_part", priority=True),
        Binding("pageup", "part(-1)", "archive.prev_part", id="edit.prev_part", priority=True),
        Binding("ctrl+r", "reload", "edit.reload", id="edit.reload", show=False, priority=True),
        Binding("ctrl+o", "apply_on_top", "edit.on_top", id="edit.on_top", show=False, priority=True),
    ]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.read: dict[str, Any] = {}  # the values and version the user started from
        self.version = 0
        self.conflict: Customer | None = None

    def compose(self) -> ComposeResult:
        from kacrm_tui.app import StatusBar

        lang = language()
        yield Static("", id="edit-title", classes="header")
        with TabbedContent(id="archive-parts"):
            for part, names in PARTS.items():
                with TabPane(t(f"archive.part.{part}"), id=f"part-{part}"):
                    with VerticalScroll():
                        with Grid(classes="archive-grid"):
                            for name in names:
                                yield Label(field_label(name))
                                if name in CHOICES:
                                    yield Select(choice_options(CHOICES[name], lang), allow_blank=may_be_blank(name),
                                                 id=f"f-{name}")
                                elif isinstance(Customer._meta.fields[name], TextField):  # notes: lines
                                    yield LongText(id=f"f-{name}")
                                else:
                                    yield Input(id=f"f-{name}", placeholder=_hint(name))
                            for name in DERIVED.get(part, ()):
                                yield Label(f"{field_label(name)}{t('archive.derived')}")
                                yield Static("", id=f"d-{name}", classes="derived")
        with Grid(id="archive-reason"):
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

    def _put(self, name: str, value: Any) -> None:
        widget = self.query_one(f"#f-{name}")
        if isinstance(widget, Select):
            show_choice(widget, CHOICES[name], value, language())
        else:
            widget.value = as_text(name, value)

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
            self._put(name, self.read[name])
        lang = language()
        for names in DERIVED.values():
            for name in names:
                self.query_one(f"#d-{name}", Static).update(as_text(name, getattr(customer, name), lang, label=True))
        self.query_one("#edit-message", Static).update("")
        self.query_one(f"#f-{FIELDS[0]}").focus()

    def _texts(self) -> dict[str, str]:
        texts = {}
        for name in FIELDS:
            widget = self.query_one(f"#f-{name}")
            if isinstance(widget, Select):
                texts[name] = "" if widget.value is Select.NULL else str(widget.value)
            else:
                texts[name] = widget.value
        return texts

    def _changes(self) -> dict[str, Any]:
        """What the user changed, as stored values; raises ArchiveValueError naming a field."""
        texts = self._texts()
        # a word from older data that the list lacks, left as it was, is not read against the list
        kept = {name for name, text in texts.items()
                if name in CHOICES and text and text == self.read[name] and text not in CHOICES[name]}
        values = parse_archive_changes({name: text for name, text in texts.items() if name not in kept})
        return {name: value for name, value in values.items() if value != self.read[name]}

    def _show_bad_value(self, error: ArchiveValueError) -> None:
        """The field and the problem in the message line; the field's tab shown and the field focused."""
        self.show_problem(t(f"archive.bad.{error.reason}", field=field_label(error.field), **error.params)
                          if f"archive.bad.{error.reason}" in MESSAGES else f"{field_label(error.field)}: {error}")
        self.query_one(TabbedContent).active = f"part-{PART_OF[error.field]}"
        self.query_one(f"#f-{error.field}").focus()

    def action_part(self, step: int) -> None:
        """Show the next (or previous) part of the archive, its first field focused (focus left in
        the hidden part would bring that part back)."""
        parts = list(PARTS)
        tabs = self.query_one(TabbedContent)
        part = parts[(parts.index(tabs.active.removeprefix("part-")) + step) % len(parts)]
        tabs.active = f"part-{part}"
        self.query_one(f"#f-{PARTS[part][0]}").focus()

    def action_save(self, expected_version: int | None = None) -> None:
        try:
            changes = self._changes()
        except ArchiveValueError as exc:
            self._show_bad_value(exc)
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
    def save(self, changes: dict[str, Any], reason: str, version: int) -> None:
        with database.connection_context():
            customer = Customer.get_by_id(self.customer_id)
            try:  # with approvals on, a rep's edit waits for the manager (PendingApproval)
                save_archive(self.app.rep, customer, changes, reason=reason, expected_version=version,
                             config=self.app.config.access)
            except PendingApproval as exc:
                self.app.call_from_thread(went_for_approval, self, t("approval.sent", id=exc.request_id))
                return
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
        lang = language()
        theirs = [f"{field_label(name)}: {as_text(name, self.read[name], lang, label=True)} -> "
                  f"{as_text(name, getattr(current, name), lang, label=True)}"
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
        try:
            mine = self._changes()
        except ArchiveValueError as exc:
            self._show_bad_value(exc)
            return
        for name in FIELDS:
            if name not in mine:  # their value, shown and kept
                self.read[name] = getattr(self.conflict, name)
                self._put(name, self.read[name])
        self.action_save(expected_version=self.conflict.version)


def _hint(name: str) -> str:
    """What to type, shown in an empty field."""
    column = Customer._meta.fields[name]
    if isinstance(column, MoneyField):
        return "1,200,000.00"
    if isinstance(column, DateField):
        return "YYYY-MM-DD"
    return "1-5" if name in SCORES else ""

