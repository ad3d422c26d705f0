"""Approvals (DESIGN §6): with `[access] approvals` on, a rep's archive edit, deletion or complaint
discount waits as a request until the customer's manager approves it; the change is then applied
and audited with both names. Rejection, withdrawal, a change made meanwhile, and who may decide."""
from __future__ import annotations

import json

import pytest

from schema import approvals
from schema.activities import save_complaint
from schema.archive import parse_archive_changes, save_archive
from schema.audit import audited_update, history
from schema.config import AccessConfig
from schema.errors import ConcurrentEdit, PendingApproval, PermissionDenied, ValidationError
from schema.models import ApprovalRequest, AuditEntry, Complaint, Contact, Customer

ON, OFF = AccessConfig(approvals=True), AccessConfig(approvals=False)


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setenv("KACRM_NOW", "2026-11-20T09:00:00+08:00")


@pytest.fixture
def people(make_rep):
    east = make_rep("eastmgr", "manager", "华东")
    north = make_rep("northmgr", "manager", "华北")
    alice = make_rep("alice", "rep", "华东", manager=east)
    bob = make_rep("bob", "rep", "华东", manager=east)
    return {"east": east, "north": north, "alice": alice, "bob": bob, "root": make_rep("root", "admin")}


@pytest.fixture
def customer(people, make_customer):
    return make_customer(people["alice"], "华东", code="C0001", name="上海海纳化工", phone="021-5555 0001",
                         credit_limit_cents=100_000_00)


def edit(rep, customer, texts, reason="年度复核", config=ON, version=None):
    return save_archive(rep, customer, parse_archive_changes(texts), reason=reason,
                        expected_version=customer.version if version is None else version, config=config)


def ask(people, customer) -> ApprovalRequest:
    with pytest.raises(PendingApproval) as waiting:
        edit(people["alice"], customer, {"phone": "021-6666 0002", "credit_limit_cents": "150,000.00"})
    return ApprovalRequest.get_by_id(waiting.value.request_id)


def fresh(customer: Customer) -> Customer:
    return Customer.get_by_id(customer.id)


def test_needs_approval_only_for_a_rep_and_only_when_turned_on(people):
    assert approvals.needs_approval(people["alice"], ON, "archive_edit")
    assert not approvals.needs_approval(people["alice"], OFF, "archive_edit")
    assert not approvals.needs_approval(people["east"], ON, "delete")
    assert not approvals.needs_approval(people["root"], ON, "complaint_discount")
    assert not approvals.needs_approval("daemon", ON, "archive_edit")


def test_a_reps_archive_edit_waits_and_the_customer_is_unchanged(people, customer):
    request = ask(people, customer)
    saved = fresh(customer)
    assert (saved.phone, saved.credit_limit_cents, saved.version) == ("021-5555 0001", 100_000_00, customer.version)
    assert not history("customer", customer.id).exists()  # nothing written to the record
    assert (request.kind, request.status, request.customer_id, request.table_name, request.record_id) == (
        "archive_edit", "pending", customer.id, "customer", str(customer.id))
    assert json.loads(request.payload) == {"version": customer.version, "changes": {
        "phone": {"old": "021-5555 0001", "new": "021-6666 0002"},
        "credit_limit_cents": {"old": "100000.00", "new": "150000.00"}}}
    [entry] = history("approval_request", request.id)
    assert (entry.action, entry.actor_login, entry.field, entry.reason, entry.customer_id) == (
        "request", "alice", "archive_edit", "年度复核", customer.id)
    assert [r.id for r in approvals.pending_for(people["east"])] == [request.id]
    assert list(approvals.pending_for(people["north"])) == []  # not a manager of this customer


