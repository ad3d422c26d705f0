"""The access rule of DESIGN §6, as a whole matrix: who sees and edits which customer."""
from __future__ import annotations

import datetime as dt

import pytest

from schema import access, clock
from schema.errors import PermissionDenied
from schema.models import AuditEntry, Customer


@pytest.fixture
def world(make_rep, make_customer):
    """Two regions; a manager per region, a boss with no region, an admin, reps, an outsider."""
    boss = make_rep("boss", "manager")  # no region: sees all
    admin = make_rep("root", "admin")
    east_mgr = make_rep("eastmgr", "manager", "华东")
    north_mgr = make_rep("northmgr", "manager", "华北")
    alice = make_rep("alice", "rep", "华东", manager=east_mgr)
    bob = make_rep("bob", "rep", "华东", manager=east_mgr)
    carol = make_rep("carol", "rep", "华北", manager=north_mgr)
    gone = make_rep("gone", "rep", "华东", active=False)
    # a customer in 华北 owned by alice (team of eastmgr, region of northmgr)
    customers = {
        "alice_east": make_customer(alice, "华东"),
        "bob_east": make_customer(bob, "华东"),
        "carol_north": make_customer(carol, "华北"),
        "alice_north": make_customer(alice, "华北"),
        "gone_east": make_customer(gone, "华东"),
    }
    reps = dict(boss=boss, admin=admin, east_mgr=east_mgr, north_mgr=north_mgr, alice=alice, bob=bob,
                carol=carol, gone=gone)
    return reps, customers


# who -> the customers they see (by role alone, no grants)
EXPECTED = {
    "admin": {"alice_east", "bob_east", "carol_north", "alice_north", "gone_east"},
    "boss": {"alice_east", "bob_east", "carol_north", "alice_north", "gone_east"},
    "east_mgr": {"alice_east", "bob_east", "alice_north", "gone_east"},  # region + team
    "north_mgr": {"carol_north", "alice_north"},  # region only
    "alice": {"alice_east", "alice_north"},
    "bob": {"bob_east"},
    "carol": {"carol_north"},
    "gone": set(),  # inactive: nothing, not even their own
}


def _names(query, customers):
    ids = {c.id for c in query}
    return {name for name, c in customers.items() if c.id in ids}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_visibility_and_edit_by_role(world, who):
    reps, customers = world
    rep = reps[who]
    assert _names(access.visible_customers(rep), customers) == EXPECTED[who]
    assert _names(access.editable_customers(rep), customers) == EXPECTED[who]
    for name, customer in customers.items():
        assert access.can_see(rep, customer) == (name in EXPECTED[who])
        assert access.can_edit(rep, customer) == (name in EXPECTED[who])


def test_soft_deleted_customers_are_hidden_unless_asked_for(world):
    reps, customers = world
    Customer.update(deleted_at=clock.now()).where(Customer.id == customers["alice_east"].id).execute()
    assert _names(access.visible_customers(reps["alice"]), customers) == {"alice_north"}
    assert _names(access.visible_customers(reps["alice"], include_deleted=True), customers) == {"alice_east", "alice_north"}


def test_view_grant_lets_another_rep_see_not_edit_until_expiry(world):
    reps, customers = world
    bob, target = reps["bob"], customers["carol_north"]
    assert not access.can_see(bob, target)
    grant = access.grant_access(target, bob, by=reps["north_mgr"], days=7, reason="covering carol's holiday")
    assert access.can_see(bob, target)
    assert not access.can_edit(bob, target)
    assert _names(access.visible_customers(bob), customers) == {"bob_east", "carol_north"}
    later = grant.expires_at + dt.timedelta(seconds=1)
    assert not access.can_see(bob, target, at=later)
    assert access.can_see(bob, target, at=grant.expires_at - dt.timedelta(seconds=1))
    assert AuditEntry.select().where(AuditEntry.action == "grant").count() == 1


def test_edit_grant_allows_editing(world):
    reps, customers = world
    access.grant_access(customers["carol_north"], reps["bob"], by=reps["admin"], level="edit", days=1)
    assert access.can_edit(reps["bob"], customers["carol_north"])


def test_revoked_grant_stops_access(world):
    reps, customers = world
    grant = access.grant_access(customers["carol_north"], reps["bob"], by=reps["boss"], days=30)
    access.revoke_access(grant, reps["boss"], reason="no longer needed")
    assert not access.can_see(reps["bob"], customers["carol_north"])


def test_requested_access_counts_only_once_approved(world):
    reps, customers = world
    grant = access.request_access(customers["carol_north"], reps["bob"], days=5, reason="joint visit")
    assert not access.can_see(reps["bob"], customers["carol_north"])
    with pytest.raises(PermissionDenied):
        access.approve_access(grant, reps["east_mgr"])  # not carol's manager
    access.approve_access(grant, reps["north_mgr"])
    assert access.can_see(reps["bob"], customers["carol_north"])


@pytest.mark.parametrize("granter", ["alice", "bob", "east_mgr"])
def test_only_the_customers_manager_or_an_admin_may_grant(world, granter):
    reps, customers = world
    with pytest.raises(PermissionDenied):
        access.grant_access(customers["carol_north"], reps["bob"], by=reps[granter], days=3)


def test_grant_to_an_inactive_rep_gives_nothing(world):
    reps, customers = world
    access.grant_access(customers["carol_north"], reps["gone"], by=reps["admin"], days=3)
    assert not access.can_see(reps["gone"], customers["carol_north"])


def test_require_edit_says_what_to_do(world):
    reps, customers = world
    with pytest.raises(PermissionDenied, match="edit grant"):
        access.require_edit(reps["bob"], customers["alice_east"])
