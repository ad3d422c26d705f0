"""SVG snapshots of the screens at a fixed size, with the seeded demo and a fixed day.
Review `snapshot_report.html` before `pytest --snapshot-update`."""
from __future__ import annotations

import datetime as dt

import pytest

from kacrm_tui.app import make_app
from kacrm_tui.demo.build import build_demo
from schema.config import load_config
from schema.db import open_database
from schema.models import Customer, Rep

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    directory = tmp_path_factory.mktemp("snapdemo")
    build_demo(directory, 40, 11, today=TODAY)
    return directory


@pytest.fixture
def app(demo, monkeypatch):
    monkeypatch.setenv("KACRM_NOW", "2026-11-20T09:00:00+08:00")
    db = open_database(str(demo / "kacrm.db"))
    yield make_app(load_config(None, cwd=demo), Rep.get(Rep.login == "demo"), "kacrm.db")
    db.close()


async def _loaded(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _listed(pilot) -> None:
    """The manager starts on the dashboard; Esc goes to the customer list beneath it."""
    await _loaded(pilot)
    await pilot.press("escape")
    await _loaded(pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_customer_list(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_listed)


def test_customer_list_searched_by_pinyin(snap_compare, app):
    initials = Customer.select().order_by(Customer.code).first().name_initials[:4]

    async def search(pilot) -> None:
        await _listed(pilot)
        await pilot.press("slash", *initials)
        for _ in range(100):  # the search waits for typing to pause; a loaded machine is slow to
            if pilot.app.screen.text == initials:
                break
            await pilot.pause(0.05)
        await _loaded(pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=search)


@pytest.mark.parametrize("tab", ["archive", "contacts"])
def test_customer_screen(snap_compare, app, tab):
    async def open_customer(pilot) -> None:
        await _listed(pilot)
        await pilot.press("enter")
        await _loaded(pilot)
        if tab == "contacts":
            await pilot.press("right")
            await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=open_customer)


def test_archive_edit_form(snap_compare, app):
    async def edit(pilot) -> None:
        await _listed(pilot)
        await pilot.press("enter")
        await _loaded(pilot)
        await pilot.press("e")
        await _loaded(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=edit)


def test_alerts_screen(snap_compare, app):
    async def alerts(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("a")
        await _loaded(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=alerts)


def test_visit_form(snap_compare, app):
    async def visit(pilot) -> None:
        await _listed(pilot)
        await pilot.press("enter")
        await _loaded(pilot)
        await pilot.press("v")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 30), run_before=visit)


def test_agenda_screen(snap_compare, app):
    async def agenda(pilot) -> None:
        await _loaded(pilot)
        await pilot.press("d")
        await _loaded(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=agenda)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_dashboard(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=_loaded)  # the manager's first screen


@pytest.fixture(scope="module")
def trash_demo(tmp_path_factory):
    """Its own demo: the deletions and edits these snapshots need would change the other screens'."""
    directory = tmp_path_factory.mktemp("snaptrash")
    build_demo(directory, 12, 11, today=TODAY)
    return directory


@pytest.mark.parametrize("screen", ["trash", "history"])
def test_trash_and_history(snap_compare, trash_demo, monkeypatch, screen):
    from schema.audit import audited_update, soft_delete
    from schema.models import Contact

    monkeypatch.setenv("KACRM_NOW", "2026-11-20T09:00:00+08:00")
    db = open_database(str(trash_demo / "kacrm.db"))
    try:
        customer = Customer.select().order_by(Customer.code).first()
        admin = Rep.get(Rep.login == "admin")
        if not Customer.select().where(Customer.deleted_at.is_null(False)).exists():
            contact = Contact.live().where(Contact.customer == customer).order_by(Contact.id).first()
            soft_delete(contact, actor=admin, reason="已离职")
            audited_update(customer, {"phone": "021-5555 0000"}, actor=admin, reason="总机变更")
            audited_update(customer, {"address": "上海市浦东新区世纪大道100号"}, actor=admin, reason="地址核对")
            soft_delete(Customer.select().order_by(Customer.code.desc()).first(), actor=admin, reason="重复建档")
        app = make_app(load_config(None, cwd=trash_demo), Rep.get(Rep.login == "demo"), "kacrm.db")

        async def open_it(pilot) -> None:
            await _listed(pilot)
            if screen == "trash":
                await pilot.press("t")
            else:
                await pilot.press("enter")
                await _loaded(pilot)
                await pilot.press("h")
            await _loaded(pilot)

        assert snap_compare(app, terminal_size=(80, 24), run_before=open_it)
    finally:
        db.close()
