"""SVG snapshots of every screen at 80x24 and 120x40, in Chinese and in English, with the seeded
demo and a fixed clock. Review `snapshot_report.html` before `pytest --snapshot-update`.

The screens that only read share one demo; those that write (trash, history, a conflicting edit)
each start from a fresh copy of a second one, so no snapshot depends on which ran before it."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
from textual.widgets import DataTable, Input, TabbedContent

from kacrm_tui.app import make_app
from kacrm_tui.demo.build import build_demo
from schema.config import load_config
from schema.db import open_database
from schema.models import Customer, Rep

TODAY = dt.date(2026, 11, 20)
SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
LANGUAGES = ("zh", "en")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    directory = tmp_path_factory.mktemp("snapdemo")
    build_demo(directory, 40, 11, today=TODAY)
    return directory


@pytest.fixture(params=LANGUAGES)
def language(request, monkeypatch):
    """Set before the app is built: its keys' words are looked up then."""
    monkeypatch.setenv("KACRM_LANG", request.param)
    monkeypatch.setenv("KACRM_NOW", "2026-11-20T09:00:00+08:00")
    return request.param


def _app(directory):
    return make_app(load_config(None, cwd=directory), Rep.get(Rep.login == "demo"), "kacrm.db")


async def _loaded(pilot) -> None:
    """The workers done, their rows drawn, and every table's column widths worked out for them
    (a table does that when idle: on a busy machine, after the next pause)."""
    quiet = 0
    for _ in range(250):  # up to 5 s or so: on a loaded CI machine a new screen mounts, starts its
        # workers and lays its tables out (when idle) late, so wait for three quiet looks in a row
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        busy = any(worker.is_running for worker in pilot.app.workers) or any(
            table._require_update_dimensions or table._updated_cells for table in pilot.app.screen.query(DataTable))
        quiet = 0 if busy else quiet + 1
        if quiet >= 3:
            break
        await pilot.pause(0.02)
    for field in pilot.app.screen.query("Input, TextArea"):  # a blinking cursor is caught in either state
        field.cursor_blink = False
    await pilot.pause()  # and draws them


async def _listed(pilot) -> None:
    """The manager starts on the dashboard; Esc goes to the customer list beneath it."""
    await _loaded(pilot)
    await pilot.press("escape")
    await _loaded(pilot)


async def _customer(pilot, tab: str = "archive") -> None:
    """C000002, the second row: it has contacts, contracts, an opportunity and a complaint."""
    await _listed(pilot)
    await pilot.press("j", "enter")
    await _loaded(pilot)
    await _loaded(pilot)  # the tabs are read by a second worker, started by the first
    if tab != "archive":
        pilot.app.screen.query_one(TabbedContent).active = tab
        await _loaded(pilot)  # the history tab is read when first shown
        await pilot.press("tab")  # from the tab bar into the tab's table
        await pilot.pause()


def _keys(*keys: str, tab: str | None = None):
    async def steps(pilot) -> None:
        if tab is None:
            await _listed(pilot)
        else:
            await _customer(pilot, tab)
        await pilot.press(*keys)
        await _loaded(pilot)
        await _loaded(pilot)
    return steps


def _tab(tab: str):
    async def steps(pilot) -> None:
        await _customer(pilot, tab)
    return steps


async def _searched(pilot) -> None:
    initials = Customer.select().order_by(Customer.code).first().name_initials[:4]
    await _listed(pilot)
    await pilot.press("slash", *initials)
    for _ in range(100):  # the search waits for typing to pause; a loaded machine is slow to
        if pilot.app.screen.text == initials:
            break
        await pilot.pause(0.05)
    await _loaded(pilot)


async def _palette(pilot) -> None:
    await _listed(pilot)
    await pilot.press("ctrl+p")
    for _ in range(100):  # the providers answer asynchronously
        await pilot.pause(0.05)
        if pilot.app.screen.has_class("-ready"):
            break
    await pilot.pause()


async def _dashboard(pilot) -> None:
    await _loaded(pilot)


