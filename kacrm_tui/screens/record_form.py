"""What the forms of a customer's records share (contract, complaint, opportunity, contact): one
line per field, text as the user types it, and a `schema.activities` function that checks every
value and names the field it refuses. An edit remembers the version it read: if someone saved the
record since, nothing is written over them, and the form says who and offers to reload. Where a
change waits for the manager's approval (PendingApproval), the form says so and closes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import Footer, Input, Label, Select, Static

from kacrm_tui.i18n import MESSAGES, language, t
from kacrm_tui.screens.approvals import went_for_approval
from kacrm_tui.screens.form import FormScreen, LongText
from kacrm_tui.widgets.choice import choice_options, show_choice
from schema import clock, vocab
from schema.activities import FieldProblem
from schema.audit import history
from schema.db import database
from schema.errors import ConcurrentEdit, KacrmError, PendingApproval
from schema.models import Customer, TrackedModel
from schema.money import format_money
from schema.periods import add_months


@dataclass(frozen=True)
class Field:
    """One line of a form: `name` is the key the schema function reads, `label` an i18n key."""

    name: str
    label: str
    kind: str = "text"  # text, long (several lines), date, money, percent, whole, choice
    choices: vocab.Choices | None = None
    attr: str = ""  # the model's attribute, when it differs from `name`
    read: Callable[[Any], str] | None = None  # the record's value as text, for a computed one


def as_input(field: Field, record: Any) -> str:
    """The stored value as the user would type it."""
    if field.read is not None:
        return field.read(record)
    value = getattr(record, field.attr or field.name)
    if value is None:
        return ""
    if field.kind == "date":
        return value.isoformat()
    if field.kind == "money":
        return format_money(value)
    if field.kind == "percent":
        return f"{(Decimal(value) / 100).normalize():f}"
    return str(value)


class RecordFormScreen(FormScreen):
    """A subclass names its model, fields, title keys and the schema function that saves."""

    MODEL: type[TrackedModel]
    FIELDS: tuple[Field, ...] = ()
    TITLE_NEW = TITLE_EDIT = ""
    KEYWORD = ""  # the save function's keyword for the record being changed
    APPROVALS = False  # the save function takes the site's `[access]` config (a change may wait for approval)

    BINDINGS = [
        Binding("ctrl+s", "save", "edit.save", id="record.save", priority=True),
        Binding("escape", "app.pop_screen", "edit.cancel", id="record.cancel"),
        Binding("ctrl+r", "reload", "edit.reload", id="record.reload", show=False, priority=True),
    ]

    def __init__(self, customer_id: int, record_id: int | None = None) -> None:
        super().__init__()
        self.customer_id, self.record_id = customer_id, record_id
        self.version: int | None = None  # the version the user started from (an edit)
        self.conflict = False

    @staticmethod
    def save_record(rep, customer, values, **record) -> TrackedModel:  # overridden: a schema.activities function
        raise NotImplementedError

    def defaults(self) -> dict[str, str]:
        """The values a new record starts with."""
        return {}

    def waiting_message(self, values: dict[str, str], request_id: int) -> str:
        """What the user is told when (part of) the change was sent to the manager for approval."""
        return t("approval.sent", id=request_id)

    def compose(self) -> ComposeResult:
        from kacrm_tui.app import StatusBar

        lang = language()
        with VerticalScroll():
            yield Static(t(self.TITLE_EDIT if self.record_id else self.TITLE_NEW), id="edit-title", classes="header")
            with Grid(id="edit-grid"):
                for field in self.FIELDS:
                    yield Label(t(field.label))
                    if field.choices is not None:
                        yield Select(choice_options(field.choices, lang), allow_blank=False, id=f"r-{field.name}")
                    elif field.kind == "long":
                        yield LongText(id=f"r-{field.name}")
                    else:
                        hint = "YYYY-MM-DD" if field.kind == "date" else ""
                        yield Input(id=f"r-{field.name}", placeholder=hint)
                if self.record_id:
                    yield Label(t("edit.reason"))
                    yield Input(id="r-reason", placeholder=t("edit.reason_hint"))
            yield Static("", id="edit-message")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        if self.record_id:
            self.load()
        else:
            self._set(self.defaults())
            self.query_one(f"#r-{self.FIELDS[0].name}").focus()

    def _set(self, values: dict[str, str]) -> None:
        for field in self.FIELDS:
            if field.name not in values:
                continue
            if field.choices is not None:
                show_choice(self.query_one(f"#r-{field.name}", Select), field.choices, values[field.name], language())
            else:
                self.query_one(f"#r-{field.name}").value = values[field.name]  # an Input or a LongText

    @work(thread=True, exclusive=True, group="record-load")
    def load(self) -> None:
        with database.connection_context():
            record = self.MODEL.get_or_none((self.MODEL.id == self.record_id) & self.MODEL.deleted_at.is_null())
        self.app.call_from_thread(self._fill, record)

    def _fill(self, record: TrackedModel | None) -> None:
        if record is None:
            self.app.notify(t("record.gone"), severity="error")
            self.app.pop_screen()
            return
        self.version, self.conflict = record.version, False
        self._set({field.name: as_input(field, record) for field in self.FIELDS})
        self.query_one("#edit-title", Static).update(f"{t(self.TITLE_EDIT)}  v{record.version}")
        self.query_one("#edit-message", Static).update("")
        self.query_one(f"#r-{self.FIELDS[0].name}").focus()

    def values(self) -> dict[str, str]:
        out = {}
        for field in self.FIELDS:
            widget = self.query_one(f"#r-{field.name}")
            out[field.name] = widget.value if isinstance(widget, Select) else widget.value.strip()
        return out

    def action_save(self) -> None:
        reason = self.query_one("#r-reason", Input).value.strip() if self.record_id else ""
        self.save(self.values(), reason)

    @work(thread=True, exclusive=True, group="record-save")
    def save(self, values: dict[str, str], reason: str) -> None:
        with database.connection_context():
            customer = Customer.get_by_id(self.customer_id)
            record = {}
            if self.record_id:
                record = {self.KEYWORD: self.MODEL.get_by_id(self.record_id), "expected_version": self.version,
                          "reason": reason}
            if self.APPROVALS:
                record["config"] = self.app.config.access
            try:
                type(self).save_record(self.app.rep, customer, values, **record)
            except PendingApproval as exc:
                self.app.call_from_thread(went_for_approval, self, self.waiting_message(values, exc.request_id))
                return
            except FieldProblem as exc:
                self.app.call_from_thread(self._show_field_problem, exc)
                return
            except ConcurrentEdit:
                last = history(self.MODEL._meta.table_name, self.record_id).first()
                current = self.MODEL.get_by_id(self.record_id)
                who = last.actor_login if last else "?"
                when = f"{last.at.astimezone(self.app.config.ui.tzinfo):%Y-%m-%d %H:%M}" if last else ""
                self.app.call_from_thread(self._show_conflict, who, when, current.version)
                return
            except KacrmError as exc:
                self.report(str(exc))
                return
        self.app.call_from_thread(self.saved)

    def _show_field_problem(self, exc: FieldProblem) -> None:
        labels = {field.name: t(field.label) for field in self.FIELDS} | {"reason": t("edit.reason")}
        key = f"problem.{exc.problem}"
        if exc.field in labels and key in MESSAGES:
            self.show_problem(t(key, field=labels[exc.field], **exc.limits))
        else:
            self.show_problem(str(exc))
        target = self.query(f"#r-{exc.field}")
        if target:
            target.first().focus()

    def _show_conflict(self, who: str, when: str, version: int) -> None:
        self.conflict = True
        self.query_one("#edit-message", Static).update(
            f"[red]{t('record.conflict', who=who, when=when, version=version)}[/red]\n{t('record.reload_hint')}")

    def action_reload(self) -> None:
        """Give up this edit: show what is saved now."""
        if self.record_id and self.conflict:
            self.load()

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()


def local_today(screen: RecordFormScreen) -> dt.date:
    return clock.now().astimezone(screen.app.config.ui.tzinfo).date()


def today_text(screen: RecordFormScreen) -> str:
    return local_today(screen).isoformat()


def next_year_text(screen: RecordFormScreen) -> str:
    """The day before today's date a year on: the end of a one-year contract starting today."""
    today = local_today(screen)
    return (add_months(today.replace(day=1), 12) + dt.timedelta(days=today.day - 2)).isoformat()
