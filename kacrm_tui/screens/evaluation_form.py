"""Entering a customer's scorecard for a period (客户考核): three scores 0-100, weighted by
`[evaluation]` into a score and a band by `schema.evaluation`, which also says what is wrong."""
from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import Footer, Input, Label, Static

from kacrm_tui.i18n import t
from kacrm_tui.screens.form import FormScreen
from schema import clock
from schema.db import database
from schema.errors import KacrmError
from schema.evaluation import SCORES, evaluate
from schema.models import Customer
from schema.periods import quarter_of


class EvaluationFormScreen(FormScreen):
    BINDINGS = [Binding("ctrl+s", "save", "edit.save", id="evaluation.save", priority=True),
                Binding("escape", "app.pop_screen", "edit.cancel", id="evaluation.cancel")]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id

    def compose(self) -> ComposeResult:
        from kacrm_tui.app import StatusBar

        with VerticalScroll():
            yield Static(t("evaluation.title"), classes="header")
            with Grid(id="edit-grid"):
                yield Label(t("col.period"))
                yield Input(quarter_of(clock.today()), id="e-period")
                for name in SCORES:
                    yield Label(f"{t('col.' + name)} (0-100)")
                    yield Input(id=f"e-{name}", type="integer")
                yield Label(t("col.notes"))
                yield Input(id="e-notes")
            yield Static("", id="edit-message")
        yield StatusBar(id="status")
        yield Footer()

    def action_save(self) -> None:
        scores = {}
        for name in SCORES:
            text = self.query_one(f"#e-{name}", Input).value.strip()
            if not text.isdigit():
                self.show_problem(t("evaluation.bad_score", field=t(f"col.{name}")))
                return
            scores[name] = int(text)
        self.save(self.query_one("#e-period", Input).value.strip(), scores,
                  self.query_one("#e-notes", Input).value)

    @work(thread=True, exclusive=True, group="evaluation")
    def save(self, period: str, scores: dict[str, int], notes: str) -> None:
        with database.connection_context():
            try:
                evaluate(self.app.rep, Customer.get_by_id(self.customer_id), period, scores,
                         self.app.config.evaluation, notes=notes)
            except KacrmError as exc:
                self.report(str(exc))
                return
        self.app.call_from_thread(self.saved)
