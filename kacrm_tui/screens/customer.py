"""One customer: a header with the figures that matter and twelve months of sales, and tabs for
the archive, contacts, visits, contracts, opportunities, complaints, the ledger and evaluations.
Read through the access rule: a customer the user may not see is never shown. On the tabs of
records, `n` adds one and `m` (or Enter) changes the selected one, in a form."""
from __future__ import annotations

import asyncio

from peewee import JOIN, fn
from rich.markup import escape
from textual import work
from textual.worker import get_current_worker
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Sparkline, Static, TabbedContent, TabPane

from kacrm_tui.i18n import language, t
from kacrm_tui.screens.base import DataScreen, cursor_key
from kacrm_tui.screens.history import HistoryView
from kacrm_tui.widgets.gc_pause import gc_pause
from kacrm_tui.widgets.table import Table
from schema import access, archive, clock, vocab
from schema.activities import weighted_cents
from schema.db import database
from schema.evaluation import Scorecard, scorecards
from schema.models import (Complaint, Contact, Contract, Customer, Evaluation, Opportunity, Order, Payment, Posting,
                           Rep, Visit)
from schema.money import format_money
from schema.periods import add_months, last_twelve_months, month_key, raw_rows

# the archive tab: each part of the customer file with its fields, the derived ones included
ARCHIVE_FIELDS = {part: names + archive.DERIVED.get(part, ()) for part, names in archive.PARTS.items()}
LEDGER_ROWS = 200  # the latest postings, each with the balance after it
# the tabs after the archive, in order: tab -> its table
TABLE_TABS = {"contacts": "contact-table", "visits": "visit-table", "contracts": "contract-table",
              "opportunities": "opportunity-table", "complaints": "complaint-table", "ledger": "ledger-table",
              "evaluation": "evaluation-table"}
# the tabs whose rows are records a rep adds (n) and changes (m, Enter): tab -> its table
RECORD_TABS = {tab: TABLE_TABS[tab] for tab in ("contacts", "contracts", "opportunities", "complaints")}


