"""The trash (回收站): records soft-deleted in the last `[access] deleted_retention_days` days that
the user may see, newest first, with who deleted them and why; Enter or `r` restores one (audited)."""
from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from kacrm_tui.i18n import t
from kacrm_tui.screens.base import ListScreen, cursor_key
from schema import access
from schema.audit import DeletedRecord, deleted_records, record_model, restore
from schema.db import database
from schema.errors import ConcurrentEdit
from schema.models import Customer


def clip(text: str, cells: int) -> Text:
    """At most `cells` terminal cells (a Chinese character takes two), cut without an ellipsis."""
    line = Text(text.replace("\n", " "))
    line.truncate(cells, overflow="crop")
    return line


class TrashScreen(ListScreen):
    BINDINGS = [Binding("escape", "app.pop_screen", "tui.back", id="trash.back"),
                Binding("r", "restore", "trash.restore", id="trash.restore"),
                Binding("enter", "restore", "trash.restore", id="trash.open", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, DeletedRecord] = {}

    def compose(self) -> ComposeResult:
        from kacrm_tui.app import StatusBar

        yield Static("", id="trash-title", classes="header")
        yield DataTable(id="trash-table", cursor_type="row")
        yield Static("", id="trash-detail", classes="detail")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in ("deleted_at", "kind", "code", "what", "by", "reason"):
            table.add_column(t("col.code" if key == "code" else f"trash.{key}"), key=key)
        table.focus()
        self.load()

    @property
    def days(self) -> int:
        return self.app.config.access.deleted_retention_days

    @work(thread=True, exclusive=True, group="trash")
    def load(self) -> None:
        with database.connection_context():
            rows = deleted_records(self.app.rep, days=self.days)
        self.app.call_from_thread(self._show, rows)

    def _show(self, rows: list[DeletedRecord]) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        tz = self.app.config.ui.tzinfo
        self.rows = {}
        for item in rows:
            key = f"{item.table}:{item.record_id}"
            self.rows[key] = item
            what = item.title if item.at is None else f"{item.at.astimezone(tz):%m-%d} {item.title}"
            table.add_row(f"{item.deleted_at.astimezone(tz):%m-%d %H:%M}", t(f"kind.{item.table}"), item.code,
                          clip(what, 24), item.deleted_by, clip(item.reason, 20), key=key)
        if rows:
            table.move_cursor(row=min(row, len(rows) - 1))
        self.query_one("#trash-title", Static).update(t("trash.title", days=self.days, count=len(rows)))
        self._detail()

    @on(DataTable.RowHighlighted)
    def _detail(self) -> None:
        item = self._selected()
        text = t("trash.empty")
        if item is not None:
            when = f"{item.deleted_at.astimezone(self.app.config.ui.tzinfo):%Y-%m-%d %H:%M}"
            text = t("trash.detail", kind=t(f"kind.{item.table}"), title=item.title, code=item.code,
                     name=item.customer_name, who=item.deleted_by or "-", when=when, reason=item.reason or "-")
        self.query_one("#trash-detail", Static).update(Text(text))

    def _selected(self) -> DeletedRecord | None:
        return self.rows.get(cursor_key(self.query_one(DataTable)))

    @on(DataTable.RowSelected)
    def action_restore(self) -> None:
        item = self._selected()
        if item is not None:
            self._restore(item)

    @work(thread=True, exclusive=True, group="trash-restore")
    def _restore(self, item: DeletedRecord) -> None:
        with database.connection_context():
            model = record_model(item.table)
            instance = model.get_or_none(model.id == item.record_id)
            customer = Customer.get_or_none(Customer.id == item.customer_id)
            if instance is None or customer is None or instance.deleted_at is None:
                self.app.call_from_thread(self.app.notify, t("history.gone"), severity="warning")
            elif not access.can_edit(self.app.rep, customer):
                self.app.call_from_thread(self.app.notify, t("trash.not_allowed", code=customer.code),
                                          severity="error")
            else:
                try:
                    restore(instance, actor=self.app.rep, reason=t("trash.restore_reason"))
                except ConcurrentEdit:
                    self.app.call_from_thread(self.app.notify, t("trash.changed"), severity="warning")
                else:
                    self.app.call_from_thread(self._restored, item)
        self.app.call_from_thread(self.load)

    def _restored(self, item: DeletedRecord) -> None:
        self.app.notify(t("trash.restored", kind=t(f"kind.{item.table}"), title=item.title))
        stack = self.app.screen_stack
        beneath = stack[-2] if len(stack) > 1 and stack[-1] is self else None
        refresh = getattr(beneath, "refresh_data", None)
        if refresh is not None:  # the list it was opened from shows the record again
            refresh()
