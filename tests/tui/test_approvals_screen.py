"""Approvals through Pilot, with `[access] approvals` on: a rep's archive edit is sent to the
manager (the form says so, nothing is saved), the rep finds it on the approvals screen (`p` from
the customer list) and can withdraw it; the manager approves (a) or rejects (r, with a note) what
waits, and a change made meanwhile is shown instead of applied. A rep's deletion and complaint
discount are sent too, and the forms say so."""
from __future__ import annotations

from textual.widgets import DataTable, Input

from kacrm_tui.i18n import t
from kacrm_tui.screens.approvals import ApprovalsScreen, NoteScreen
from kacrm_tui.screens.archive_edit import ArchiveEditScreen
from kacrm_tui.screens.complaint_form import ComplaintFormScreen
from kacrm_tui.screens.confirm import ConfirmDelete, ask_to_delete
from kacrm_tui.screens.customers import CustomersScreen
from schema import approvals
from schema.audit import audited_update, history
from schema.models import ApprovalRequest, Complaint, Contact, Customer, Rep
from tests.tui.pilot import fill, keys, notes, put_cursor
from tests.tui.pilot import settle_chain as settle


def a_rep_and_customers(count: int) -> tuple[Rep, list[Customer]]:
    """A rep who owns at least `count` live customers, and those customers."""
    for rep in Rep.select().where(Rep.role == "rep").order_by(Rep.login):
        owned = list(Customer.live().where(Customer.owner == rep).order_by(Customer.code))
        if len(owned) >= count:
            return rep, owned[:count]
    raise AssertionError("the demo has no rep with enough customers")


def shown_ids(screen) -> list[int]:
    return [int(key) for key in keys(screen.query_one(DataTable))]


async def save_form(app, pilot, form_screen, values: dict[str, str]):
    """Open `form_screen`, fill in `values` ({"#r-subject": "…"}) and save it (ctrl+s); the form."""
    app.push_screen(form_screen)
    await settle(app, pilot)
    form = app.screen
    fill(form, values)
    await pilot.press("ctrl+s")
    await settle(app, pilot)
    return form


async def test_a_reps_archive_edit_is_sent_to_the_manager_and_can_be_withdrawn(app_for):
    rep, (customer,) = a_rep_and_customers(1)
    app = app_for(rep.login, approvals=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, CustomersScreen)
        await save_form(app, pilot, ArchiveEditScreen(customer.id),
                        {"#f-phone": "021-6000 1234", "#reason": "总机变更"})
        request = ApprovalRequest.select().where(ApprovalRequest.customer == customer.id).get()
        assert isinstance(app.screen, CustomersScreen)  # the form closed
        assert t("approval.sent", id=request.id) in notes(app)
        assert t("edit.saved") not in notes(app)
        saved = Customer.get_by_id(customer.id)
        assert (saved.phone, saved.version) == (customer.phone, customer.version)  # nothing written yet

        await pilot.press("p")  # the approvals screen, from the customer list
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ApprovalsScreen)
        assert request.id in shown_ids(screen)
        put_cursor(screen.query_one(DataTable), request.id)
        await pilot.pause()
        detail = str(screen.query_one("#approval-detail").render())
        assert "021-6000 1234" in detail and "总机变更" in detail and customer.code in detail
        await pilot.press("a")  # a rep cannot approve: the key does nothing
        await settle(app, pilot)
        assert ApprovalRequest.get_by_id(request.id).status == "pending"
        await pilot.press("w")
        await settle(app, pilot)
        assert ApprovalRequest.get_by_id(request.id).status == "withdrawn"
        assert t("approval.withdrawn", id=request.id) in notes(app)
    assert Customer.get_by_id(customer.id).phone == customer.phone


