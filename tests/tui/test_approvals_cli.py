"""`kacrm approvals list|approve|reject|withdraw` and `kacrm export approvals`: a manager lists and
decides the requests of their customers' reps; a rep lists their own and cannot decide; refusals
are one sentence and a non-zero exit."""
from __future__ import annotations

import json

import pytest

from schema import approvals
from schema.models import ApprovalRequest, Customer


@pytest.fixture
def asked(make_rep, make_customer):
    east = make_rep("eastmgr", "manager", "华东")
    alice = make_rep("alice", "rep", "华东", manager=east)
    customer = make_customer(alice, "华东", code="C0001", phone="021-5555 0001")
    first = approvals.request_change(alice, customer, {"phone": "021-6666 0002"}, "总机变更")
    second = approvals.request_change(alice, customer, {"credit_days": 60}, "客户要求")
    return customer, first, second


def test_a_manager_lists_and_approves_and_the_customer_changes(kacrm, asked):
    customer, first, second = asked
    listed = kacrm("approvals", "list", "--format", "json", user="eastmgr")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [(r["id"], r["kind"], r["status"], r["customer_code"], r["requested_by"]) for r in rows] == [
        (first.id, "archive_edit", "pending", "C0001", "alice"), (second.id, "archive_edit", "pending", "C0001", "alice")]
    assert rows[0]["change"] == "phone: 021-5555 0001 -> 021-6666 0002"
    done = kacrm("approvals", "approve", str(first.id), "--note", "ok", user="eastmgr")
    assert done.exit_code == 0, done.output
    assert Customer.get_by_id(customer.id).phone == "021-6666 0002"
    again = kacrm("approvals", "approve", str(first.id), user="eastmgr")
    assert again.exit_code != 0 and "already approved" in again.output
    # the first changed the customer's version: the second is refused until renewed
    moved = kacrm("approvals", "approve", str(second.id), user="eastmgr")
    assert moved.exit_code != 0 and "renew" in moved.output and "Traceback" not in moved.output
    assert kacrm("approvals", "renew", str(second.id), user="eastmgr").exit_code == 0
    assert kacrm("approvals", "approve", str(second.id), user="eastmgr").exit_code == 0
    assert Customer.get_by_id(customer.id).credit_days == 60


def test_a_rep_cannot_decide_and_a_rejection_needs_a_note(kacrm, asked):
    customer, first, second = asked
    refused = kacrm("approvals", "approve", str(first.id), user="alice")
    assert refused.exit_code == 1 and "manager" in refused.output
    assert kacrm("approvals", "reject", str(first.id), user="eastmgr").exit_code == 2  # --note is required
    assert kacrm("approvals", "reject", str(first.id), "--note", "号码不对", user="eastmgr").exit_code == 0
    assert (ApprovalRequest.get_by_id(first.id).status, Customer.get_by_id(customer.id).phone) == (
        "rejected", "021-5555 0001")
    assert kacrm("approvals", "withdraw", str(second.id), user="alice").exit_code == 0
    mine = json.loads(kacrm("approvals", "list", "--format", "json", user="alice").output)
    assert {(r["id"], r["status"]) for r in mine} == {(first.id, "rejected"), (second.id, "withdrawn")}
    missing = kacrm("approvals", "approve", "999", user="eastmgr")
    assert missing.exit_code == 2 and "999" in missing.output


def test_the_export_of_approvals_keeps_its_fields(kacrm, asked):
    customer, first, second = asked
    approvals.reject(approvals.get_request(first.id).customer.owner.manager, first, "号码不对")
    out = kacrm("export", "approvals", "--format", "json", "--output", "-", user="eastmgr")
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert set(rows[0]) == {"requested_at", "kind", "status", "customer_code", "customer_name", "table", "record_id",
                            "change", "reason", "requested_by", "decided_by", "decided_at", "decision_note"}
    by_status = {r["status"]: r for r in rows}
    assert by_status["rejected"]["decided_by"] == "eastmgr" and by_status["rejected"]["decision_note"] == "号码不对"
    assert json.loads(by_status["rejected"]["change"])["changes"]["phone"]["new"] == "021-6666 0002"