def test_a_manager_approves_and_the_change_is_applied_and_audited_with_both_names(people, customer):
    request = ask(people, customer)
    approvals.approve(people["east"], request, "核实无误")
    saved = fresh(customer)
    assert (saved.phone, saved.credit_limit_cents, saved.version) == ("021-6666 0002", 150_000_00, customer.version + 1)
    entries = {e.field: e for e in history("customer", customer.id)}
    assert set(entries) == {"phone", "credit_limit_cents"}
    limit = entries["credit_limit_cents"]
    assert (limit.actor_login, limit.old_value, limit.new_value) == ("eastmgr", "100000.00", "150000.00")
    assert "年度复核" in limit.reason and "alice" in limit.reason and "eastmgr" in limit.reason
    decided = ApprovalRequest.get_by_id(request.id)
    assert (decided.status, decided.decided_by_id, decided.decision_note) == ("approved", people["east"].id, "核实无误")
    decision = history("approval_request", request.id).first()
    assert (decision.action, decision.actor_login, decision.old_value, decision.new_value) == (
        "approve", "eastmgr", "pending", "approved")
    assert list(approvals.pending_for(people["east"])) == []
    with pytest.raises(ValidationError, match="already approved"):
        approvals.approve(people["root"], request)


def test_rejection_leaves_the_customer_unchanged(people, customer):
    request = ask(people, customer)
    with pytest.raises(ValidationError, match="Say why"):
        approvals.reject(people["east"], request, " ")
    approvals.reject(people["east"], request, "额度需财务确认")
    saved = fresh(customer)
    assert (saved.phone, saved.credit_limit_cents, saved.version) == ("021-5555 0001", 100_000_00, customer.version)
    assert ApprovalRequest.get_by_id(request.id).status == "rejected"
    assert history("approval_request", request.id).first().action == "reject"
    assert approvals.requests_by(people["alice"]).first().decision_note == "额度需财务确认"


def test_a_change_made_meanwhile_is_detected_at_approval_and_renewing_applies_on_top(people, customer):
    request = ask(people, customer)
    # meanwhile an admin changes the phone and the address
    audited_update(fresh(customer), {"phone": "021-7777 0003", "address": "浦东新区"}, actor=people["root"],
                   reason="总机变更")
    with pytest.raises(ConcurrentEdit) as moved:
        approvals.approve(people["east"], request)
    said = str(moved.value)
    assert "021-5555 0001 → 021-7777 0003 (root)" in said and "address" in said and "renew" in said
    saved = fresh(customer)
    assert (saved.phone, saved.credit_limit_cents) == ("021-7777 0003", 100_000_00)  # nothing of the request
    assert ApprovalRequest.get_by_id(request.id).status == "pending"
    approvals.renew(people["east"], request)
    assert {c.field: c.old for c in approvals.changes_of(ApprovalRequest.get_by_id(request.id))} == {
        "phone": "021-7777 0003", "credit_limit_cents": "100000.00"}
    approvals.approve(people["east"], ApprovalRequest.get_by_id(request.id))
    saved = fresh(customer)
    assert (saved.phone, saved.credit_limit_cents, saved.address) == ("021-6666 0002", 150_000_00, "浦东新区")


def test_an_edit_on_an_old_version_is_refused_before_any_request(people, customer):
    read = customer.version
    audited_update(fresh(customer), {"phone": "021-7777 0003"}, actor=people["root"], reason="x")
    with pytest.raises(ConcurrentEdit):
        edit(people["alice"], customer, {"phone": "021-6666 0002"}, version=read)
    assert not ApprovalRequest.select().exists()


def test_a_rep_cannot_approve_nor_decide_for_a_customer_they_do_not_manage(people, customer, make_customer):
    request = ask(people, customer)
    for who in ("alice", "bob", "northmgr"):
        rep = {"alice": people["alice"], "bob": people["bob"], "northmgr": people["north"]}[who]
        with pytest.raises(PermissionDenied):
            approvals.approve(rep, request)
        with pytest.raises(PermissionDenied):
            approvals.reject(rep, request, "no")
    assert fresh(customer).phone == "021-5555 0001"
    with pytest.raises(PermissionDenied):
        approvals.withdraw(people["bob"], request)  # only the one who asked
    approvals.withdraw(people["alice"], request, "写错了")
    assert ApprovalRequest.get_by_id(request.id).status == "withdrawn"
    with pytest.raises(ValidationError):
        approvals.approve(people["east"], request)


