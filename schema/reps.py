"""Reps (the users): who is acting, and how an admin adds, changes and removes them."""
from __future__ import annotations

import getpass
import os
import re

from schema import clock, vocab
from schema.audit import audited_create, audited_update, record_change
from schema.db import transaction
from schema.errors import NotFound, PermissionDenied, ValidationError
from schema.models import Customer, Rep

LOGIN = re.compile(r"^[a-z_][a-z0-9_.-]{0,63}$")


def os_login() -> str:
    """The login of the person running kacrm: the deployment's `--user` wins over this."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "unknown")


def find_rep(login: str) -> Rep:
    rep = Rep.get_or_none(Rep.login == login)
    if rep is None:
        raise NotFound(f"There is no user {login!r}; `kacrm user list` shows who there is.")
    return rep


def acting_rep(login: str) -> Rep:
    """The active Rep behind `login`, or a sentence saying how to become one."""
    rep = Rep.get_or_none(Rep.login == login)
    if rep is None or not rep.active:
        raise PermissionDenied(f"{login!r} is not an active kacrm user; an admin can add you with "
                               f"`kacrm user add {login} --name NAME --role rep`.")
    return rep


def _check_login(login: str) -> None:
    if not LOGIN.match(login):
        raise ValidationError(f"{login!r} is not a valid login: use lower-case letters, digits, '.', '_' or '-', "
                              "starting with a letter.")


def _check_role(role: str) -> None:
    if role not in vocab.ROLES:
        raise ValidationError(f"Role must be one of {', '.join(vocab.ROLES)}, not {role!r}.")


def _require_admin(by: Rep | None) -> None:
    if by is not None and by.role != "admin":
        raise PermissionDenied(f"Only an admin may manage users; {by.login} is a {by.role}.")


def ensure_admin(login: str) -> tuple[Rep, bool]:
    """At `kacrm init`: when the database has no admin, `login` becomes one. Returns (rep, changed)."""
    with transaction():
        if Rep.select().where((Rep.role == "admin") & Rep.active).exists():
            return acting_rep_or_none(login), False
        _check_login(login)
        rep = Rep.get_or_none(Rep.login == login)
        if rep is None:
            rep = audited_create(Rep, {"login": login, "name": login, "role": "admin"}, actor="kacrm init",
                                 reason="first admin: the login that initialised the database")
        else:
            audited_update(rep, {"role": "admin", "active": True}, actor="kacrm init",
                           reason="no admin left: the login that ran init")
        return rep, True


def acting_rep_or_none(login: str) -> Rep | None:
    return Rep.get_or_none(Rep.login == login)


def add_rep(login: str, name: str, role: str = "rep", region: str = "", *, by: Rep | None,
            manager: str | None = None) -> Rep:
    """Add a user. `by` is the acting admin (None only for set-up code such as the demo)."""
    _require_admin(by)
    _check_login(login)
    _check_role(role)
    if not name.strip():
        raise ValidationError("A user needs a name (--name).")
    with transaction():
        if Rep.select().where(Rep.login == login).exists():
            raise ValidationError(f"User {login!r} already exists; use `kacrm user set-role` to change it.")
        values = {"login": login, "name": name.strip(), "role": role, "region": region.strip()}
        if manager:
            values["manager"] = find_rep(manager)
        return audited_create(Rep, values, actor=by or "setup", reason="user add")


def set_role(login: str, role: str, *, by: Rep, region: str | None = None) -> Rep:
    _require_admin(by)
    _check_role(role)
    rep = find_rep(login)
    with transaction():
        if rep.role == "admin" and role != "admin" and _other_admins(rep) == 0:
            raise ValidationError(f"{login} is the last admin; make someone else admin first.")
        changes: dict = {"role": role}
        if region is not None:
            changes["region"] = region.strip()
        audited_update(rep, changes, actor=by, reason="user set-role")
    return rep


def _other_admins(rep: Rep) -> int:
    return Rep.select().where((Rep.role == "admin") & Rep.active & (Rep.id != rep.id)).count()


def remove_rep(login: str, *, by: Rep, transfer_to: str | None = None) -> Rep:
    """Deactivate a user (kept for history). Their customers must go to someone first."""
    _require_admin(by)
    rep = find_rep(login)
    if rep.id == by.id:
        raise ValidationError("You cannot remove yourself; ask another admin.")
    with transaction():
        if rep.role == "admin" and _other_admins(rep) == 0:
            raise ValidationError(f"{login} is the last admin; make someone else admin first.")
        owned = list(Customer.select().where(Customer.owner == rep))
        if owned and not transfer_to:
            raise ValidationError(f"{login} owns {len(owned)} customers; pass --transfer-to LOGIN to hand them over.")
        if owned:
            heir = acting_rep(transfer_to)
            for customer in owned:
                audited_update(customer, {"owner": heir}, actor=by, reason=f"user remove {login}")
        audited_update(rep, {"active": False}, actor=by, reason="user remove")
        Rep.update(deleted_at=clock.now()).where(Rep.id == rep.id).execute()
        record_change(by, table="rep", record_id=rep.id, action="delete", reason="user remove")
    return rep
