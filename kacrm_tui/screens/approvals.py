"""Approvals (审批, DESIGN §6): a manager sees the requests waiting for them, oldest first, and
approves (a) or rejects (r, with a note) each; a rep sees their own requests and withdraws (w) a
pending one. `u` renews a request on the record's current version after someone else changed it;
Enter opens the customer. The rules, and the audit of every decision, are `schema.approvals`."""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Static

from kacrm_tui.i18n import MESSAGES, language, t
from kacrm_tui.keys import TranslatedBindings
from kacrm_tui.screens.base import ListScreen, cursor_key
from kacrm_tui.screens.trash import clip
from schema import approvals, vocab
from schema.archive import CHOICES, label_name
from schema.db import database
from schema.errors import ConcurrentEdit, KacrmError
from schema.models import ApprovalRequest


def went_for_approval(screen: Screen, message: str) -> None:
    """A form's change was sent to the manager instead of saved: say so, close the form, and let
    the screen beneath read its data again (call from the UI thread)."""
    app = screen.app
    app.notify(message, title=t("approval.key"))
    if app.screen is screen:
        app.pop_screen()
    refresh = getattr(app.screen, "refresh_data", None)
    if refresh is not None:
        refresh()


def field_title(table: str, field: str) -> str:
    """A field's name as the forms show it."""
    for key in (f"field.{label_name(field)}", f"{table}.{label_name(field)}", f"col.{field}"):
        if key in MESSAGES:
            return t(key)
    return field


def value_text(field: str, text: str | None) -> str:
    """A value of a request as the user reads it: a choice by its label, nothing as '-'."""
    if text in (None, ""):
        return "-"
    if field in CHOICES:
        return vocab.label(CHOICES[field], text, language())
    return text


@dataclass(frozen=True)
class Row:
    """One request as the screen shows it (read in the worker)."""

    id: int
    kind: str
    status: str
    table: str
    code: str
    customer_name: str
    who: str
    asked_at: object
    reason: str
    changes: tuple[approvals.Change, ...]
    title: str  # of the record, for a deletion
    decided_by: str
    decided_at: object
    note: str


def change_text(row: Row) -> str:
    if row.kind == approvals.DELETE:
        return t("approval.delete_change", kind=t(f"kind.{row.table}") if f"kind.{row.table}" in MESSAGES else row.table,
                 title=row.title)
    return "; ".join(f"{field_title(row.table, c.field)} {value_text(c.field, c.old)} -> {value_text(c.field, c.new)}"
                     for c in row.changes)


def _rows(query) -> list[Row]:
    rows = []
    for r in query:
        decider = r.decided_by.login if r.decided_by_id else ""
        rows.append(Row(id=r.id, kind=r.kind, status=r.status, table=r.table_name, code=r.customer.code,
                        customer_name=r.customer.name, who=r.requested_by.login, asked_at=r.requested_at,
                        reason=r.reason, changes=tuple(approvals.changes_of(r)),
                        title=str(approvals.payload(r).get("title", r.record_id)), decided_by=decider,
                        decided_at=r.decided_at, note=r.decision_note))
    return rows