def test_a_reps_deletion_waits_and_is_applied_when_approved(people, customer):
    contact = Contact.create(customer=customer, name="李经理")
    with pytest.raises(PendingApproval) as waiting:
        approvals.delete_record(people["alice"], contact, reason="已离职", config=ON)
    assert Contact.get_by_id(contact.id).deleted_at is None
    request = ApprovalRequest.get_by_id(waiting.value.request_id)
    assert (request.kind, request.table_name, approvals.payload(request)["title"]) == ("delete", "contact", "李经理")
    approvals.approve(people["root"], request)
    gone = Contact.get_by_id(contact.id)
    assert gone.deleted_at is not None
    deletion = history("contact", contact.id).first()
    assert (deletion.action, deletion.actor_login) == ("delete", "root")
    assert "已离职" in deletion.reason and "alice" in deletion.reason


def test_a_reps_discount_waits_while_the_complaint_is_saved(people, customer):
    values = {"received_on": "2026-11-18", "subject": "包装破损", "discount": "1,200.50"}
    with pytest.raises(PendingApproval) as waiting:
        save_complaint(people["alice"], customer, values, config=ON)
    complaint = Complaint.get(Complaint.subject == "包装破损")
    assert complaint.discount_cents == 0  # the complaint is there, its discount is not yet
    request = ApprovalRequest.get_by_id(waiting.value.request_id)
    assert (request.kind, [(c.field, c.old, c.new) for c in approvals.changes_of(request)]) == (
        "complaint_discount", [("discount_cents", "0.00", "1200.50")])
    approvals.approve(people["east"], request)
    approved = Complaint.get_by_id(complaint.id)
    assert (approved.discount_cents, approved.discount_approved_by_id) == (120_050, people["east"].id)
    [entry] = [e for e in history("complaint", complaint.id) if e.field == "discount_cents"]
    assert (entry.actor_login, entry.old_value, entry.new_value) == ("eastmgr", "0.00", "1200.50")


def test_a_complaint_without_a_discount_and_a_managers_discount_need_no_approval(people, customer):
    plain = save_complaint(people["alice"], customer, {"received_on": "2026-11-18", "subject": "送货晚"}, config=ON)
    assert plain.discount_cents == 0
    direct = save_complaint(people["east"], customer, {"received_on": "2026-11-18", "subject": "错发",
                                                       "discount": "300"}, config=ON)
    assert direct.discount_cents == 300_00
    assert not ApprovalRequest.select().exists()


def test_with_approvals_off_a_rep_saves_and_deletes_directly(people, customer):
    diff = edit(people["alice"], customer, {"phone": "021-6666 0002"}, config=OFF)
    assert diff == {"phone": ("021-5555 0001", "021-6666 0002")}
    assert fresh(customer).phone == "021-6666 0002"
    contact = Contact.create(customer=customer, name="王工")
    approvals.delete_record(people["alice"], contact, reason="重复", config=OFF)
    assert Contact.get_by_id(contact.id).deleted_at is not None
    complaint = save_complaint(people["alice"], customer, {"received_on": "2026-11-18", "subject": "x",
                                                           "discount": "50"}, config=OFF)
    assert complaint.discount_cents == 50_00
    assert not ApprovalRequest.select().exists()
    assert AuditEntry.select().where(AuditEntry.action == "request").count() == 0


def test_a_rep_asks_only_about_customers_they_may_edit(people, customer):
    with pytest.raises(PermissionDenied):
        edit(people["bob"], customer, {"phone": "1"})
    assert not ApprovalRequest.select().exists()


def test_requests_by_a_rep_list_pending_first(people, customer):
    first = ask(people, customer)
    approvals.reject(people["east"], first, "no")
    second = ask(people, customer)
    assert [r.id for r in approvals.requests_by(people["alice"])] == [second.id, first.id]