class CustomerScreen(DataScreen):
    BINDINGS = [Binding("escape", "app.pop_screen", "tui.back", id="customer.back"),
                Binding("n", "new_record", "record.new_key", id="customer.new_record"),
                Binding("m", "edit_record", "record.edit_key", id="customer.edit_record"),
                Binding("e", "edit", "edit.key", id="customer.edit"),
                Binding("h", "history", "history.key", id="customer.history"),
                Binding("r", "restore", "history.restore", id="customer.restore"),
                Binding("delete,x", "delete_record", "delete.key", show=False, id="customer.delete"),
                Binding("v", "visit", "visit.key", id="customer.visit"),
                Binding("k", "evaluate", "evaluation.key", id="customer.evaluate")]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.sales_12m = ""

    def compose(self) -> ComposeResult:
        from kacrm_tui.app import StatusBar

        gc_pause.pause(self)  # until the header is drawn

        with Horizontal(id="customer-head"):
            yield Static("", id="header", classes="header")
            yield Sparkline([], id="sales-spark")
        with TabbedContent():
            with TabPane(t("tab.archive"), id="archive"):
                yield VerticalScroll(Static("", id="archive-fields"))
            for tab in TABLE_TABS:  # their tables are mounted once the header is shown (a third of the widgets)
                yield TabPane(t(f"tab.{tab}"), id=tab)
            yield TabPane(t("tab.history"), id="history")  # the trail (修改记录): read when first shown
        yield StatusBar(id="status")
        yield Footer()

    def action_history(self) -> None:
        from kacrm_tui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen(self.customer_id))

    def action_delete_record(self) -> None:
        from kacrm_tui.screens.confirm import delete_under_cursor

        delete_under_cursor(self)

    def action_visit(self) -> None:
        from kacrm_tui.screens.visit_form import VisitFormScreen

        self.app.push_screen(VisitFormScreen(self.customer_id))

    def action_evaluate(self) -> None:
        from kacrm_tui.screens.evaluation_form import EvaluationFormScreen

        self.app.push_screen(EvaluationFormScreen(self.customer_id))

    def action_edit(self) -> None:
        from kacrm_tui.screens.archive_edit import ArchiveEditScreen

        self.app.push_screen(ArchiveEditScreen(self.customer_id))

    def _record_tab(self) -> str | None:
        active = self.query_one(TabbedContent).active
        return active if active in RECORD_TABS else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("new_record", "edit_record"):
            return self._record_tab() is not None  # hidden from the footer on the other tabs
        if action == "restore":
            return self.query_one(TabbedContent).active == "history"
        return True

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()
        if event.pane.id == "history" and not self.query(HistoryView):
            view = HistoryView(self.customer_id)  # a customer gone is the header's to tell (load)
            await event.pane.mount(view)
            view.load()

    def refresh_data(self) -> None:
        super().refresh_data()
        for view in self.query(HistoryView):  # the trail, once it was shown
            view.load()

    def action_restore(self) -> None:
        """`r` on the history tab: the old value of the change under the cursor back."""
        for view in self.query(HistoryView):
            view.restore()

    def _open_form(self, tab: str, record_id: int | None) -> None:
        from kacrm_tui.screens.complaint_form import ComplaintFormScreen
        from kacrm_tui.screens.contact_form import ContactFormScreen
        from kacrm_tui.screens.contract_form import ContractFormScreen
        from kacrm_tui.screens.opportunity_form import OpportunityFormScreen

        form = {"contacts": ContactFormScreen, "contracts": ContractFormScreen,
                "opportunities": OpportunityFormScreen, "complaints": ComplaintFormScreen}[tab]
        self.app.push_screen(form(self.customer_id, record_id))

    def action_new_record(self) -> None:
        tab = self._record_tab()
        if tab is not None:
            self._open_form(tab, None)

    def action_edit_record(self) -> None:
        tab = self._record_tab()
        if tab is None:
            return
        key = cursor_key(self.query_one(f"#{RECORD_TABS[tab]}", DataTable))
        if key is not None:
            self._open_form(tab, int(key))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a record's row changes it."""
        tab = self._record_tab()
        if tab is not None and event.data_table.id == RECORD_TABS[tab]:
            self._open_form(tab, int(event.row_key.value))

    @work(thread=True, exclusive=True, group="customer")
    def load(self) -> None:
        """The header and the archive first (what the user reads on opening: three quick queries),
        then the other tabs in a second worker."""
        with database.connection_context():
            customer = access.visible_customers(self.app.rep).where(Customer.id == self.customer_id).first()
            if customer is None:
                self.app.call_from_thread(self.app.pop_screen)
                return
            owner = Rep.get_by_id(customer.owner_id)
            sales = _monthly_sales(customer)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_head, customer, owner, sales)

    @work(thread=True, exclusive=True, group="customer-tabs")
    def load_tabs(self, customer: Customer) -> None:
        """The records of the other tabs, each one query (the latest LEDGER_ROWS postings)."""
        with database.connection_context():
            contacts = list(Contact.live().where(Contact.customer == customer).order_by(Contact.is_primary.desc(),
                                                                                       Contact.name))
            visits = list(Visit.select(Visit, Rep.login).join(Rep).where((Visit.customer == customer)
                                                                         & Visit.deleted_at.is_null())
                          .order_by(Visit.at.desc()).limit(200))
            postings = list(Posting.select(Posting.posted_on, Posting.kind, Posting.amount_cents, Posting.reason,
                                           Order.order_no, Payment.payment_ref)
                            .join(Order, JOIN.LEFT_OUTER, on=(Posting.order == Order.id))
                            .switch(Posting).join(Payment, JOIN.LEFT_OUTER, on=(Posting.payment == Payment.id))
                            .where(Posting.customer == customer)
                            .order_by(Posting.posted_on.desc(), Posting.created_at.desc()).limit(LEDGER_ROWS).dicts())
            # the scorecards of this one customer: it is visible (load() checked), so no access subquery
            cards = scorecards(self.app.rep, codes=(customer.code,)) if Evaluation.select().where(
                (Evaluation.customer == customer) & Evaluation.deleted_at.is_null()).exists() else []
            contracts = list(Contract.live().where(Contract.customer == customer)
                             .order_by(Contract.end_on.desc(), Contract.id.desc()))
            opportunities = list(Opportunity.live().where(Opportunity.customer == customer)
                                 .order_by(Opportunity.expected_close_on.desc(), Opportunity.id.desc()))
            complaints = list(Complaint.live().where(Complaint.customer == customer)
                              .order_by(Complaint.received_on.desc(), Complaint.id.desc()))
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_records, contracts, opportunities, complaints)
            self.app.call_from_thread(self._show, customer, contacts, visits, postings, cards)

    async def _show_head(self, customer: Customer, owner: Rep, sales: list[int]) -> None:
        lang = language()
        self.query_one("#sales-spark", Sparkline).data = sales
        self.sales_12m = format_money(sum(sales), grouping=True)
        limit = format_money(customer.credit_limit_cents, grouping=True) if customer.credit_limit_cents else "-"
        self.query_one("#header", Static).update(
            f"[b]{customer.code}  {customer.name}[/b]  {t('col.grade')} {customer.grade}  "
            f"{t('col.owner')} {owner.name}\n"
            f"{t('col.balance')} {format_money(customer.balance_cents, grouping=True)} / {t('col.limit')} {limit}  "
            f"{t('col.sales_12m')} {self.sales_12m}")
        lines = []
        for part, names in ARCHIVE_FIELDS.items():
            lines.append(f"{chr(10) if lines else ''}[b]{t('archive.part.' + part)}[/b]")
            lines += [f"  {t('field.' + archive.label_name(name))}: "
                      f"{escape(archive.as_text(name, getattr(customer, name), lang, label=True))}" for name in names]
        self.query_one("#archive-fields", Static).update("\n".join(lines))
        gc_pause.resume_after_frame(self)
        if not self.query(Table):  # the first time: the header is drawn in the next frame, the tables after it
            await asyncio.gather(*(self.query_one(f"#{tab}", TabPane).mount(Table(id=table, cursor_type="row"))
                                   for tab, table in TABLE_TABS.items()))
        self.load_tabs(customer)

    def _show_records(self, contracts: list[Contract], opportunities: list[Opportunity],
                      complaints: list[Complaint]) -> None:
        lang = language()
        rows = [(str(c.id), c.number, c.title[:24], _day(c.start_on), _day(c.end_on),
                 format_money(c.amount_cents, grouping=True), vocab.label(vocab.CONTRACT_STATUSES, c.status, lang),
                 c.credit_days, format_money(c.entry_fee_cents + c.promotion_fee_cents + c.other_fee_cents, grouping=True),
                 f"{c.rebate_basis_points / 100:.2f}") for c in contracts]
        _refill(self.query_one("#contract-table", DataTable), rows,
                ("contract.number", "contract.title", "contract.start_on", "contract.end_on", "contract.amount",
                 "col.status", "field.credit_days", "contract.fees", "contract.rebate_percent"))
        rows = [(str(o.id), o.title[:30], vocab.label(vocab.OPPORTUNITY_STAGES, o.stage, lang),
                 format_money(o.amount_cents, grouping=True), o.probability_percent,
                 format_money(weighted_cents(o), grouping=True), _day(o.expected_close_on)) for o in opportunities]
        _refill(self.query_one("#opportunity-table", DataTable), rows,
                ("opportunity.title", "col.funnel_stage", "col.amount", "opportunity.probability", "col.weighted",
                 "opportunity.expected_close_on"))
        rows = [(str(c.id), _day(c.received_on), vocab.label(vocab.COMPLAINT_KINDS, c.kind, lang),
                 vocab.label(vocab.SEVERITIES, c.severity, lang), c.subject[:30],
                 vocab.label(vocab.COMPLAINT_STATUSES, c.status, lang), format_money(c.discount_cents, grouping=True))
                for c in complaints]
        _refill(self.query_one("#complaint-table", DataTable), rows,
                ("complaint.received_on", "col.kind", "complaint.severity", "complaint.subject", "col.status",
                 "complaint.discount"))

    def _show(self, customer: Customer, contacts: list[Contact], visits: list[Visit], postings: list[dict],
              cards: list[Scorecard]) -> None:
        lang = language()
        table = self.query_one("#contact-table", DataTable)
        table.clear(columns=True)
        table.add_columns(t("col.name"), t("col.title"), t("col.role"), t("col.stage"), t("col.mobile"))
        for c in contacts:
            table.add_row(c.name, c.title, vocab.label(vocab.BUYING_ROLES, c.buying_role, lang),
                          vocab.label(vocab.RELATIONSHIP_STAGES, c.stage, lang), c.mobile, key=str(c.id))
        tz = self.app.config.ui.tzinfo
        table = self.query_one("#visit-table", DataTable)
        table.clear(columns=True)
        table.add_columns(t("col.date"), t("col.kind"), t("col.status"), t("col.rep"), t("col.summary"),
                          t("visit.next_step"), t("visit.follow_up_on"))
        for v in visits:
            table.add_row(f"{v.at.astimezone(tz):%Y-%m-%d %H:%M}", vocab.label(vocab.VISIT_KINDS, v.kind, lang),
                          vocab.label(vocab.VISIT_STATUSES, v.status, lang), v.rep.login, v.summary[:40],
                          v.next_step[:30], v.follow_up_on.isoformat() if v.follow_up_on else "")
        ledger = self.query_one("#ledger-table", DataTable)
        ledger.clear(columns=True)
        ledger.add_columns(t("col.date"), t("col.kind"), t("col.document"), t("col.amount"), t("col.balance"))
        for entry, after in zip(postings, running_balances(customer.balance_cents, postings)):
            ledger.add_row(entry["posted_on"].isoformat(), vocab.label(vocab.LEDGER_KINDS, entry["kind"], lang),
                           entry["order_no"] or entry["payment_ref"] or entry["reason"][:30],
                           format_money(entry["amount_cents"], grouping=True), format_money(after, grouping=True))
        table = self.query_one("#evaluation-table", DataTable)
        table.clear(columns=True)
        table.add_columns(t("col.period"), t("col.ability"), t("col.attitude"), t("col.results"), t("col.score"),
                          t("col.band"), t("col.trainings"), t("col.notes"))
        for card in reversed(cards):  # the latest period first
            table.add_row(card.period, card.ability, card.attitude, card.results, card.score,
                          vocab.label(vocab.EVALUATION_BANDS, card.band, lang), card.trainings, card.notes[:30])