class NoteScreen(TranslatedBindings, ModalScreen[str | None]):
    """Asks for the note of a rejection: Enter answers it, Esc gives up (None)."""

    DEFAULT_CSS = """
    NoteScreen { align: center middle; }
    #note { width: 60; max-width: 100%; height: auto; padding: 1 2; border: round $warning; background: $surface; }
    #note-question { text-style: bold; }
    #note-input { border: none; height: 1; margin: 1 0 0 0; padding: 0 1; background: $boost; }
    """
    BINDINGS = [Binding("escape", "cancel", "edit.cancel", id="approvals.note_cancel")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="note"):
            yield Static(self.question, id="note-question")
            yield Input(id="note-input")

    @on(Input.Submitted, "#note-input")
    def _answer(self) -> None:
        self.dismiss(self.query_one("#note-input", Input).value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ApprovalsScreen(ListScreen):  # its own ids for j and k
    DEFAULT_CSS = "#approval-detail { height: 3; padding: 0 1; background: $boost; }"
    BINDINGS = [Binding("escape", "app.pop_screen", "tui.back", id="approvals.back"),
                Binding("a", "approve", "approval.approve", id="approvals.approve"),
                Binding("r", "reject", "approval.reject", id="approvals.reject"),
                Binding("u", "renew", "approval.renew", id="approvals.renew"),
                Binding("w", "withdraw", "approval.withdraw", id="approvals.withdraw"),
                Binding("enter", "open", "approval.open", id="approvals.open", show=False),
                Binding("j", "cursor_down", "keys.down", show=False, id="approvals.down"),
                Binding("k", "cursor_up", "keys.up", show=False, id="approvals.up")]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, Row] = {}

    @property
    def decides(self) -> bool:
        """A manager or admin decides requests; a rep follows their own."""
        return self.app.rep.role in approvals.DECIDERS

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("approve", "reject"):
            return self.decides
        if action == "withdraw":
            return not self.decides
        return True

    def compose(self) -> ComposeResult:
        from kacrm_tui.app import StatusBar

        yield Static("", id="approval-title", classes="header")
        yield DataTable(id="approval-table", cursor_type="row")
        yield Static("", id="approval-detail")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        columns = ["id", "at", "code", "kind", "who", "change", "reason"]
        if not self.decides:
            columns.insert(4, "status")
        for key in columns:
            table.add_column(t("col.code" if key == "code" else f"approval.{key}"), key=key)
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, group="approvals")
    def load(self) -> None:
        rep = self.app.rep
        with database.connection_context():
            query = approvals.pending_for(rep) if rep.role in approvals.DECIDERS else approvals.requests_by(rep)
            rows = _rows(query.limit(500))
        self.app.call_from_thread(self._show, rows)

    def _show(self, rows: list[Row]) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        tz, lang = self.app.config.ui.tzinfo, language()
        self.rows = {}
        for row in rows:
            key = str(row.id)
            self.rows[key] = row
            cells = [str(row.id), f"{row.asked_at.astimezone(tz):%m-%d %H:%M}", row.code,
                     vocab.label(vocab.APPROVAL_KINDS, row.kind, lang), row.who, clip(change_text(row), 36),
                     clip(row.reason, 16)]
            if not self.decides:
                cells.insert(4, vocab.label(vocab.APPROVAL_STATUSES, row.status, lang))
            table.add_row(*cells, key=key)
        if rows:
            table.move_cursor(row=min(max(keep, 0), len(rows) - 1))
        title = "approval.title_manager" if self.decides else "approval.title_rep"
        self.query_one("#approval-title", Static).update(t(title, count=len(rows)))
        self._detail()

    def _selected(self) -> Row | None:
        return self.rows.get(cursor_key(self.query_one(DataTable)))

    @on(DataTable.RowHighlighted)
    def _detail(self) -> None:
        row = self._selected()
        text = t("approval.empty")
        if row is not None:
            tz, lang = self.app.config.ui.tzinfo, language()
            decision = ""
            if row.status != "pending":
                when = f"{row.decided_at.astimezone(tz):%Y-%m-%d %H:%M}" if row.decided_at else ""
                decision = t("approval.decided", status=vocab.label(vocab.APPROVAL_STATUSES, row.status, lang),
                             who=row.decided_by or "-", when=when, note=row.note)
            text = t("approval.detail", id=row.id, kind=vocab.label(vocab.APPROVAL_KINDS, row.kind, lang),
                     code=row.code, name=row.customer_name, who=row.who,
                     when=f"{row.asked_at.astimezone(tz):%Y-%m-%d %H:%M}", change=change_text(row),
                     reason=row.reason or "-", decision=decision)
        self.query_one("#approval-detail", Static).update(Text(text))

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        row = self._selected()
        if row is not None:
            self.open_customer(row.code)

    def _pending(self) -> Row | None:
        row = self._selected()
        if row is not None and row.status != "pending":
            self.app.notify(t("approval.not_pending"), severity="warning")
            return None
        return row

    def action_approve(self) -> None:
        row = self._pending()
        if row is not None:
            self._decide("approve", row.id, "")

    def action_reject(self) -> None:
        row = self._pending()
        if row is None:
            return

        def answered(note: str | None) -> None:
            if note is None:
                return
            if not note:
                self.app.notify(t("approval.note_needed"), severity="warning")
                return
            self._decide("reject", row.id, note)
        self.app.push_screen(NoteScreen(t("approval.note_prompt", id=row.id)), answered)

    def action_withdraw(self) -> None:
        row = self._pending()
        if row is not None:
            self._decide("withdraw", row.id, "")

    def action_renew(self) -> None:
        row = self._pending()
        if row is not None:
            self._decide("renew", row.id, "")

    @work(thread=True, exclusive=True, group="approvals-decide")
    def _decide(self, what: str, request_id: int, note: str) -> None:
        rep, notify = self.app.rep, self.app.notify
        with database.connection_context():
            try:
                request = approvals.get_request(request_id)
                getattr(approvals, what)(rep, request, note)
            except ConcurrentEdit:
                self.app.call_from_thread(notify, _moved(request), severity="warning", timeout=15)
            except KacrmError as exc:
                self.app.call_from_thread(notify, str(exc), severity="error")
            else:
                done = {"approve": "approval.approved", "reject": "approval.rejected", "withdraw": "approval.withdrawn",
                        "renew": "approval.renewed"}[what]
                self.app.call_from_thread(notify, t(done, id=request_id))
                if what == "approve":
                    self.app.call_from_thread(self._refresh_beneath)
        self.app.call_from_thread(self.load)

    def _refresh_beneath(self) -> None:
        stack = self.app.screen_stack
        beneath = stack[-2] if len(stack) > 1 and stack[-1] is self else None
        refresh = getattr(beneath, "refresh_data", None)
        if refresh is not None:
            refresh()


def _moved(request: ApprovalRequest) -> str:
    """What changed in the record since the request, for the manager (in a worker)."""
    news = "; ".join(f"{field_title(e.table_name, e.field)} {value_text(e.field, e.old_value)} -> "
                     f"{value_text(e.field, e.new_value)} ({e.actor_login})" for e in approvals.changed_since(request))
    return t("approval.moved", id=request.id, changes=news or "-")
