"""Credit-control alerts raised by the daemon, for the customers the user may see; `x`
acknowledges the one under the cursor (it stays until its cause is gone)."""
from __future__ import annotations

from peewee import JOIN
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from kacrm_tui.i18n import language, t
from kacrm_tui.screens.base import ListScreen, cursor_key
from schema import access, clock, vocab
from schema.alerts import acknowledge
from schema.db import database
from schema.models import Alert, Customer, Order, Rep
from schema.money import format_money


class AlertsScreen(ListScreen):
    BINDINGS = [Binding("escape", "app.pop_screen", "tui.back", id="alerts.back"),
                Binding("x", "acknowledge", "alerts.ack", id="alerts.ack"),
                Binding("enter", "open", "tui.open", id="alerts.open", show=False)]

    def compose(self) -> ComposeResult:
        from kacrm_tui.app import StatusBar

        yield Static(t("alerts.title"), classes="header")
        yield DataTable(id="alert-table", cursor_type="row")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in ("raised", "code", "customer_name", "kind", "amount", "details", "acknowledged"):
            table.add_column(t(f"alerts.{key}" if key not in ("code", "customer_name") else f"col.{key}"), key=key)
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, group="alerts")
    def load(self) -> None:
        with database.connection_context():
            visible = access.visible_customers(self.app.rep).select(Customer.id)
            acker = Rep.alias()
            rows = list(Alert.select(Alert.id, Alert.raised_at, Customer.code, Customer.name, Alert.kind,
                                     Alert.amount_cents, Customer.credit_limit_cents, Order.order_no, Order.due_date,
                                     acker.login, Alert.customer)
                        .join(Customer, on=(Alert.customer == Customer.id))
                        .join_from(Alert, Order, join_type=JOIN.LEFT_OUTER, on=(Alert.order == Order.id))
                        .join_from(Alert, acker, join_type=JOIN.LEFT_OUTER, on=(Alert.acknowledged_by == acker.id))
                        .where(Alert.resolved_at.is_null() & Alert.customer.in_(visible))
                        .order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(500).tuples())
        self.app.call_from_thread(self._show, rows)

    def _show(self, rows: list[tuple]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        tz, lang = self.app.config.ui.tzinfo, language()
        today = clock.today()
        for alert_id, raised, code, name, kind, cents, limit, order_no, due, acked, customer_id in rows:
            # the details in the reader's language, from the alert's figures (the stored text is the daemon's)
            if kind == "credit_limit":
                details = t("alerts.over_limit", limit=format_money(limit, grouping=True))
            else:
                details = t("alerts.oldest", order=order_no or "-", due=due or "-",
                            days=(today - due).days if due else "-")
            table.add_row(f"{raised.astimezone(tz):%Y-%m-%d %H:%M}", code, name, vocab.label(vocab.ALERT_KINDS, kind, lang),
                          Text(format_money(cents, grouping=True), justify="right"), details, acked or "",
                          key=f"{alert_id}:{customer_id}")

    def _selected(self) -> tuple[int, int] | None:
        key = cursor_key(self.query_one(DataTable))
        if key is None:
            return None
        alert_id, customer_id = key.split(":")
        return int(alert_id), int(customer_id)

    def action_acknowledge(self) -> None:
        chosen = self._selected()
        if chosen is not None:
            self._acknowledge(chosen[0])

    @work(thread=True, exclusive=True, group="alerts")
    def _acknowledge(self, alert_id: int) -> None:
        with database.connection_context():
            acknowledge(Alert.get_by_id(alert_id), self.app.rep)
        self.app.call_from_thread(self.load)

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        from kacrm_tui.screens.customer import CustomerScreen

        chosen = self._selected()
        if chosen is not None:
            self.app.push_screen(CustomerScreen(chosen[1]))
