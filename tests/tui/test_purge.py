"""`kacrm purge`: soft-deleted records past the retention go for good, the ledger never does."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from schema import clock
from schema.audit import soft_delete
from schema.ledger import post_order, post_payment
from schema.models import (AccessGrant, AuditEntry, Complaint, Contact, Contract, Customer, Evaluation, Opportunity,
                           Rep, SegmentSnapshot, Target, Visit, VisitContact)

DELETED = "2026-03-01T09:00:00+00:00"  # when most records were deleted
RECENT = "2026-03-20T09:00:00+00:00"  # deleted 21 days before the purge: within the 30 days kept
PURGE_AT = {"KACRM_NOW": "2026-04-10T00:00:00+00:00", "KACRM_LANG": "en"}  # cut-off 2026-03-11 00:00


def counts(output: str) -> dict[str, str]:
    """{table: what its first line says} from the purge report (a kept line may follow it)."""
    found: dict[str, str] = {}
    for match in re.finditer(r"^  (\w+) +(.+)$", output, re.M):
        found.setdefault(match[1], match[2])
    return found


@pytest.fixture
def world(db, make_rep, make_customer, monkeypatch):
    """Customer A (no ledger) deleted with all it has; customer B (with a ledger) deleted; customer
    C alive with one old-deleted contact and one recently deleted visit; a deleted rep target
    whose part is alive; a removed user."""
    boss = make_rep("boss", role="admin")
    lead = make_rep("lead", role="manager")
    wang = make_rep("wang", manager=lead)
    ghost = make_rep("ghost")
    a, b, c = make_customer(wang, code="A"), make_customer(wang, code="B"), make_customer(wang, code="C")
    a1 = Contact.create(customer=a, name="甲一")
    Contact.create(customer=a, name="甲二")
    visit_a = Visit.create(customer=a, rep=wang, at=dt.datetime(2026, 2, 1, tzinfo=clock.UTC))
    VisitContact.create(visit=visit_a, contact=a1)
    Contract.create(customer=a, number="HT-1", title="年度合同")
    Opportunity.create(customer=a, owner=wang, title="扩容")
    Complaint.create(customer=a, contact=a1, received_on=dt.date(2026, 2, 2), subject="延迟交货")
    Evaluation.create(customer=a, period="2025", ability_score=80, attitude_score=80, results_score=80, score=80,
                      band="excellent")
    AccessGrant.create(customer=a, grantee=lead, expires_at=dt.datetime(2026, 12, 31, tzinfo=clock.UTC))
    SegmentSnapshot.create(customer=a, period="2025Q4", as_of=dt.date(2025, 12, 31))
    year = dict(period="year", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31), metric="sales")
    a_goal = Target.create(scope="customer", customer=a, value=100_000_00, **year)
    Target.create(scope="customer", customer=a, value=50_000_00, parent=a_goal,
                  **{**year, "period": "month", "period_end": dt.date(2026, 1, 31)})
    rep_goal = Target.create(scope="rep", rep=wang, value=500_000_00, **year)
    Target.create(scope="rep", rep=wang, value=40_000_00, parent=rep_goal,
                  **{**year, "period": "month", "period_end": dt.date(2026, 1, 31)})
    post_order(b, order_no="SO-1", order_date=dt.date(2026, 1, 5), amount_cents=1_000_00)
    post_payment(b, payment_ref="PAY-1", paid_on=dt.date(2026, 1, 20), amount_cents=400_00)
    b_old = Contact.create(customer=b, name="乙一")
    Contact.create(customer=b, name="乙二")
    c_old = Contact.create(customer=c, name="丙一")
    c_visit = Visit.create(customer=c, rep=wang, at=dt.datetime(2026, 2, 3, tzinfo=clock.UTC), status="done")
    VisitContact.create(visit=c_visit, contact=c_old)
    c_complaint = Complaint.create(customer=c, contact=c_old, received_on=dt.date(2026, 2, 4), subject="发票错误")
    c_recent = Visit.create(customer=c, rep=wang, at=dt.datetime(2026, 3, 5, tzinfo=clock.UTC))

    monkeypatch.setenv("KACRM_NOW", DELETED)
    for record in (a, b, b_old, c_old, rep_goal):
        soft_delete(record, actor=wang if record is not rep_goal else lead, reason="录入错误")
    Rep.update(active=False, deleted_at=clock.now()).where(Rep.id == ghost.id).execute()
    monkeypatch.setenv("KACRM_NOW", RECENT)
    soft_delete(c_recent, actor=wang, reason="重复")
    monkeypatch.delenv("KACRM_NOW")
    return {"boss": boss, "a": a.id, "b": b.id, "c": c.id, "c_complaint": c_complaint.id, "c_recent": c_recent.id,
            "rep_goal": rep_goal.id}


EXPECTED = {  # worked by hand from `world`
    "visit_contact": "2 rows",  # A's visit met 甲一; C's live visit met the deleted 丙一
    "visit": "1 rows",  # A's; C's visit deleted 21 days ago stays
    "complaint": "1 rows",  # A's; C's complaint stays without its contact
    "contact": "4 rows",  # 甲一, 甲二 (with A), 乙一 (deleted itself, B is kept), 丙一
    "contract": "1 rows", "opportunity": "1 rows", "evaluation": "1 rows",
    "target": "2 rows",  # A's target and its month part; wang's deleted target has a live part
    "access_grant": "1 rows", "approval_request": "0 rows", "alert": "0 rows", "segment_snapshot": "1 rows",
    "customer": "1 rows",  # A; B has orders and payments
}


def test_a_dry_run_counts_what_would_go_and_changes_nothing(kacrm, world):
    before = {m.__name__: m.select().count() for m in (Customer, Contact, Visit, VisitContact, Target, AuditEntry)}
    result = kacrm("purge", "--dry-run", env=PURGE_AT)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Dry run, nothing changed: 16 rows would go")
    lines = counts(result.stdout)
    assert {table: lines[table] for table in EXPECTED} == EXPECTED
    assert "1 kept: they have orders, payments or adjustments" in result.stdout
    assert "1 kept: parts of them are still live" in result.stdout
    assert "1 kept: users are never purged" in result.stdout
    after = {m.__name__: m.select().count() for m in (Customer, Contact, Visit, VisitContact, Target, AuditEntry)}
    assert after == before


def test_purge_removes_what_is_due_keeps_the_ledger_and_the_trail(kacrm, world):
    trail_of_a = AuditEntry.select().where((AuditEntry.table_name == "customer")
                                           & (AuditEntry.record_id == str(world["a"]))).count()
    assert trail_of_a == 1  # its deletion
    result = kacrm("purge", env=PURGE_AT)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Purged 16 rows: records deleted more than 30 days ago (before 2026-03-11 00:00 UTC)")
    lines = counts(result.stdout)
    assert {table: lines[table] for table in EXPECTED} == EXPECTED

    assert Customer.get_or_none(Customer.id == world["a"]) is None
    kept = Customer.get_by_id(world["b"])
    assert kept.deleted_at is not None and kept.balance_cents == 600_00  # 1000.00 ordered - 400.00 paid
    assert [c.name for c in Contact.select().where(Contact.customer == kept)] == ["乙二"]
    assert Contact.select().where(Contact.customer == world["c"]).count() == 0
    assert Complaint.get_by_id(world["c_complaint"]).contact is None
    assert Visit.get_by_id(world["c_recent"]).deleted_at is not None  # not due yet
    assert Target.select().where(Target.rep.is_null(False)).count() == 2  # wang's target and its live part
    assert Rep.get(Rep.login == "ghost").deleted_at is not None

    # the trail keeps A's deletion (unlinked from the row that is gone) and notes the run once
    entry = AuditEntry.get((AuditEntry.table_name == "customer") & (AuditEntry.record_id == str(world["a"])))
    assert entry.action == "delete" and entry.customer is None
    run = AuditEntry.get(AuditEntry.action == "purge")
    assert run.actor_login == "boss" and run.new_value == "16"
    summary = json.loads(run.reason)
    assert summary["days"] == 30 and summary["removed"]["contact"] == 4 and summary["kept"] == {
        "customer": 1, "target": 1, "rep": 1}

    assert kacrm("check").exit_code == 0  # foreign keys and the ledger still hold
    again = kacrm("purge", env=PURGE_AT)
    assert again.stdout.startswith("Purged 0 rows")
    assert AuditEntry.select().where(AuditEntry.action == "purge").count() == 2


def test_days_overrides_the_retention(kacrm, world):
    none_due = kacrm("purge", "--days", "60", "--dry-run", env=PURGE_AT)  # cut-off 2026-02-09: before every deletion
    assert none_due.stdout.startswith("Dry run, nothing changed: 0 rows would go")
    everything = kacrm("purge", "--days", "0", env=PURGE_AT)
    assert counts(everything.stdout)["visit"] == "2 rows"  # the recent one too
    assert Visit.get_or_none(Visit.id == world["c_recent"]) is None


def test_the_retention_comes_from_the_config(kacrm, world, tmp_path):
    config = tmp_path / "site.toml"
    config.write_text("[access]\ndeleted_retention_days = 45\n", encoding="utf-8")
    result = kacrm("--config", str(config), "purge", "--dry-run", env=PURGE_AT)
    assert "0 rows would go, records deleted more than 45 days ago (before 2026-02-24 00:00 UTC)" in result.stdout


def test_only_an_admin_may_purge(kacrm, world):
    result = kacrm("purge", user="lead", env=PURGE_AT)
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("Only an admin may purge deleted records; lead is a manager.")
    assert Customer.get_or_none(Customer.id == world["a"]) is not None


def test_chinese_report(kacrm, world):
    result = kacrm("purge", "--dry-run", env={"KACRM_NOW": PURGE_AT["KACRM_NOW"]})
    assert result.stdout.startswith("试运行，未做任何更改：将清除 16 行")
    assert counts(result.stdout)["contact"] == "4 行"
    assert "保留 1 个：有订单、回款或调整" in result.stdout
