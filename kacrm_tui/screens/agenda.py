"""The agenda (日程): planned visits of the coming days, follow-ups due, customers past their
grade's visit gap, and contracts running out — for the customers the user may see."""
from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static

from kacrm_tui.i18n import t
from kacrm_tui.screens.base import ListScreen
from schema import clock
from schema.agenda import Agenda, agenda
from schema.db import database

SECTIONS = {
    "planned": ("col.date", "col.code", "col.customer_name", "visit.purpose"),
    "follow_ups": ("visit.follow_up_on", "col.code", "col.customer_name", "visit.next_step"),
    "gaps": ("col.code", "col.customer_name", "col.grade", "agenda.days_since"),
    "contracts": ("agenda.ends", "col.code", "col.customer_name", "agenda.contract"),
    "care": ("col.date", "col.code", "col.customer_name", "col.occasion", "col.action"),
}


class AgendaScreen(ListScreen):
    BINDINGS = [Binding("escape", "app.pop_screen", "tui.back", id="agenda.back")]

    def compose(self) -> ComposeResult:
        from kacrm_tui.app import StatusBar

        with VerticalScroll():
            for section, columns in SECTIONS.items():
                yield Static("", id=f"title-{section}", classes="header")
                table = DataTable(id=f"agenda-{section}", cursor_type="row", classes="agenda")
                table.add_columns(*(t(c) for c in columns))
                yield table
        yield StatusBar(id="status")
        yield Footer()

    @work(thread=True, exclusive=True, group="agenda")
    def load(self) -> None:
        config = self.app.config
        tz = config.ui.tzinfo
        today = clock.now().astimezone(tz).date()
        with database.connection_context():
            found = agenda(self.app.rep, today=today, tz=tz, max_gap_days=config.visits.max_gap_days,
                           care=config.care)
        self.app.call_from_thread(self._show, found)

    def _show(self, found: Agenda) -> None:
        for section in SECTIONS:
            rows = getattr(found, section)
            self.query_one(f"#title-{section}", Static).update(f"[b]{t('agenda.' + section)}[/b] ({len(rows)})")
            table = self.query_one(f"#agenda-{section}", DataTable)
            table.clear()
            code_at = SECTIONS[section].index("col.code")
            for n, row in enumerate(rows):
                table.add_row(*(_cell(value) for value in row), key=f"{n}:{row[code_at]}")

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        self.open_customer(event.row_key.value.split(":", 1)[1])



def _cell(value) -> str:
    if value is None:
        return "-"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "hour") else value.isoformat()
    return str(value)
