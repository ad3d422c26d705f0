"""The customer screen's record tabs from the keyboard: add and change a contract, a complaint
and a contact, see them in their tabs; a bad value is named in the form's message line; an edit
someone else saved meanwhile is refused and says who."""
from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import DataTable, Input, Select, Sparkline, Static, TabbedContent

from kacrm_tui.screens.complaint_form import ComplaintFormScreen
from kacrm_tui.screens.contact_form import ContactFormScreen
from kacrm_tui.screens.contract_form import ContractFormScreen
from kacrm_tui.screens.customer import CustomerScreen
from kacrm_tui.screens.form import LongText
from schema.audit import audited_update, history
from schema.models import Complaint, Contact, Contract, Customer, Rep
from tests.tui.pilot import TODAY, fill, open_customer, press_for, settle

pytestmark = pytest.mark.usefixtures("frozen_clock")


async def open_tab(app, pilot, customer: Customer, tab: str) -> CustomerScreen:
    """The customer's screen, moved to `tab` with the arrow keys over the tab strip."""
    await settle(app, pilot)
    screen = await open_customer(app, pilot, customer)
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


async def new_record(app, pilot, customer: Customer, tab: str, form_type) -> tuple[CustomerScreen, object]:
    """The customer's `tab`, and the form for a new record of it (`n`)."""
    screen = await open_tab(app, pilot, customer, tab)
    return screen, await press_for(app, pilot, "n", form_type)


async def change_record(app, pilot, screen, table_id: str, record_id: int, key: str = "m"):
    """The form of the record on `table_id`'s row of `record_id`, opened with `key`."""
    await select_row(screen, pilot, table_id, record_id)
    await pilot.press(key)
    await settle(app, pilot)
    return app.screen


async def save(app, pilot) -> None:
    await pilot.press("ctrl+s")
    await settle(app, pilot)
    await settle(app, pilot)  # the screen beneath reads its data again


def message(form) -> str:
    return str(form.query_one("#edit-message", Static).render())


async def test_add_and_change_a_contract(app_for, rep, customer):
    app = app_for(rep)
    async with app.run_test(size=(120, 40)) as pilot:
        screen, form = await new_record(app, pilot, customer, "contracts", ContractFormScreen)
        assert form.query_one("#r-start_on", Input).value == "2026-11-20"
        assert form.query_one("#r-end_on", Input).value == "2027-11-19"
        await pilot.press(*"HT-TEST-0001")  # the number has the focus
        fill(form, {"#r-title": "年度供货合同", "#r-end_on": "2027-13-01", "#r-amount": "1,200,000",
                    "#r-entry_fee": "5000", "#r-rebate_percent": "2.5"})
        await save(app, pilot)
        assert app.screen is form
        assert "结束日期" in message(form) and "YYYY-MM-DD" in message(form)  # the bad date, by its label
        assert app.focused is form.query_one("#r-end_on", Input)
        form.query_one("#r-end_on", Input).value = "2026-10-01"
        await save(app, pilot)
        assert "结束日期" in message(form) and "不能早于开始日期" in message(form)
        fill(form, {"#r-end_on": "2027-11-19", "#r-status": "active"})
        await save(app, pilot)
        assert app.screen is screen
        contract = Contract.get(Contract.number == "HT-TEST-0001")
        assert cells(screen, "contract-table", contract.id) == [
            "HT-TEST-0001", "年度供货合同", "2026-11-20", "2027-11-19", "1,200,000.00", "生效",
            str(customer.credit_days), "5,000.00", "2.50"]
        assert (contract.amount_cents, contract.rebate_basis_points, contract.handler_id) == (120_000_000, 250, rep.id)

        form = await change_record(app, pilot, screen, "contract-table", contract.id)
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


