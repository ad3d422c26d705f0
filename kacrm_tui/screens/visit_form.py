"""Logging a visit that happened, or planning one: the fields of a 拜访记录, checked by
`schema.visits`, whose sentence names the field and the problem."""
from __future__ import annotations

import datetime as dt

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import Footer, Input, Label, Select, Static

from kacrm_tui.i18n import language, t
from kacrm_tui.screens.form import FormScreen, LongText
from schema import clock, vocab
from schema.db import database
from schema.errors import KacrmError
from schema.models import Customer
from schema.visits import log_visit

TEXTS = ("purpose", "summary", "feedback", "commitment", "next_step")
LONG = ("summary", "feedback", "commitment")  # a few lines each; the others fit one


class VisitFormScreen(FormScreen):
    BINDINGS = [Binding("ctrl+s", "save", "edit.save", id="visit.save", priority=True),
                Binding("escape", "app.pop_screen", "edit.cancel", id="visit.cancel")]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id

    def compose(self) -> ComposeResult:
        from kacrm_tui.app import StatusBar

        lang = language()
        local = clock.now().astimezone(self.app.config.ui.tzinfo)
        with VerticalScroll():
            yield Static(t("visit.title"), classes="header")
            with Grid(id="edit-grid"):
                yield Label(t("visit.status"))
                yield Select([(vocab.label(vocab.VISIT_STATUSES, k, lang), k) for k in ("done", "planned")],
                             value="done", allow_blank=False, id="v-status")
                yield Label(t("visit.kind"))
                yield Select([(vocab.label(vocab.VISIT_KINDS, k, lang), k) for k in vocab.VISIT_KINDS],
                             value="visit", allow_blank=False, id="v-kind")
                yield Label(t("visit.day"))
                yield Input(local.date().isoformat(), id="v-day")
                yield Label(t("visit.time"))
                yield Input(f"{local:%H:%M}", id="v-time")
                for name in TEXTS:
                    yield Label(t(f"visit.{name}"))
                    yield LongText(id=f"v-{name}") if name in LONG else Input(id=f"v-{name}")
                yield Label(t("visit.follow_up_on"))
                yield Input(id="v-follow_up_on", placeholder="YYYY-MM-DD")
            yield Static("", id="edit-message")
        yield StatusBar(id="status")
        yield Footer()

    def _value(self, name: str) -> str:
        return self.query_one(f"#v-{name}").value.strip()  # an Input or a LongText

    def action_save(self) -> None:
        try:
            day = dt.date.fromisoformat(self._value("day"))
            hour, minute = (int(part) for part in self._value("time").split(":"))
            at = dt.datetime.combine(day, dt.time(hour, minute), self.app.config.ui.tzinfo)
        except ValueError:
            self.show_problem(t("visit.bad_when"))
            return
        try:
            follow = self._value("follow_up_on")
            follow_up_on = dt.date.fromisoformat(follow) if follow else None
        except ValueError:
            self.show_problem(t("visit.bad_follow_up"))
            return
        fields = {name: self._value(name) for name in TEXTS}
        self.save(at, self.query_one("#v-kind", Select).value, self.query_one("#v-status", Select).value,
                  follow_up_on, fields)

    @work(thread=True, exclusive=True, group="visit")
    def save(self, at, kind, status, follow_up_on, fields) -> None:
        with database.connection_context():
            try:
                log_visit(self.app.rep, Customer.get_by_id(self.customer_id), at=at, kind=kind, status=status,
                          follow_up_on=follow_up_on, **fields)
            except KacrmError as exc:
                self.report(str(exc))
                return
        self.app.call_from_thread(self.saved)

