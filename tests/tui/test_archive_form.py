"""The archive form through Pilot: every part of the customer file is edited, saved and audited
with its reason; a bad value is named in the message line and nothing is saved; a conflicting
edit from elsewhere is shown and can be reloaded."""
from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Input, Select, Static, TabbedContent

from kacrm_tui.app import make_app
from kacrm_tui.demo.build import build_demo
from kacrm_tui.screens.archive_edit import ArchiveEditScreen
from kacrm_tui.screens.form import LongText
from schema.audit import audited_update, history
from schema.config import load_config
from schema.db import open_database
from schema.models import Customer, Rep
from tests.tui.pilot import settle

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    directory = tmp_path_factory.mktemp("archive_form")
    build_demo(directory, 30, 5, today=TODAY)
    return directory


@pytest.fixture
def opened(demo, monkeypatch):
    monkeypatch.delenv("KACRM_LANG", raising=False)  # the messages below are the Chinese ones
    db = open_database(str(demo / "kacrm.db"))
    yield db
    db.close()


async def open_form(demo, pilot, app, customer: Customer) -> ArchiveEditScreen:
    await settle(app, pilot)
    app.push_screen(ArchiveEditScreen(customer.id))
    await settle(app, pilot)
    assert isinstance(app.screen, ArchiveEditScreen)
    return app.screen


def app_for(demo):
    return make_app(load_config(None, cwd=demo), Rep.get(Rep.login == "demo"), "kacrm.db")


def message(screen) -> str:
    return str(screen.query_one("#edit-message", Static).render())


async def test_a_field_in_each_part_is_saved_and_audited(demo, opened):
    target = Customer.select().order_by(Customer.code).first()
    app = app_for(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(demo, pilot, app, target)
        parts = screen.query_one(TabbedContent)
        assert parts.active == "part-basic"
        await pilot.press("pagedown")  # the parts are reached from the keyboard
        await pilot.pause()
        assert parts.active == "part-characteristics"
        await pilot.press("pageup", "pageup")
        await pilot.pause()
        assert parts.active == "part-classification"
        screen.query_one("#f-org_form", Select).value = "joint_venture"  # basic: a choice
        screen.query_one("#f-registered_capital_cents", Input).value = "1,200,000.00"  # basic: money
        screen.query_one("#f-founded", Input).value = "2001-03-15"  # basic: a date
        screen.query_one("#f-philosophy", LongText).value = "稳健经营，重信誉"  # characteristics
        screen.query_one("#f-attitude_to_us", LongText).value = "友好"  # business status
        screen.query_one("#f-credit_limit_cents", Input).value = "350,000.50"  # trading: money
        screen.query_one("#f-settlement_method", Select).value = "monthly"  # trading: a choice
        screen.query_one("#f-score_strength", Input).value = "4"  # classification: a score
        screen.query_one("#f-intent", Input).value = "5"
        screen.query_one("#f-nature", Select).value = "partner"
        screen.query_one("#reason", Input).value = "年度档案复核"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ArchiveEditScreen), message(screen)
    saved = Customer.get_by_id(target.id)
    assert (saved.org_form, saved.registered_capital_cents, saved.founded, saved.philosophy, saved.attitude_to_us,
            saved.credit_limit_cents, saved.settlement_method, saved.score_strength, saved.intent, saved.nature) == (
        "joint_venture", 120000000, dt.date(2001, 3, 15), "稳健经营，重信誉", "友好", 35000050, "monthly", 4, 5,
        "partner")
    assert saved.version == target.version + 1
    assert saved.name == target.name and saved.phone == target.phone  # untouched fields are not rewritten
    entries = {e.field: e for e in history("customer", target.id)}
    for field in ("org_form", "registered_capital_cents", "founded", "philosophy", "attitude_to_us",
                  "credit_limit_cents", "settlement_method", "score_strength", "intent", "nature"):
        assert entries[field].reason == "年度档案复核"
    assert "name" not in entries


@pytest.mark.parametrize("field, text, part, said", [
    ("credit_limit_cents", "12,00.5x", "part-trading", "信用额度：不是金额"),
    ("founded", "2026-02-30", "part-basic", "创业时间：没有这一天"),
    ("score_network", "6", "part-classification", "网络 1-5：评分须为 1 到 5"),
])
async def test_a_bad_value_is_named_and_nothing_is_saved(demo, opened, field, text, part, said):
    target = Customer.select().order_by(Customer.code.desc()).first()
    app = app_for(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(demo, pilot, app, target)
        screen.query_one("#f-phone", Input).value = "021-6000 0000"  # a good change beside the bad one
        screen.query_one(f"#f-{field}", Input).value = text
        screen.query_one("#reason", Input).value = "核对"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        assert said in message(screen)
        assert screen.query_one(TabbedContent).active == part  # the field is shown, and focused
        assert app.focused is screen.query_one(f"#f-{field}")
    assert Customer.get_by_id(target.id).version == target.version
    assert Customer.get_by_id(target.id).phone == target.phone


async def test_a_conflicting_edit_is_shown_and_reload_shows_theirs(demo, opened):
    target = Customer.select().order_by(Customer.code).offset(1).first()
    app = app_for(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(demo, pilot, app, target)
        screen.query_one("#f-purchase_potential_cents", Input).value = "80,000.00"
        screen.query_one("#reason", Input).value = "新估计"
        # meanwhile someone else saves the same customer's trading status
        audited_update(Customer.get_by_id(target.id), {"credit_days": 45, "reputation": "良好"},
                       actor=Rep.get(Rep.login == "admin"), reason="信用复核")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        shown = message(screen)
        assert "账期（天）" in shown and "45" in shown and "良好" in shown  # what they changed
        assert Customer.get_by_id(target.id).purchase_potential_cents == target.purchase_potential_cents
        await pilot.press("ctrl+r")  # give mine up: theirs is shown
        await settle(app, pilot)
        assert screen.query_one("#f-credit_days", Input).value == "45"
        assert screen.query_one("#f-reputation", LongText).value == "良好"
        assert screen.query_one("#f-purchase_potential_cents", Input).value == \
            ("" if target.purchase_potential_cents is None else f"{target.purchase_potential_cents / 100:,.2f}")
        screen.query_one("#f-intent", Input).value = "3"
        screen.query_one("#reason", Input).value = "电话确认意向"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ArchiveEditScreen), message(screen)
    saved = Customer.get_by_id(target.id)
    assert (saved.credit_days, saved.reputation, saved.intent, saved.version) == (45, "良好", 3, target.version + 2)
    assert saved.purchase_potential_cents == target.purchase_potential_cents