async def test_the_manager_approves_one_request_and_rejects_another_with_a_note(app_for):
    rep, (first, second) = a_rep_and_customers(2)
    approve_me = approvals.request_change(rep, first, {"credit_days": 75}, "客户要求延长账期")
    reject_me = approvals.request_change(rep, second, {"short_name": "随便简称"}, "改简称")
    app = app_for("demo", approvals=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("escape")  # the manager's dashboard, down to the list
        await settle(app, pilot)
        await pilot.press("p")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ApprovalsScreen)
        assert shown_ids(screen)[-2:] == [approve_me.id, reject_me.id]  # oldest first

        put_cursor(screen.query_one(DataTable), approve_me.id)
        await pilot.press("a")
        await settle(app, pilot)
        assert t("approval.approved", id=approve_me.id) in notes(app)
        assert Customer.get_by_id(first.id).credit_days == 75
        entry = history("customer", first.id).first()
        assert (entry.field, entry.actor_login, entry.new_value) == ("credit_days", "demo", "75")
        assert rep.login in entry.reason and "客户要求延长账期" in entry.reason
        assert approve_me.id not in shown_ids(screen)  # decided: gone from the list

        put_cursor(screen.query_one(DataTable), reject_me.id)
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, NoteScreen)
        await pilot.press("enter")  # no note: nothing is rejected
        await settle(app, pilot)
        assert ApprovalRequest.get_by_id(reject_me.id).status == "pending"
        assert t("approval.note_needed") in notes(app)
        put_cursor(screen.query_one(DataTable), reject_me.id)
        await pilot.press("r")
        await settle(app, pilot)
        app.screen.query_one(Input).value = "简称不规范"
        await pilot.press("enter")
        await settle(app, pilot)
        decided = ApprovalRequest.get_by_id(reject_me.id)
        assert (decided.status, decided.decision_note, decided.decided_by.login) == ("rejected", "简称不规范", "demo")
        assert Customer.get_by_id(second.id).short_name == second.short_name


async def test_a_change_made_meanwhile_is_shown_and_nothing_is_applied(app_for):
    rep, customers = a_rep_and_customers(3)
    customer = customers[2]
    request = approvals.request_change(rep, customer, {"website": "www.example.cn"}, "官网")
    audited_update(Customer.get_by_id(customer.id), {"website": "www.theirs.cn"}, actor=Rep.get(Rep.login == "admin"),
                   reason="核对官网")
    app = app_for("demo", approvals=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        app.action_approvals()
        await settle(app, pilot)
        screen = app.screen
        put_cursor(screen.query_one(DataTable), request.id)
        await pilot.press("a")
        await settle(app, pilot)
        [said] = [n for n in notes(app) if str(request.id) in n and "www.theirs.cn" in n]
        assert "admin" in said
        assert Customer.get_by_id(customer.id).website == "www.theirs.cn"
        assert ApprovalRequest.get_by_id(request.id).status == "pending"
        await pilot.press("u")  # renew on the current version, then approve
        await settle(app, pilot)
        put_cursor(screen.query_one(DataTable), request.id)
        await pilot.press("a")
        await settle(app, pilot)
    assert Customer.get_by_id(customer.id).website == "www.example.cn"
    assert ApprovalRequest.get_by_id(request.id).status == "approved"


async def test_a_reps_deletion_and_complaint_discount_are_sent_to_the_manager(app_for):
    rep, customers = a_rep_and_customers(4)
    customer = customers[3]
    contact = Contact.create(customer=customer, name="待删联系人")
    app = app_for(rep.login, approvals=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        ask_to_delete(app.screen, "contact", contact.id)
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDelete)
        await pilot.press("y")
        await settle(app, pilot)
        request = ApprovalRequest.get((ApprovalRequest.table_name == "contact")
                                      & (ApprovalRequest.record_id == str(contact.id)))
        assert (request.kind, request.status) == ("delete", "pending")
        assert t("approval.sent", id=request.id) in notes(app)
        assert Contact.get_by_id(contact.id).deleted_at is None

        await save_form(app, pilot, ComplaintFormScreen(customer.id),
                        {"#r-subject": "外包装破损", "#r-discount": "800"})
        complaint = Complaint.get((Complaint.customer == customer.id) & (Complaint.subject == "外包装破损"))
        asked = ApprovalRequest.get((ApprovalRequest.table_name == "complaint")
                                    & (ApprovalRequest.record_id == str(complaint.id)))
        assert complaint.discount_cents == 0 and asked.kind == "complaint_discount"
        assert t("approval.discount_sent", amount="800", id=asked.id) in notes(app)
        assert not isinstance(app.screen, ComplaintFormScreen)  # closed: saving again would add it twice