SCREENS = {
    "dashboard": _dashboard,
    "list": _listed,
    "list_searched": _searched,
    **{f"customer_{tab}": _tab(tab) for tab in ("archive", "contacts", "visits", "contracts", "opportunities",
                                                "complaints", "ledger", "evaluation", "history")},
    "agenda": _keys("d"),
    "alerts": _keys("a"),
    "approvals": _keys("p"),
    "archive_edit": _keys("e", tab="archive"),
    "visit_form": _keys("v", tab="archive"),
    "contact_form": _keys("m", tab="contacts"),
    "contract_form": _keys("m", tab="contracts"),
    "opportunity_form": _keys("m", tab="opportunities"),
    "complaint_form": _keys("m", tab="complaints"),
    "evaluation_form": _keys("k", tab="archive"),
    "delete_confirm": _keys("x", tab="contacts"),
    "list_filter": _keys("f"),
    "help": _keys("question_mark"),
    "palette": _palette,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_screen(snap_compare, demo, language, screen, size):
    db = open_database(str(demo / "kacrm.db"))
    try:
        assert snap_compare(_app(demo), terminal_size=SIZES[size], run_before=SCREENS[screen])
    finally:
        db.close()


@pytest.fixture(scope="module")
def changed_demo(tmp_path_factory):
    """The demo the writing snapshots copy: small, and never written itself."""
    directory = tmp_path_factory.mktemp("snapchanged")
    build_demo(directory, 12, 11, today=TODAY)
    return directory


def _deleted_and_edited() -> None:
    """A contact and a customer deleted, two fields of the first customer changed, by the admin."""
    from schema.audit import audited_update, soft_delete
    from schema.models import Contact

    customer = Customer.select().order_by(Customer.code).first()
    admin = Rep.get(Rep.login == "admin")
    contact = Contact.live().where(Contact.customer == customer).order_by(Contact.id).first()
    soft_delete(contact, actor=admin, reason="已离职")
    audited_update(customer, {"phone": "021-5555 0000"}, actor=admin, reason="总机变更")
    audited_update(customer, {"address": "上海市浦东新区世纪大道100号"}, actor=admin, reason="地址核对")
    soft_delete(Customer.select().order_by(Customer.code.desc()).first(), actor=admin, reason="重复建档")


async def _trash(pilot) -> None:
    await _listed(pilot)
    await pilot.press("t")
    await _loaded(pilot)


async def _history(pilot) -> None:
    await _listed(pilot)
    await pilot.press("enter")
    await _loaded(pilot)
    await pilot.press("h")
    await _loaded(pilot)


async def _conflict(pilot) -> None:
    """The user changes the phone of C000001 and gives a reason; meanwhile another rep saves a
    new address and website; the user's save shows what they changed and the two ways on."""
    from schema.audit import audited_update

    await _listed(pilot)
    await pilot.press("enter")
    await _loaded(pilot)
    await pilot.press("e")
    await _loaded(pilot)
    form = pilot.app.screen
    form.query_one("#f-phone", Input).value = "0951-5000 0000"
    form.query_one("#reason", Input).value = "客户来电更正"
    customer = Customer.select().order_by(Customer.code).first()
    audited_update(customer, {"address": "宁夏银川市金凤区北京中路1号", "website": "www.jiean.cn"},
                   actor=Rep.get(Rep.login == "admin"), reason="年检资料")
    await pilot.press("ctrl+s")
    await _loaded(pilot)
    await _loaded(pilot)
    for field in form.query(Input):  # the save took a while: the cursor would be caught mid-blink
        field.cursor_blink = False
    await pilot.pause()


CHANGED = {"trash": (_deleted_and_edited, _trash), "history": (_deleted_and_edited, _history),
           "conflict": (None, _conflict)}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", CHANGED)
def test_screen_after_changes(snap_compare, changed_demo, tmp_path, language, screen, size):
    directory = tmp_path / "demo"
    shutil.copytree(changed_demo, directory)
    db = open_database(str(directory / "kacrm.db"))
    try:
        change, steps = CHANGED[screen]
        if change is not None:
            change()
        assert snap_compare(_app(directory), terminal_size=SIZES[size], run_before=steps)
    finally:
        db.close()
