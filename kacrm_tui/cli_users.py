"""`kacrm user …`: add, list, change, remove users and grant access to customers."""
from __future__ import annotations

import datetime as dt

import click
from peewee import JOIN, fn

from kacrm_tui.cli import AppContext, cli, pass_app
from kacrm_tui.i18n import language, t
from kacrm_tui.output import default_format, emit_table
from schema import clock, reps, vocab
from schema.errors import NotFound, ValidationError
from schema.models import Customer, Rep

ROLE = click.Choice(list(vocab.ROLES))


@cli.group()
def user() -> None:
    """Manage users (reps, managers, admins) and their access."""


@user.command("add")
@click.argument("login")
@click.option("--name", required=True, help="Full name, e.g. 张伟.")
@click.option("--role", type=ROLE, default="rep", show_default=True)
@click.option("--region", default="", help="Region (区域); a manager without one sees every region.")
@click.option("--manager", "manager_login", metavar="LOGIN", help="The manager this user reports to.")
@pass_app
def user_add(app: AppContext, login: str, name: str, role: str, region: str, manager_login: str | None) -> None:
    """Add a user."""
    rep = reps.add_rep(login, name, role, region, by=app.actor(), manager=manager_login)
    click.echo(t("user.added", login=rep.login, role=vocab.label(vocab.ROLES, rep.role, language())))


@user.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include deactivated users.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), help="Default: a table on a terminal, CSV for a pipe.")
@pass_app
def user_list(app: AppContext, show_all: bool, fmt: str | None) -> None:
    """List users with their role, region and number of customers."""
    app.actor()
    boss = Rep.alias()
    query = (Rep.select(Rep, boss.login.alias("boss"), fn.COUNT(Customer.id).alias("owned"))
             .join_from(Rep, boss, JOIN.LEFT_OUTER, on=(Rep.manager == boss.id))
             .join_from(Rep, Customer, JOIN.LEFT_OUTER, on=((Customer.owner == Rep.id) & Customer.deleted_at.is_null()))
             .group_by(Rep.id, boss.login).order_by(Rep.login))
    if not show_all:
        query = query.where(Rep.active)
    fmt = fmt or default_format()
    lang = language()
    rows = [{"login": r.login, "name": r.name, "role": r.role if fmt in ("csv", "json") else vocab.label(vocab.ROLES, r.role, lang),
             "region": r.region, "manager": r.boss or "", "customers": r.owned,
             "active": r.active if fmt == "json" else ("true" if r.active else "false") if fmt == "csv"
             else t("active" if r.active else "inactive")} for r in query.objects()]
    columns = [(k, t(f"col.{k}")) for k in ("login", "name", "role", "region", "manager", "customers", "active")]
    emit_table(columns, rows, fmt)


@user.command("set-role")
@click.argument("login")
@click.argument("role", type=ROLE)
@click.option("--region", default=None, help="Also set the region.")
@pass_app
def user_set_role(app: AppContext, login: str, role: str, region: str | None) -> None:
    """Change a user's role (and region)."""
    rep = reps.set_role(login, role, by=app.actor(), region=region)
    click.echo(t("user.role_set", login=rep.login, role=vocab.label(vocab.ROLES, rep.role, language())))


@user.command("remove")
@click.argument("login")
@click.option("--transfer-to", metavar="LOGIN", help="Hand the user's customers to this user.")
@pass_app
def user_remove(app: AppContext, login: str, transfer_to: str | None) -> None:
    """Deactivate a user; their history stays."""
    reps.remove_rep(login, by=app.actor(), transfer_to=transfer_to)
    click.echo(t("user.removed", login=login))


@user.command("grant")
@click.argument("login")
@click.argument("customer_code")
@click.option("--edit", "edit", is_flag=True, help="Allow editing, not only viewing.")
@click.option("--days", type=click.IntRange(min=1), help="Days the grant lasts (default: [access] grant_default_days).")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), help="Last day of the grant (YYYY-MM-DD).")
@click.option("--reason", default="", help="Why the access is needed (kept in the audit trail).")
@pass_app
def user_grant(app: AppContext, login: str, customer_code: str, edit: bool, days: int | None,
               until: dt.datetime | None, reason: str) -> None:
    """Let LOGIN see (or edit) CUSTOMER_CODE, which another rep owns, until an expiry."""
    from schema.access import grant_access

    by = app.actor()
    grantee = reps.find_rep(login)
    customer = Customer.get_or_none(Customer.code == customer_code)
    if customer is None:
        raise NotFound(f"There is no customer with code {customer_code!r}.")
    if days and until:
        raise ValidationError("Give --days or --until, not both.")
    expires = None
    if until:
        expires = dt.datetime.combine(until.date() + dt.timedelta(days=1), dt.time(), clock.UTC)
    level = "edit" if edit else "view"
    grant = grant_access(customer, grantee, by=by, level=level, expires_at=expires,
                         days=days or app.config.access.grant_default_days, reason=reason)
    click.echo(t("user.granted", login=login, level=t(f"level.{level}"), code=customer.code,
                 until=f"{grant.expires_at:%Y-%m-%d %H:%M} UTC"))
