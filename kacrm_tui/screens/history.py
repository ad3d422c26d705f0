"""The trail of one customer (修改记录): every change of the customer and of its records, newest
first, who, when, field, old -> new and why. `r` on a change of a field puts its old value back as
a new audited change, only if nobody changed the record since the trail was read. The trail is a
view (`HistoryView`) shown on the customer screen's last tab and, larger, as a screen of its own
(`h`)."""
from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static

from kacrm_tui.i18n import MESSAGES, t
from kacrm_tui.screens.base import ListScreen, cursor_key
from kacrm_tui.screens.trash import clip
from schema import access, approvals
from schema.audit import customer_trail, record_model, record_titles, restorable
from schema.db import database
from schema.errors import ConcurrentEdit, KacrmError, NotFound, PendingApproval
from schema.models import AuditEntry, Customer


def field_label(table: str, field: str) -> str:
    """The field's name as the forms show it, else as stored."""
    for key in (f"field.{field}", f"{table}.{field}", f"col.{field}"):
        if key in MESSAGES:
            return t(key)
    return field


def kind_label(table: str) -> str:
    return t(f"kind.{table}") if f"kind.{table}" in MESSAGES else table


class HistoryView(Vertical):
    """The trail's table and, under it, the whole of the change under the cursor. Its owner calls
    `load()` (and again to read it anew) and `restore()` for the key `r`; `on_gone` is called when
    the customer is no longer one the user may see."""

    def __init__(self, customer_id: int, *, on_gone=None) -> None:
        super().__init__(classes="history-view")
        self.customer_id = customer_id
        self.on_gone = on_gone
        self.entries: dict[str, AuditEntry] = {}
        self.titles: dict[tuple[str, str], str] = {}
        self.versions: dict[tuple[str, str], int] = {}  # the version of each record as the trail read it
        self.keep: str | None = None  # the entry to put the cursor back on after a reload

    def compose(self) -> ComposeResult:
        yield DataTable(id="history-table", cursor_type="row")
        yield Static("", id="history-detail", classes="detail")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in ("at", "who", "record", "field", "change", "why"):
            table.add_column(t(f"history.{key}"), key=key)

    @work(thread=True, exclusive=True, group="history")
    def load(self) -> None:
        with database.connection_context():
            customer = access.visible_customers(self.app.rep, include_deleted=True).where(
                Customer.id == self.customer_id).first()
            if customer is None:
                if self.on_gone is not None:
                    self.app.call_from_thread(self.on_gone)
                return
            entries = list(customer_trail(customer.id))
            ids: dict[str, set[str]] = {}
            for entry in entries:
                ids.setdefault(entry.table_name, set()).add(entry.record_id)
            titles, versions = {}, {}
            for table, numbers in ids.items():
                titles.update({(table, i): title for i, title in record_titles(table, sorted(numbers)).items()})
                model = record_model(table)
                if model is not None:
                    found = model.select(model.id, model.version).where(model.id.in_([int(i) for i in numbers
                                                                                     if i.isdigit()]))
                    versions.update({(table, str(r.id)): r.version for r in found})
        self.app.call_from_thread(self._show, customer, entries, titles, versions)

    def _show(self, customer: Customer, entries: list[AuditEntry], titles: dict, versions: dict) -> None:
        self.titles, self.versions = titles, versions
        table = self.query_one(DataTable)
        keep = self.keep or cursor_key(table)
        table.clear()
        self.entries = {}
        tz = self.app.config.ui.tzinfo
        for entry in entries:
            key = str(entry.id)
            self.entries[key] = entry
            change = (f"{entry.old_value or ''} -> {entry.new_value or ''}" if entry.action == "update"
                      else "")
            table.add_row(f"{entry.at.astimezone(tz):%Y-%m-%d}", entry.actor_login,
                          clip(self._record(entry), 16), clip(self._field(entry), 12), clip(change, 24),
                          clip(entry.reason, 16), key=key)
        if keep in self.entries:
            table.move_cursor(row=table.get_row_index(keep))
        self.keep = None
        self._detail()
        self.post_message(self.Shown(customer))

    class Shown(Message):
        """The trail was read and shown; `customer` as it was read."""

        def __init__(self, customer: Customer) -> None:
            super().__init__()
            self.customer = customer

    def _record(self, entry: AuditEntry) -> str:
        title = self.titles.get((entry.table_name, entry.record_id), "")
        return kind_label(entry.table_name) + (f" {title}" if entry.table_name != "customer" and title else "")

    def _field(self, entry: AuditEntry) -> str:
        if entry.action == "update":
            return field_label(entry.table_name, entry.field)
        key = f"action.{entry.action}"
        return t(key) if key in MESSAGES else entry.action

    def _selected(self) -> AuditEntry | None:
        return self.entries.get(cursor_key(self.query_one(DataTable)))

    @on(DataTable.RowHighlighted)
    def _detail(self) -> None:
        entry = self._selected()
        text = t("history.empty")
        if entry is not None:
            text = t("history.detail", when=f"{entry.at.astimezone(self.app.config.ui.tzinfo):%Y-%m-%d %H:%M}",
                     who=entry.actor_login, record=self._record(entry), field=self._field(entry),
                     old=entry.old_value or "", new=entry.new_value or "", reason=entry.reason or "-")
        self.query_one("#history-detail", Static).update(Text(text))

    def restore(self) -> None:
        """Put back the old value of the change under the cursor (the key `r`)."""
        entry = self._selected()
        if entry is None:
            return
        if not restorable(entry):
            self.app.notify(t("history.not_restorable"), severity="warning")
            return
        version = self.versions.get((entry.table_name, entry.record_id))
        if version is None:
            self.app.notify(t("history.gone"), severity="warning")
            return
        self._restore(entry, version)

    @work(thread=True, exclusive=True, group="history-restore")
    def _restore(self, entry: AuditEntry, version: int) -> None:
        day = f"{entry.at.astimezone(self.app.config.ui.tzinfo):%Y-%m-%d}"
        label = field_label(entry.table_name, entry.field)
        notify = self.app.notify
        with database.connection_context():
            customer = Customer.get_by_id(self.customer_id)
            try:
                if not access.can_edit(self.app.rep, customer):
                    raise KacrmError(t("history.not_allowed", code=customer.code))
                changed = approvals.restore_old_value(self.app.rep, entry, reason=t("history.reason", day=day),
                                                      expected_version=version, config=self.app.config.access)
            except PendingApproval as exc:  # approvals on: a rep's restore waits for the manager
                self.app.call_from_thread(notify, t("approval.sent", id=exc.request_id), title=t("approval.key"))
            except ConcurrentEdit as exc:
                message = t("history.conflict", version=exc.current.get("version", "?"))
                self.app.call_from_thread(notify, message, severity="warning", timeout=10)
            except NotFound:
                self.app.call_from_thread(notify, t("history.gone"), severity="warning")
            except KacrmError as exc:
                self.app.call_from_thread(notify, str(exc), severity="error")
            else:
                if changed:
                    value = entry.old_value if entry.old_value not in (None, "") else "-"
                    self.app.call_from_thread(notify, t("history.restored", field=label, value=value))
                else:
                    self.app.call_from_thread(notify, t("history.same", field=label), severity="warning")
        self.keep = str(entry.id)
        self.app.call_from_thread(self.load)


class HistoryScreen(ListScreen):
    BINDINGS = [Binding("escape", "app.pop_screen", "tui.back", id="history.back"),
                Binding("r", "restore", "history.restore", id="history.restore")]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id

    def compose(self) -> ComposeResult:
        from kacrm_tui.app import StatusBar

        yield Static("", id="history-title", classes="header")
        yield HistoryView(self.customer_id, on_gone=self.app.pop_screen)
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#history-table", DataTable).focus()
        self.load()

    def load(self) -> None:
        self.query_one(HistoryView).load()

    def on_history_view_shown(self, message: HistoryView.Shown) -> None:
        self.query_one("#history-title", Static).update(
            t("history.title", code=message.customer.code, name=message.customer.name))

    def action_restore(self) -> None:
        self.query_one(HistoryView).restore()
