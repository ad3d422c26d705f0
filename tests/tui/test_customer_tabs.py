"""The customer screen's record tabs from the keyboard: add and change a contract, a complaint
and a contact, see them in their tabs; a bad value is named in the form's message line; an edit
someone else saved meanwhile is refused and says who."""
from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import DataTable, Input, Select, Sparkline, Static, TabbedContent

from kacrm_tui.app import make_app
from kacrm_tui.demo.build import build_demo
from kacrm_tui.screens.complaint_form import ComplaintFormScreen
from kacrm_tui.screens.contact_form import ContactFormScreen
from kacrm_tui.screens.contract_form import ContractFormScreen
from kacrm_tui.screens.customer import CustomerScreen
from kacrm_tui.screens.form import LongText
from schema.audit import audited_update, history
from schema.config import load_config
from schema.db import open_database
from schema.models import Complaint, Contact, Contract, Customer, Rep
from tests.tui.pilot import settle

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tabsdemo")
    build_demo(directory, 30, 5, today=TODAY)
    return directory


@pytest.fixture
def opened(demo, monkeypatch):
    monkeypatch.setenv("KACRM_NOW", "2026-11-20T09:00:00+08:00")
    db = open_database(str(demo / "kacrm.db"))
    yield db
    db.close()


@pytest.fixture
def rep(opened) -> Rep:
    return Rep.select().where(Rep.role == "rep").order_by(Rep.login).first()


@pytest.fixture
def customer(rep) -> Customer:
    return Customer.select().where(Customer.owner == rep).order_by(Customer.code).first()


async def open_tab(app, pilot, customer: Customer, tab: str) -> CustomerScreen:
    """The customer's screen, moved to `tab` with the arrow keys over the tab strip."""
    await settle(app, pilot)
    app.push_screen(CustomerScreen(customer.id))
    await settle(app, pilot)
    screen = app.screen
    for _ in range(8):
        if screen.query_one(TabbedContent).active == tab:
            break
        await pilot.press("right")
        await pilot.pause()
    assert screen.query_one(TabbedContent).active == tab
    return screen


def cells(screen, table_id: str, record_id: int) -> list[str]:
    table = screen.query_one(f"#{table_id}", DataTable)
    return [str(cell) for cell in table.get_row(str(record_id))]


async def select_row(screen, pilot, table_id: str, record_id: int) -> None:
    """Tab into the table and move the cursor down to the record's row."""
    table = screen.query_one(f"#{table_id}", DataTable)
    await pilot.press("tab")
    await pilot.pause()
    assert screen.app.focused is table
    for _ in range(table.get_row_index(str(record_id))):
        await pilot.press("down")
    await pilot.pause()


async def save(app, pilot) -> None:
    await pilot.press("ctrl+s")
    await settle(app, pilot)
    await settle(app, pilot)  # the screen beneath reads its data again


def message(form) -> str:
    return str(form.query_one("#edit-message", Static).render())


async def test_add_and_change_a_contract(demo, opened, rep, customer):
    app = make_app(load_config(None, cwd=demo), rep, "kacrm.db")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_tab(app, pilot, customer, "contracts")
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ContractFormScreen)
        assert form.query_one("#r-start_on", Input).value == "2026-11-20"
        assert form.query_one("#r-end_on", Input).value == "2027-11-19"
        await pilot.press(*"HT-TEST-0001")  # the number has the focus
        form.query_one("#r-title", Input).value = "年度供货合同"
        form.query_one("#r-end_on", Input).value = "2027-13-01"
        form.query_one("#r-amount", Input).value = "1,200,000"
        form.query_one("#r-entry_fee", Input).value = "5000"
        form.query_one("#r-rebate_percent", Input).value = "2.5"
        await save(app, pilot)
        assert app.screen is form
        assert "结束日期" in message(form) and "YYYY-MM-DD" in message(form)  # the bad date, by its label
        assert app.focused is form.query_one("#r-end_on", Input)
        form.query_one("#r-end_on", Input).value = "2026-10-01"
        await save(app, pilot)
        assert "结束日期" in message(form) and "不能早于开始日期" in message(form)
        form.query_one("#r-end_on", Input).value = "2027-11-19"
        form.query_one("#r-status", Select).value = "active"
        await save(app, pilot)
        assert app.screen is screen
        contract = Contract.get(Contract.number == "HT-TEST-0001")
        assert cells(screen, "contract-table", contract.id) == [
            "HT-TEST-0001", "年度供货合同", "2026-11-20", "2027-11-19", "1,200,000.00", "生效",
            str(customer.credit_days), "5,000.00", "2.50"]
        assert (contract.amount_cents, contract.rebate_basis_points, contract.handler_id) == (120_000_000, 250, rep.id)

        await select_row(screen, pilot, "contract-table", contract.id)
        await pilot.press("m")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ContractFormScreen)
        assert form.query_one("#r-amount", Input).value == "1200000.00"
        form.query_one("#r-amount", Input).value = "1300000"
        await save(app, pilot)
        assert "修改原因" in message(form)  # an edit says why
        form.query_one("#r-reason", Input).value = "客户追加采购"
        await save(app, pilot)
        assert app.screen is screen
        assert cells(screen, "contract-table", contract.id)[4] == "1,300,000.00"
    changed = [e for e in history("contract", contract.id) if e.field == "amount_cents"]
    assert [(e.actor_login, e.old_value, e.new_value, e.reason) for e in changed] == \
        [(rep.login, "1200000.00", "1300000.00", "客户追加采购")]


