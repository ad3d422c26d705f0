"""The customer list: search as you type, a page at a time from the database, never every row."""
from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static

from kacrm_tui.i18n import t
from schema.db import database
from schema.money import format_money
from schema.search import CustomerRow, count_customers, search_customers

PAGE = 200


def _money(cents: int) -> Text:
    return Text(format_money(cents, grouping=True), justify="right")


class CustomersScreen(Screen):
    BINDINGS = [
        Binding("slash", "focus_search", t("tui.search_key"), id="customers.search"),
        Binding("j", "cursor_down", show=False, id="customers.down"),
        Binding("k", "cursor_up", show=False, id="customers.up"),
        Binding("escape", "focus_table", t("tui.back"), show=False, id="customers.table"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        self.loaded = 0
        self.exhausted = False
        self.total = 0
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        from kacrm_tui.app import StatusBar

        yield Input(placeholder=t("tui.search"), id="search")
        yield Static("", id="count")
        table = DataTable(id="customers", cursor_type="row", zebra_stripes=True)
        table.add_column(t("col.code"), key="code")
        table.add_column(t("col.customer_name"), key="name")
        table.add_column(t("col.grade"), key="grade")
        table.add_column(t("col.region"), key="region")
        table.add_column(t("col.owner"), key="owner")
        table.add_column(t("col.balance"), key="balance")
        table.add_column(t("col.limit"), key="limit")
        yield table
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load(reset=True)

    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(0.12, lambda: self._search(event.value))

    def _search(self, text: str) -> None:
        self.text = text
        self.load(reset=True)

    @on(Input.Submitted, "#search")
    def _submitted(self) -> None:
        self.query_one(DataTable).focus()

    @work(thread=True, exclusive=True, group="customers")
    def load(self, reset: bool = False) -> None:
        """Read the next page (or the first, for a new search) in a worker thread."""
        offset = 0 if reset else self.loaded
        with database.connection_context():
            rows = search_customers(self.app.rep, self.text, limit=PAGE, offset=offset)
            total = self.total if not reset or self.text else count_customers(self.app.rep)
        self.app.call_from_thread(self._show, rows, reset, total)

    def _show(self, rows: list[CustomerRow], reset: bool, total: int) -> None:
        table = self.query_one(DataTable)
        if reset:
            table.clear()
            self.loaded = 0
        self.total = total
        for row in rows:
            table.add_row(row.code, row.name, row.grade, row.region, row.owner, _money(row.balance_cents),
                          _money(row.credit_limit_cents), key=str(row.id))
        self.loaded += len(rows)
        self.exhausted = len(rows) < PAGE
        shown = f"{self.loaded}+" if not self.exhausted else str(self.loaded)
        self.query_one("#count", Static).update(t("tui.count", shown=shown, total=self.total) if not self.text
                                               else shown)

    @on(DataTable.RowHighlighted, "#customers")
    def _near_the_end(self, event: DataTable.RowHighlighted) -> None:
        if not self.exhausted and event.cursor_row >= self.loaded - 20:
            self.load()

    @on(DataTable.RowSelected, "#customers")
    def _open(self, event: DataTable.RowSelected) -> None:
        from kacrm_tui.screens.customer import CustomerScreen

        self.app.push_screen(CustomerScreen(int(event.row_key.value)))

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_focus_table(self) -> None:
        self.query_one(DataTable).focus()

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()
