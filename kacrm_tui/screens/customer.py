"""One customer: a header with the figures that matter, and tabs for the archive, contacts and
the ledger. Read through the access rule: a customer the user may not see is never shown."""
from __future__ import annotations

from peewee import JOIN
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from kacrm_tui.i18n import language, t
from kacrm_tui.screens.base import DataScreen
from schema import access, vocab
from schema.db import database
from schema.evaluation import Scorecard, scorecards
from schema.models import Contact, Customer, Order, Payment, Posting, Rep, Visit
from schema.money import format_money

ARCHIVE_FIELDS = ("address", "phone", "industry", "legal_rep", "credit_days", "lifecycle", "channel",
                  "first_deal_date")
CHOICES = {"lifecycle": vocab.LIFECYCLES, "channel": vocab.CHANNELS}


class CustomerScreen(DataScreen):
    BINDINGS = [Binding("escape", "app.pop_screen", t("tui.back"), id="customer.back"),
                Binding("e", "edit", t("edit.key"), id="customer.edit"),
                Binding("v", "visit", t("visit.key"), id="customer.visit"),
                Binding("k", "evaluate", t("evaluation.key"), id="customer.evaluate")]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id

    def compose(self) -> ComposeResult:
        from kacrm_tui.app import StatusBar

        yield Static("", id="header", classes="header")
        with TabbedContent():
            with TabPane(t("tab.archive"), id="archive"):
                yield VerticalScroll(Static("", id="archive-fields"))
            with TabPane(t("tab.contacts"), id="contacts"):
                yield DataTable(id="contact-table", cursor_type="row")
            with TabPane(t("tab.visits"), id="visits"):
                yield DataTable(id="visit-table", cursor_type="row")
            with TabPane(t("tab.ledger"), id="ledger"):
                yield DataTable(id="ledger-table", cursor_type="row")
            with TabPane(t("tab.evaluation"), id="evaluation"):
                yield DataTable(id="evaluation-table", cursor_type="row")
        yield StatusBar(id="status")
        yield Footer()

    def action_visit(self) -> None:
        from kacrm_tui.screens.visit_form import VisitFormScreen

        self.app.push_screen(VisitFormScreen(self.customer_id))

    def action_evaluate(self) -> None:
        from kacrm_tui.screens.evaluation_form import EvaluationFormScreen

        self.app.push_screen(EvaluationFormScreen(self.customer_id))

    def action_edit(self) -> None:
        from kacrm_tui.screens.archive_edit import ArchiveEditScreen

        self.app.push_screen(ArchiveEditScreen(self.customer_id))

    @work(thread=True, exclusive=True, group="customer")
    def load(self) -> None:
        with database.connection_context():
            customer = access.visible_customers(self.app.rep).where(Customer.id == self.customer_id).first()
            if customer is None:
                self.app.call_from_thread(self.app.pop_screen)
                return
            owner = Rep.get_by_id(customer.owner_id)
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
                            .order_by(Posting.posted_on.desc(), Posting.created_at.desc()).limit(200).dicts())
            cards = scorecards(self.app.rep, codes=(customer.code,))
        self.app.call_from_thread(self._show, customer, owner, contacts, visits, postings, cards)

    def _show(self, customer: Customer, owner: Rep, contacts: list[Contact], visits: list[Visit],
              postings: list[dict], cards: list[Scorecard]) -> None:
        lang = language()
        limit = format_money(customer.credit_limit_cents, grouping=True) if customer.credit_limit_cents else "-"
        self.query_one("#header", Static).update(
            f"[b]{customer.code}  {customer.name}[/b]  {t('col.grade')} {customer.grade}  "
            f"{t('col.owner')} {owner.name}\n"
            f"{t('col.balance')} {format_money(customer.balance_cents, grouping=True)} / {t('col.limit')} {limit}")
        lines = []
        for name in ARCHIVE_FIELDS:
            value = getattr(customer, name)
            if name in CHOICES:
                value = vocab.label(CHOICES[name], value, lang)
            lines.append(f"{t('field.' + name)}: {'' if value is None else value}")
        self.query_one("#archive-fields", Static).update("\n".join(lines))
        table = self.query_one("#contact-table", DataTable)
        table.clear(columns=True)
        table.add_columns(t("col.name"), t("col.title"), t("col.role"), t("col.stage"), t("col.mobile"))
        for c in contacts:
            table.add_row(c.name, c.title, vocab.label(vocab.BUYING_ROLES, c.buying_role, lang),
                          vocab.label(vocab.RELATIONSHIP_STAGES, c.stage, lang), c.mobile)
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
        ledger.add_columns(t("col.date"), t("col.kind"), t("col.document"), t("col.amount"))
        for entry in postings:
            ledger.add_row(entry["posted_on"].isoformat(), vocab.label(vocab.LEDGER_KINDS, entry["kind"], lang),
                           entry["order_no"] or entry["payment_ref"] or entry["reason"][:30],
                           format_money(entry["amount_cents"], grouping=True))
        table = self.query_one("#evaluation-table", DataTable)
        table.clear(columns=True)
        table.add_columns(t("col.period"), t("col.ability"), t("col.attitude"), t("col.results"), t("col.score"),
                          t("col.band"), t("col.trainings"), t("col.notes"))
        for card in reversed(cards):  # the latest period first
            table.add_row(card.period, card.ability, card.attitude, card.results, card.score,
                          vocab.label(vocab.EVALUATION_BANDS, card.band, lang), card.trainings, card.notes[:30])