async def test_add_and_resolve_a_complaint(demo, opened, rep, customer):
    app = make_app(load_config(None, cwd=demo), rep, "kacrm.db")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_tab(app, pilot, customer, "complaints")
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ComplaintFormScreen)
        await save(app, pilot)
        assert "主题" in message(form) and "必填" in message(form)
        form.query_one("#r-subject", Input).value = "到货包装破损"
        form.query_one("#r-severity", Select).value = "high"
        await save(app, pilot)
        assert app.screen is screen
        complaint = Complaint.get((Complaint.customer == customer) & (Complaint.subject == "到货包装破损"))
        assert cells(screen, "complaint-table", complaint.id) == [
            "2026-11-20", "投诉", "高", "到货包装破损", "待处理", "0.00"]

        await select_row(screen, pilot, "complaint-table", complaint.id)
        await pilot.press("enter")  # Enter on a row changes it too
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ComplaintFormScreen)
        form.query_one("#r-status", Select).value = "resolved"
        form.query_one("#r-reason", Input).value = "已补发"
        await save(app, pilot)
        assert "处理结果" in message(form)  # resolved needs the resolution
        form.query_one("#r-resolution", LongText).value = "补发并折价"
        form.query_one("#r-resolved_on", Input).value = "2026-11-21"
        form.query_one("#r-discount", Input).value = "800"
        await save(app, pilot)
        assert app.screen is screen, message(form)
        assert cells(screen, "complaint-table", complaint.id)[4:] == ["已解决", "800.00"]
    fresh = Complaint.get_by_id(complaint.id)
    assert (fresh.status, fresh.discount_cents, fresh.resolved_on, fresh.version) == \
        ("resolved", 80_000, dt.date(2026, 11, 21), 2)


async def test_add_and_change_a_contact(demo, opened, rep, customer):
    app = make_app(load_config(None, cwd=demo), rep, "kacrm.db")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_tab(app, pilot, customer, "contacts")
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ContactFormScreen)
        form.query_one("#r-name", Input).value = "欧阳明"
        form.query_one("#r-buying_role", Select).value = "decision_maker"
        form.query_one("#r-mobile", Input).value = "13900001234"
        form.query_one("#r-birthday", Input).value = "02-30"
        await save(app, pilot)
        assert "生日" in message(form)
        form.query_one("#r-birthday", Input).value = "02-29"
        await save(app, pilot)
        assert app.screen is screen
        contact = Contact.get((Contact.customer == customer) & (Contact.name == "欧阳明"))
        assert cells(screen, "contact-table", contact.id) == ["欧阳明", "", "决策者", "认识", "13900001234"]

        await select_row(screen, pilot, "contact-table", contact.id)
        await pilot.press("m")
        await settle(app, pilot)
        form = app.screen
        assert form.query_one("#r-birthday", Input).value == "02-29"
        form.query_one("#r-stage", Select).value = "trust"
        form.query_one("#r-reason", Input).value = "多次拜访"
        await save(app, pilot)
        assert app.screen is screen
        assert cells(screen, "contact-table", contact.id)[3] == "信赖"


async def test_an_edit_saved_by_someone_else_is_refused_and_says_who(demo, opened, rep, customer):
    manager = Rep.get(Rep.login == "demo")
    contract = Contract.select().where(Contract.customer == customer).first() or Contract.create(
        number="HT-CONFLICT", title="框架合同", customer=customer, start_on=TODAY, end_on=TODAY)
    app = make_app(load_config(None, cwd=demo), rep, "kacrm.db")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_tab(app, pilot, customer, "contracts")
        await select_row(screen, pilot, "contract-table", contract.id)
        await pilot.press("m")
        await settle(app, pilot)
        form = app.screen
        form.query_one("#r-special_terms", LongText).value = "mine"
        form.query_one("#r-reason", Input).value = "mine"
        audited_update(Contract.get_by_id(contract.id), {"special_terms": "theirs"}, actor=manager, reason="theirs")
        await save(app, pilot)
        assert app.screen is form
        assert "demo" in message(form) and "ctrl+r" in message(form)
        assert Contract.get_by_id(contract.id).special_terms == "theirs"
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert form.query_one("#r-special_terms", LongText).value == "theirs"


async def test_the_header_has_twelve_months_of_sales(demo, opened, rep, customer):
    app = make_app(load_config(None, cwd=demo), rep, "kacrm.db")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_tab(app, pilot, customer, "archive")
        data = list(screen.query_one("#sales-spark", Sparkline).data)
        assert len(data) == 12 and any(data)
        assert "近12月销售" in str(screen.query_one("#header", Static).render())