async def test_add_and_resolve_a_complaint(app_for, rep, customer):
    app = app_for(rep)
    async with app.run_test(size=(120, 40)) as pilot:
        screen, form = await new_record(app, pilot, customer, "complaints", ComplaintFormScreen)
        await save(app, pilot)
        assert "主题" in message(form) and "必填" in message(form)
        fill(form, {"#r-subject": "到货包装破损", "#r-severity": "high"})
        await save(app, pilot)
        assert app.screen is screen
        complaint = Complaint.get((Complaint.customer == customer) & (Complaint.subject == "到货包装破损"))
        assert cells(screen, "complaint-table", complaint.id) == [
            "2026-11-20", "投诉", "高", "到货包装破损", "待处理", "0.00"]

        form = await change_record(app, pilot, screen, "complaint-table", complaint.id,
                                   key="enter")  # Enter on a row changes it too
        assert isinstance(form, ComplaintFormScreen)
        fill(form, {"#r-status": "resolved", "#r-reason": "已补发"})
        await save(app, pilot)
        assert "处理结果" in message(form)  # resolved needs the resolution
        fill(form, {"#r-resolution": "补发并折价", "#r-resolved_on": "2026-11-21", "#r-discount": "800"})
        await save(app, pilot)
        assert app.screen is screen, message(form)
        assert cells(screen, "complaint-table", complaint.id)[4:] == ["已解决", "800.00"]
    fresh = Complaint.get_by_id(complaint.id)
    assert (fresh.status, fresh.discount_cents, fresh.resolved_on, fresh.version) == \
        ("resolved", 80_000, dt.date(2026, 11, 21), 2)


async def test_add_and_change_a_contact(app_for, rep, customer):
    app = app_for(rep)
    async with app.run_test(size=(120, 40)) as pilot:
        screen, form = await new_record(app, pilot, customer, "contacts", ContactFormScreen)
        fill(form, {"#r-name": "欧阳明", "#r-buying_role": "decision_maker", "#r-mobile": "13900001234",
                    "#r-birthday": "02-30"})
        await save(app, pilot)
        assert "生日" in message(form)
        form.query_one("#r-birthday", Input).value = "02-29"
        await save(app, pilot)
        assert app.screen is screen
        contact = Contact.get((Contact.customer == customer) & (Contact.name == "欧阳明"))
        assert cells(screen, "contact-table", contact.id) == ["欧阳明", "", "决策者", "认识", "13900001234"]

        form = await change_record(app, pilot, screen, "contact-table", contact.id)
        assert form.query_one("#r-birthday", Input).value == "02-29"
        fill(form, {"#r-stage": "trust", "#r-reason": "多次拜访"})
        await save(app, pilot)
        assert app.screen is screen
        assert cells(screen, "contact-table", contact.id)[3] == "信赖"


async def test_an_edit_saved_by_someone_else_is_refused_and_says_who(app_for, rep, customer):
    manager = Rep.get(Rep.login == "demo")
    contract = Contract.select().where(Contract.customer == customer).first() or Contract.create(
        number="HT-CONFLICT", title="框架合同", customer=customer, start_on=TODAY, end_on=TODAY)
    app = app_for(rep)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_tab(app, pilot, customer, "contracts")
        form = await change_record(app, pilot, screen, "contract-table", contract.id)
        fill(form, {"#r-special_terms": "mine", "#r-reason": "mine"})
        audited_update(Contract.get_by_id(contract.id), {"special_terms": "theirs"}, actor=manager, reason="theirs")
        await save(app, pilot)
        assert app.screen is form
        assert "demo" in message(form) and "ctrl+r" in message(form)
        assert Contract.get_by_id(contract.id).special_terms == "theirs"
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert form.query_one("#r-special_terms", LongText).value == "theirs"


async def test_the_header_has_twelve_months_of_sales(app_for, rep, customer):
    app = app_for(rep)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_tab(app, pilot, customer, "archive")
        data = list(screen.query_one("#sales-spark", Sparkline).data)
        assert len(data) == 12 and any(data)
        assert "近12月销售" in str(screen.query_one("#header", Static).render())


async def test_a_contact_whose_role_the_list_lacks_opens_and_keeps_it(app_for, rep, customer):
    """A contact from older data with a buying role the list no longer has: the form opens (it
    does not fail), shows the word, and saving another change keeps it."""
    app = app_for(rep)
    contact = Contact.create(customer=customer, name="老联系人", buying_role="gatekeeper_old", stage="trust")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_tab(app, pilot, customer, "contacts")
        form = await change_record(app, pilot, screen, "contact-table", contact.id)
        assert isinstance(form, ContactFormScreen)
        assert form.query_one("#r-buying_role", Select).value == "gatekeeper_old"
        fill(form, {"#r-mobile": "13900009999", "#r-reason": "新手机"})
        await save(app, pilot)
        assert app.screen is screen, message(form)
    saved = Contact.get_by_id(contact.id)
    assert (saved.buying_role, saved.mobile, saved.version) == ("gatekeeper_old", "13900009999", contact.version + 1)