def running_balances(balance_cents: int, postings: list[dict]) -> list[int]:
    """The balance after each posting, newest first, from the cached balance (the sum of every
    posting) back: a page of the latest postings needs no sum over the older ones."""
    out = []
    for entry in postings:
        out.append(balance_cents)
        balance_cents -= entry["amount_cents"]
    return out


def _day(day) -> str:
    return day.isoformat() if day else ""


def _refill(table: DataTable, rows: list[tuple], columns: tuple[str, ...]) -> None:
    """Rows keyed by the record's id (the first item), the cursor kept on the same row."""
    row = table.cursor_row
    table.clear(columns=True)
    table.add_columns(*(t(key) for key in columns))
    for key, *cells in rows:
        table.add_row(*cells, key=key)
    if rows:
        table.move_cursor(row=min(row, len(rows) - 1))


def _monthly_sales(customer: Customer) -> list[int]:
    """The customer's net order amount (returns less) in each of the last twelve months, oldest first."""
    first, last = last_twelve_months(clock.today())
    month = month_key(Order.order_date)
    query = (Order.select(month, fn.SUM(Order.amount_cents))
             .where((Order.customer == customer) & (Order.order_date >= first) & (Order.order_date <= last))
             .group_by(month))
    totals = {key: int(cents or 0) for key, cents in raw_rows(query)}
    return [totals.get(f"{add_months(first, i):%Y-%m}", 0) for i in range(12)]
