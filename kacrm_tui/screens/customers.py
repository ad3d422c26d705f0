"""The customer list: search as you type, a page at a time from the database, never every row."""
from __future__ import annotations

from dataclasses import replace

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.worker import get_current_worker
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static

from kacrm_tui.i18n import language, t
from kacrm_tui.keys import TranslatedBindings
from kacrm_tui.screens.base import ListCursor
from kacrm_tui.widgets.gc_pause import gc_pause
from kacrm_tui.widgets.table import Table
from schema import vocab
from schema.db import database
from schema.money import format_money
from schema.search import CustomerRow, Filters, count_customers, search_customers

PAGE = 100  # three screens of rows at 120x40; the next page loads as the cursor nears the end
COLUMNS = ("code", "name", "grade", "segment", "owner", "balance", "overdue", "last_visit", "next_follow_up")


def _day(value) -> str:
    return value.isoformat() if value else ""


# the widest value of the columns up to the overdue amount; their titles may be wider
FIRST_COLUMNS = {"code": 7, "grade": 1, "segment": 4, "owner": 8, "balance": 12, "overdue": 12}


def _name_width(screen_width: int) -> int:
    """The name column leaves room for the columns up to the overdue amount (each with its padding,
    and the scroll bar) at 80 columns, and takes 40 cells when it can. A longer name is cropped,
    never ended with an ellipsis (East-Asian ambiguous)."""
    others = sum(max(cell_len(t(f"col.{key}")), widest) + 2 for key, widest in FIRST_COLUMNS.items())
    return max(14, min(40, screen_width - others - 3))


def _money(cents: int) -> Text:
    return Text(format_money(cents, grouping=True), justify="right")


