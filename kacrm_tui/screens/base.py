"""Screens that read their data in a worker: `load()` on mount, and again on `refresh_data()`
(the daemon applied files, or an edit beneath was saved)."""
from __future__ import annotations

from textual import work
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

from kacrm_tui.keys import TranslatedBindings
from schema import access
from schema.db import database
from schema.models import Customer


def cursor_key(table: DataTable) -> str | None:
    """The key of the row under `table`'s cursor; None when the table is empty."""
    if table.row_count == 0:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


class DataScreen(TranslatedBindings, Screen):
    def load(self) -> None:  # overridden by a @work(thread=True) method
        raise NotImplementedError

    def on_mount(self) -> None:
        self.load()

    def refresh_data(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="open-customer")
    def open_customer(self, code: str) -> None:
        """The customer with `code`, if the user may see it (a row names it by code)."""
        from kacrm_tui.screens.customer import CustomerScreen

        with database.connection_context():
            found = access.visible_customers(self.app.rep).where(Customer.code == code).first()
        if found is not None:
            self.app.call_from_thread(self.app.push_screen, CustomerScreen(found.id))


class ListCursor:
    """j and k, bound by the screen, move the cursor of the list in focus (else the first) down and
    up, as the arrows do."""

    def _list(self) -> DataTable | None:
        if isinstance(self.focused, DataTable):
            return self.focused
        return next(iter(self.query(DataTable)), None)

    def action_cursor_down(self) -> None:
        if (table := self._list()) is not None:
            table.action_cursor_down()

    def action_cursor_up(self) -> None:
        if (table := self._list()) is not None:
            table.action_cursor_up()


class ListScreen(ListCursor, DataScreen):
    """A screen of lists, with j and k."""

    BINDINGS = [Binding("j", "cursor_down", "keys.down", show=False, id="list.down"),
                Binding("k", "cursor_up", "keys.up", show=False, id="list.up")]
