"""The audit trail and optimistic locking: every change is recorded, no edit is silently lost."""
from __future__ import annotations

import threading

import pytest

from schema import audit
from schema.db import database
from schema.errors import ConcurrentEdit, ValidationError
from schema.models import AuditEntry, Contact, Customer


def test_update_records_who_what_old_new_and_why(make_rep, make_customer):
    alice = make_rep("alice")
    customer = make_customer(alice, credit_limit_cents=100_000_00, name="上海申华化工有限公司")
    changed = audit.audited_update(customer, {"credit_limit_cents": 150_000_00, "phone": "021-5555 1234",
                                              "address": customer.address},
                                   actor=alice, reason="new credit review 2026-11")
    assert set(changed) == {"credit_limit_cents", "phone"}  # the unchanged address is not recorded
    fresh = Customer.get_by_id(customer.id)
    assert fresh.credit_limit_cents == 150_000_00 and fresh.version == 2
    entries = {e.field: e for e in audit.history("customer", customer.id)}
    assert set(entries) == {"credit_limit_cents", "phone"}
    limit = entries["credit_limit_cents"]
    assert (limit.actor_login, limit.old_value, limit.new_value, limit.reason) == \
        ("alice", "100000.00", "150000.00", "new credit review 2026-11")
    assert limit.customer_id == customer.id and limit.at is not None and limit.at.tzinfo is not None


def test_a_stale_version_is_refused_and_nothing_is_overwritten(make_rep, make_customer):
    alice, bob = make_rep("alice"), make_rep("bob")
    customer = make_customer(alice)
    mine = Customer.get_by_id(customer.id)
    theirs = Customer.get_by_id(customer.id)
    audit.audited_update(theirs, {"phone": "138 0000 0001"}, actor=bob, reason="called")
    with pytest.raises(ConcurrentEdit, match="bob") as caught:
        audit.audited_update(mine, {"phone": "139 0000 0002", "notes": "mine"}, actor=alice, reason="")
    assert caught.value.current["phone"] == "138 0000 0001"
    fresh = Customer.get_by_id(customer.id)
    assert (fresh.phone, fresh.notes, fresh.version) == ("138 0000 0001", "", 2)
    assert AuditEntry.select().where(AuditEntry.actor_login == "alice").count() == 0


def test_concurrent_editors_in_threads_one_wins_one_is_told(make_rep, make_customer, db):
    alice = make_rep("alice")
    customer = make_customer(alice)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def edit(value: str) -> None:
        with database.connection_context():
            copy = Customer.get_by_id(customer.id)
            barrier.wait()
            try:
                audit.audited_update(copy, {"notes": value}, actor=alice, reason="race")
                outcomes.append("saved")
            except ConcurrentEdit:
                outcomes.append("refused")

    threads = [threading.Thread(target=edit, args=(v,)) for v in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "saved"]
    assert Customer.get_by_id(customer.id).version == 2


def test_renaming_a_customer_updates_its_pinyin_keys(make_rep, make_customer):
    alice = make_rep("alice")
    customer = make_customer(alice, name="北京燕山石化")
    assert Customer.get_by_id(customer.id).name_initials == "bjyssh"
    audit.audited_update(customer, {"name": "重庆长安汽车"}, actor=alice, reason="renamed")
    assert Customer.get_by_id(customer.id).name_initials == "cqcaqc"


def test_soft_delete_and_restore_are_audited(make_rep, make_customer):
    alice = make_rep("alice")
    customer = make_customer(alice)
    contact = Contact.create(customer=customer, name="王芳")
    with pytest.raises(ValidationError):
        audit.soft_delete(contact, actor=alice, reason=" ")
    audit.soft_delete(contact, actor=alice, reason="left the company")
    assert Contact.live().count() == 0 and Contact.select().count() == 1
    audit.restore(contact, actor=alice, reason="came back")
    assert Contact.live().count() == 1
    actions = [e.action for e in audit.history("contact", contact.id)]
    assert actions == ["restore", "delete"]


def test_create_is_audited_and_system_actors_are_named(make_rep):
    owner = make_rep("alice")
    customer = audit.audited_create(Customer, {"code": "C9", "name": "测试", "owner": owner},
                                    actor="daemon", reason="customers_master.csv")
    entry = audit.history("customer", customer.id).get()
    assert (entry.action, entry.actor_login, entry.actor_id, entry.reason) == ("create", "daemon", None, "customers_master.csv")


def test_bookkeeping_fields_cannot_be_edited(make_rep, make_customer):
    customer = make_customer(make_rep("alice"))
    for name in ("id", "version", "deleted_at", "no_such_field"):
        with pytest.raises(ValidationError):
            audit.audited_update(customer, {name: 5}, actor="x")