class CustomersScreen(ListCursor, TranslatedBindings, Screen):
    BINDINGS = [
        Binding("slash", "focus_search", "tui.search_key", id="customers.search"),
        Binding("s", "sort", "list.sort", id="customers.sort"),
        Binding("r", "reverse", "list.reverse", show=False, id="customers.reverse"),
        Binding("m", "toggle('mine')", "list.mine", id="customers.mine"),
        Binding("o", "toggle('overdue')", "list.overdue", id="customers.overdue"),
        Binding("l", "toggle('over_limit')", "list.over_limit", id="customers.over_limit"),
        Binding("g", "grade", "list.grade", id="customers.grade"),
        Binding("f", "filter", "filter.key", id="customers.filter"),
        Binding("a", "alerts", "alerts.key", id="customers.alerts"),
        Binding("d", "agenda", "agenda.key", id="customers.agenda"),
        Binding("b", "dashboard", "dash.key", id="customers.dashboard"),
        Binding("t", "trash", "trash.key", show=False, id="customers.trash"),
        Binding("delete,x", "delete", "delete.key", show=False, id="customers.delete"),
        Binding("j", "cursor_down", "keys.down", show=False, id="customers.down"),
        Binding("k", "cursor_up", "keys.up", show=False, id="customers.up"),
        Binding("escape", "focus_table", "tui.back", show=False, id="customers.table"),
    ]

    def __init__(self, filters: Filters | None = None) -> None:
        """`filters`: a list opened narrowed (from a dashboard count); Esc on its table goes back."""
        super().__init__()
        self.text = ""
        self.loaded = 0
        self.exhausted = False
        self.resetting = False
        self.total = 0
        self.order, self.descending = "code", False
        self.filters = filters or Filters()
        self.drilled = filters is not None
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        from kacrm_tui.app import StatusBar

        yield Input(placeholder=t("tui.search"), id="search")
        yield Static("", id="count")
        table = Table(id="customers", cursor_type="row", zebra_stripes=True)
        for key in COLUMNS:
            table.add_column(t(f"col.{key}" if key != "name" else "col.customer_name"), key=key,
                             width=_name_width(self.app.size.width) if key == "name" else None)
        yield table
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        gc_pause.pause(self)  # until the first rows are drawn
        self.load(reset=True)

    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(0.12, lambda: self._search(event.value))

    def _search(self, text: str) -> None:
        self.text = text
        gc_pause.pause(self)  # until the rows found are drawn
        self.load(reset=True)

    @on(Input.Submitted, "#search")
    def _submitted(self) -> None:
        self.query_one(DataTable).focus()

    def load(self, reset: bool = False, again: bool = False) -> None:
        """Read the next page (or the first, for a new search; or, `again`, every row shown)."""
        if reset:
            self.resetting = True  # no "more rows" of the list being replaced meanwhile
        elif self.resetting:
            return
        limit = max(self.loaded, self._first_rows()) if again else self._first_rows() if reset else PAGE
        self._load(reset, limit)

    def _first_rows(self) -> int:
        """A new list starts with what the table shows and half as much again, read and drawn in
        half the time of a page (each search keystroke); the pages after it come as the cursor
        nears the end. A whole page before the table has its size."""
        height = self.query_one(DataTable).size.height
        return min(PAGE, max(30, height * 3 // 2)) if height else PAGE

    @work(thread=True, exclusive=True, group="customers")
    def _load(self, reset: bool, limit: int) -> None:
        """In a worker thread. A newer load (the next keystroke) cancels this one: its rows are
        dropped, never shown."""
        offset = 0 if reset else self.loaded
        text, order, descending, filters = self.text, self.order, self.descending, self.filters
        with database.connection_context():
            rows = search_customers(self.app.rep, text, limit=limit, offset=offset, order=order,
                                    descending=descending, filters=filters)
            total = self.total if not reset or text else count_customers(self.app.rep)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, rows, reset, total, limit)

    def _show(self, rows: list[CustomerRow], reset: bool, total: int, limit: int = PAGE) -> None:
        table = self.query_one(DataTable)
        cells = [(str(row.id), (row.code, row.name, row.grade, row.segment, row.owner, _money(row.balance_cents),
                                _money(row.overdue_cents) if row.overdue_cents else "", _day(row.last_visit),
                                _day(row.next_follow_up))) for row in rows]
        if reset:
            self.resetting = False
            gc_pause.resume_after_frame(self)
        if reset and not _same_rows(table, cells):
            table.clear()
            self.loaded = 0
        if reset and table.row_count:  # the same customers in the same order: change the cells that changed
            _update_cells(table, cells)
            self.loaded = len(cells)
        else:
            for key, values in cells:
                table.add_row(*values, key=key)
            self.loaded += len(cells)
        self.total = total
        self.exhausted = len(rows) < limit
        shown = f"{self.loaded}+" if not self.exhausted else str(self.loaded)
        count = t("tui.count", shown=shown, total=self.total) if not self.text else shown
        arrow = "v" if self.descending else "^"
        active = [t(f"list.{name}") for name in ("mine", "overdue", "over_limit") if getattr(self.filters, name)]
        if self.filters.grades:
            active.append("/".join(self.filters.grades))
        if self.filters.segment:
            active.append(f"{self.filters.segment} {vocab.label(vocab.SEGMENTS, self.filters.segment, language())}")
        if self.filters.region:
            active.append(self.filters.region)
        if self.filters.lifecycle:
            active.append(vocab.label(vocab.LIFECYCLES, self.filters.lifecycle, language()))
        if self.filters.strategy:
            active.append(vocab.label(vocab.STRATEGIES, self.filters.strategy, language()))
        if self.filters.abc:
            active.append(f"ABC {self.filters.abc}")
        sort = t("col.customer_name" if self.order == "name" else f"col.{self.order}")
        self.query_one("#count", Static).update(Text(f"{count}   {t('list.sorted')} {sort} {arrow}   "  # "[B]": text,
                                                     + " ".join(f"[{a}]" for a in active)))    # not markup

    @on(DataTable.RowHighlighted, "#customers")
    def _near_the_end(self, event: DataTable.RowHighlighted) -> None:
        if not self.exhausted and event.cursor_row >= self.loaded - 20:
            self.load()

    @on(DataTable.RowSelected, "#customers")
    def _open(self, event: DataTable.RowSelected) -> None:
        from kacrm_tui.screens.customer import CustomerScreen

        self.app.push_screen(CustomerScreen(int(event.row_key.value)))

    def action_sort(self) -> None:
        """The next column to sort by (s), the same column reversed (r)."""
        self.order = COLUMNS[(COLUMNS.index(self.order) + 1) % len(COLUMNS)] if self.order in COLUMNS else "code"
        self.load(reset=True)

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.load(reset=True)

    def action_toggle(self, name: str) -> None:
        self.filters = replace(self.filters, **{name: not getattr(self.filters, name)})
        self.load(reset=True)

    def action_grade(self) -> None:
        cycle = [(), ("A",), ("B",), ("C",)]
        self.filters = replace(self.filters, grades=cycle[(cycle.index(self.filters.grades) + 1) % len(cycle)])
        self.load(reset=True)

    @work(thread=True, exclusive=True, group="customers-filter")
    def action_filter(self) -> None:
        """`f`: every filter in one place (the regions offered are read first)."""
        from kacrm_tui.screens.list_filter import FilterScreen, visible_regions

        with database.connection_context():
            regions = visible_regions(self.app.rep)
        self.app.call_from_thread(self.app.push_screen, FilterScreen(self.filters, regions), self._filtered)

    def _filtered(self, filters: Filters | None) -> None:
        if filters is not None and filters != self.filters:
            self.filters = filters
            self.load(reset=True)

    @on(DataTable.HeaderSelected, "#customers")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        key = event.column_key.value
        self.descending = not self.descending if key == self.order else False
        self.order = key
        self.load(reset=True)

    def refresh_data(self) -> None:
        """Read the rows shown again (the daemon applied files, or an edit was saved)."""
        self.load(reset=True, again=True)

    def action_agenda(self) -> None:
        from kacrm_tui.screens.agenda import AgendaScreen

        self.app.push_screen(AgendaScreen())

    def action_alerts(self) -> None:
        from kacrm_tui.screens.alerts import AlertsScreen

        self.app.push_screen(AlertsScreen())

    def action_trash(self) -> None:
        from kacrm_tui.screens.trash import TrashScreen

        self.app.push_screen(TrashScreen())

    def action_delete(self) -> None:
        """`x`: soft-delete the customer under the cursor, once the user says yes."""
        from kacrm_tui.screens.confirm import ask_to_delete

        table = self.query_one(DataTable)
        if table.row_count:
            ask_to_delete(self, "customer", int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_dashboard(self) -> None:
        """`b`: the dashboard; from a list it opened, back to it rather than another on top."""
        from kacrm_tui.screens.dashboard import DashboardScreen

        stack = self.app.screen_stack
        if len(stack) > 1 and isinstance(stack[-2], DashboardScreen):
            self.app.pop_screen()
        else:
            self.app.push_screen(DashboardScreen())

    def action_focus_table(self) -> None:
        """Esc: from the search box to the table; from the table of a narrowed list, back."""
        table = self.query_one(DataTable)
        if self.drilled and table.has_focus:
            self.app.pop_screen()
        else:
            table.focus()


def _same_rows(table: DataTable, cells: list[tuple[str, tuple]]) -> bool:
    """Whether the table shows exactly these customers, in this order (a refresh, not a new search)."""
    return table.row_count == len(cells) and all(
        table.get_row_index(key) == index if key in table.rows else False for index, (key, _) in enumerate(cells))


def _update_cells(table: DataTable, cells: list[tuple[str, tuple]]) -> None:
    """Refresh by key: only the cells whose value changed are written, so the cursor and the
    scroll position stay where the user left them."""
    columns = list(table.columns)
    for key, values in cells:
        for column, old, new in zip(columns, table.get_row(key), values):
            if str(old) != str(new):
                table.update_cell(key, column, new)
