"""Saving contracts, complaints, opportunities and contacts: every bad value is refused with the
field named, only a rep who may edit the customer writes, every write is in the audit trail, and
an edit of a record saved by someone else since is refused without overwriting them."""
from __future__ import annotations

import datetime as dt

import pytest

from schema.activities import (FieldProblem, save_complaint, save_contact, save_contract, save_opportunity,
                               weighted_cents)
from schema.audit import history
from schema.errors import ConcurrentEdit, PermissionDenied
from schema.models import AuditEntry, Contract

CONTRACT = {"number": "HT-2026-001", "title": "年度供货合同", "start_on": "2026-01-01", "end_on": "2026-12-31",
            "amount": "1,200,000.50", "status": "active", "credit_days": "45", "entry_fee": "5000",
            "promotion_fee": "1,000", "rebate_percent": "2.5"}


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setenv("KACRM_NOW", "2026-11-20T09:00:00+08:00")


@pytest.fixture
def alice(make_rep):
    return make_rep("alice")


@pytest.fixture
def customer(alice, make_customer):
    return make_customer(alice)


def problem(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(FieldProblem) as caught:
        call(*args, **kwargs)
    assert caught.value.field in str(caught.value)  # the sentence names the field too
    return caught.value.field, caught.value.problem


def test_a_contract_is_stored_in_cents_and_basis_points_and_audited(alice, customer):
    contract = save_contract(alice, customer, CONTRACT)
    assert (contract.amount_cents, contract.entry_fee_cents, contract.promotion_fee_cents, contract.other_fee_cents,
            contract.rebate_basis_points, contract.credit_days, contract.start_on, contract.handler_id) == \
        (120_000_050, 500_000, 100_000, 0, 250, 45, dt.date(2026, 1, 1), alice.id)
    [entry] = history("contract", contract.id)
    assert (entry.action, entry.actor_login, entry.customer_id) == ("create", "alice", customer.id)


@pytest.mark.parametrize("change, expected", [
    ({"number": " "}, ("number", "required")),
    ({"title": ""}, ("title", "required")),
    ({"start_on": ""}, ("start_on", "required")),
    ({"end_on": "2026-02-30"}, ("end_on", "date")),
    ({"signed_on": "yesterday"}, ("signed_on", "date")),
    ({"end_on": "2025-12-31"}, ("end_on", "end_before_start")),
    ({"amount": "12.345"}, ("amount", "money")),
    ({"amount": "abc"}, ("amount", "money")),
    ({"other_fee": "-5"}, ("other_fee", "negative")),
    ({"status": "signed"}, ("status", "choice")),
    ({"settlement_cycle": "weekly"}, ("settlement_cycle", "choice")),
    ({"payment_method": "barter"}, ("payment_method", "choice")),
    ({"credit_days": "30.5"}, ("credit_days", "whole")),
    ({"credit_days": "400"}, ("credit_days", "range")),
    ({"rebate_percent": "101"}, ("rebate_percent", "percent")),
    ({"rebate_percent": "1.234"}, ("rebate_percent", "percent")),
    ({"number": "N" * 65}, ("number", "too_long")),
])
def test_every_bad_contract_value_is_named(alice, customer, change, expected):
    assert problem(save_contract, alice, customer, CONTRACT | change) == expected
    assert not Contract.select().exists()


def test_a_contract_number_is_unique_but_an_edit_keeps_its_own(alice, customer, make_customer):
    first = save_contract(alice, customer, CONTRACT)
    other = make_customer(alice)
    assert problem(save_contract, alice, other, CONTRACT) == ("number", "duplicate")
    same = save_contract(alice, customer, CONTRACT | {"title": "改名"}, contract=first, reason="retitled")
    assert (same.title, same.version) == ("改名", 2)


def test_an_edit_needs_a_reason_and_records_old_and_new(alice, customer):
    contract = save_contract(alice, customer, CONTRACT)
    assert problem(save_contract, alice, customer, CONTRACT | {"amount": "1"}, contract=contract) == \
        ("reason", "reason")
    save_contract(alice, customer, CONTRACT | {"amount": "1300000"}, contract=contract, reason="追加")
    [entry] = AuditEntry.select().where((AuditEntry.table_name == "contract") & (AuditEntry.field == "amount_cents"))
    assert (entry.old_value, entry.new_value, entry.reason) == ("1200000.50", "1300000.00", "追加")


def test_only_a_rep_who_may_edit_the_customer_writes(alice, customer, make_rep):
    bob = make_rep("bob")
    with pytest.raises(PermissionDenied):
        save_contract(bob, customer, CONTRACT)
    with pytest.raises(PermissionDenied):
        save_complaint(bob, customer, {"subject": "x", "received_on": "2026-11-01"})
    with pytest.raises(PermissionDenied):
        save_opportunity(bob, customer, {"title": "x"})
    with pytest.raises(PermissionDenied):
        save_contact(bob, customer, {"name": "x"})
    assert not AuditEntry.select().exists()


def test_a_record_of_another_customer_is_not_changed_through_this_one(alice, customer, make_customer):
    contract = save_contract(alice, customer, CONTRACT)
    assert problem(save_contract, alice, make_customer(alice), CONTRACT, contract=contract, reason="x") == \
        ("customer", "customer")


def test_a_stale_edit_is_refused_and_names_who_saved(alice, customer, make_rep):
    boss = make_rep("boss", role="admin")
    contract = save_contract(alice, customer, CONTRACT)
    read_version = contract.version
    save_contract(boss, customer, CONTRACT | {"special_terms": "theirs"}, contract=Contract.get_by_id(contract.id),
                  reason="theirs")
    with pytest.raises(ConcurrentEdit, match="boss"):
        save_contract(alice, customer, CONTRACT | {"special_terms": "mine"}, contract=Contract.get_by_id(contract.id),
                      expected_version=read_version, reason="mine")
    assert Contract.get_by_id(contract.id).special_terms == "theirs"


COMPLAINT = {"received_on": "2026-11-10", "subject": "到货包装破损", "severity": "high"}


@pytest.mark.parametrize("change, expected", [
    ({"subject": ""}, ("subject", "required")),
    ({"received_on": ""}, ("received_on", "required")),
    ({"received_on": "2026/11/10"}, ("received_on", "date")),
    ({"received_on": "2026-12-01"}, ("received_on", "future")),
    ({"kind": "praise"}, ("kind", "choice")),
    ({"severity": "urgent"}, ("severity", "choice")),
    ({"status": "done"}, ("status", "choice")),
    ({"status": "resolved", "resolved_on": "2026-11-12"}, ("resolution", "required")),
    ({"status": "closed", "resolution": "ok"}, ("resolved_on", "required")),
    ({"resolved_on": "2026-11-09"}, ("resolved_on", "before_received")),
    ({"discount": "-1"}, ("discount", "negative")),
    ({"discount": "lots"}, ("discount", "money")),
])
def test_every_bad_complaint_value_is_named(alice, customer, change, expected):
    assert problem(save_complaint, alice, customer, COMPLAINT | change) == expected


def test_a_complaint_is_resolved_with_a_discount(alice, customer):
    complaint = save_complaint(alice, customer, COMPLAINT)
    assert (complaint.status, complaint.kind, complaint.handler_id) == ("open", "complaint", alice.id)
    done = save_complaint(alice, customer, COMPLAINT | {"status": "resolved", "resolution": "补发",
                                                        "resolved_on": "2026-11-12", "discount": "800"},
                          complaint=complaint, reason="resolved")
    assert (done.status, done.discount_cents, done.version) == ("resolved", 80_000, 2)
    fields = {e.field for e in history("complaint", complaint.id)}
    assert {"status", "resolution", "resolved_on", "discount_cents"} <= fields


@pytest.mark.parametrize("change, expected", [
    ({"title": ""}, ("title", "required")),
    ({"stage": "maybe"}, ("stage", "choice")),
    ({"probability": "101"}, ("probability", "range")),
    ({"probability": "-1"}, ("probability", "whole")),
    ({"amount": "1e3x"}, ("amount", "money")),
    ({"expected_close_on": "2026-13-01"}, ("expected_close_on", "date")),
    ({"stage": "lost"}, ("lost_reason", "required")),
])
def test_every_bad_opportunity_value_is_named(alice, customer, change, expected):
    assert problem(save_opportunity, alice, customer, {"title": "新产线", "amount": "100000"} | change) == expected


def test_an_opportunity_is_weighted_and_closed_when_won(alice, customer):
    chance = save_opportunity(alice, customer, {"title": "新产线", "amount": "100000", "probability": "35",
                                                "stage": "negotiate", "expected_close_on": "2026-12-15"})
    assert (chance.owner_id, weighted_cents(chance), chance.closed_on) == (alice.id, 3_500_000, None)
    won = save_opportunity(alice, customer, {"title": "新产线", "amount": "100000", "probability": "100",
                                             "stage": "won"}, opportunity=chance, expected_version=1, reason="signed")
    assert (weighted_cents(won), won.closed_on) == (10_000_000, dt.date(2026, 11, 20))


@pytest.mark.parametrize("change, expected", [
    ({"name": ""}, ("name", "required")),
    ({"buying_role": "boss"}, ("buying_role", "choice")),
    ({"stage": "friends"}, ("stage", "choice")),
    ({"birthday_calendar": "julian"}, ("birthday_calendar", "choice")),
    ({"birthday": "02-30"}, ("birthday", "birthday")),
    ({"birthday": "12-31", "birthday_calendar": "lunar"}, ("birthday", "birthday")),
    ({"birthday": "March 3"}, ("birthday", "birthday")),
    ({"birth_year": "1850"}, ("birth_year", "range")),
    ({"email": "wang at example"}, ("email", "email")),
])
def test_every_bad_contact_value_is_named(alice, customer, change, expected):
    assert problem(save_contact, alice, customer, {"name": "王强"} | change) == expected


def test_a_contact_keeps_a_lunar_birthday_as_given(alice, customer):
    contact = save_contact(alice, customer, {"name": "王强", "birthday_calendar": "lunar", "birthday": "8-15",
                                             "birth_year": "1975", "buying_role": "decision_maker"})
    assert (contact.birthday_calendar, contact.birthday_month, contact.birthday_day, contact.birth_year) == \
        ("lunar", 8, 15, 1975)
    changed = save_contact(alice, customer, {"name": "王强", "stage": "trust", "birthday_calendar": "lunar",
                                             "birthday": "08-15", "birth_year": "1975",
                                             "buying_role": "decision_maker"},
                           contact=contact, reason="met often")
    assert [e.field for e in history("contact", contact.id) if e.action == "update"] == ["stage"]
    assert changed.version == 2
