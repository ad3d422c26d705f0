"""The archive form through Pilot: every part of the customer file is edited, saved and audited
with its reason; a bad value is named in the message line and nothing is saved; a conflicting
edit from elsewhere is shown and can be reloaded."""
from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Input, Select, Static, TabbedContent
from textual.widgets._select import SelectCurrent

from kacrm_tui.screens.archive_edit import ArchiveEditScreen
from kacrm_tui.screens.form import LongText
from schema.audit import audited_update, history
from schema.models import Customer, Rep
from tests.tui.pilot import fill, settle


async def open_form(pilot, app, customer: Customer) -> ArchiveEditScreen:
    await settle(app, pilot)
    app.push_screen(ArchiveEditScreen(customer.id))
    await settle(app, pilot)
    assert isinstance(app.screen, ArchiveEditScreen)
    return app.screen


def message(screen) -> str:
    return str(screen.query_one("#edit-message", Static).render())


async def test_a_field_in_each_part_is_saved_and_audited(app_for):
    target = Customer.select().order_by(Customer.code).first()
    app = app_for("demo")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(pilot, app, target)
        parts = screen.query_one(TabbedContent)
        assert parts.active == "part-basic"
        await pilot.press("pagedown")  # the parts are reached from the keyboard
        await pilot.pause()
        assert parts.active == "part-characteristics"
        await pilot.press("pageup", "pageup")
        await pilot.pause()
        assert parts.active == "part-classification"
        fill(screen, {"#f-org_form": "joint_venture",  # basic: a choice
                      "#f-registered_capital_cents": "1,200,000.00",  # basic: money
                      "#f-founded": "2001-03-15",  # basic: a date
                      "#f-philosophy": "稳健经营，重信誉",  # characteristics
                      "#f-attitude_to_us": "友好",  # business status
                      "#f-credit_limit_cents": "350,000.50",  # trading: money
                      "#f-settlement_method": "monthly",  # trading: a choice
                      "#f-score_strength": "4",  # classification: a score
                      "#f-intent": "5", "#f-nature": "partner", "#reason": "年度档案复核"})
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
async def test_a_bad_value_is_named_and_nothing_is_saved(app_for, field, text, part, said):
    target = Customer.select().order_by(Customer.code.desc()).first()
    app = app_for("demo")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(pilot, app, target)
        fill(screen, {"#f-phone": "021-6000 0000",  # a good change beside the bad one
                      f"#f-{field}": text, "#reason": "核对"})
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        assert said in message(screen)
        assert screen.query_one(TabbedContent).active == part  # the field is shown, and focused
        assert app.focused is screen.query_one(f"#f-{field}")
    assert Customer.get_by_id(target.id).version == target.version
    assert Customer.get_by_id(target.id).phone == target.phone


async def test_a_conflicting_edit_is_shown_and_reload_shows_theirs(app_for):
    target = Customer.select().order_by(Customer.code).offset(1).first()
    app = app_for("demo")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_form(pilot, app, target)
        fill(screen, {"#f-purchase_potential_cents": "80,000.00", "#reason": "新估计"})
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
        fill(screen, {"#f-intent": "3", "#reason": "电话确认意向"})
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ArchiveEditScreen), message(screen)
    saved = Customer.get_by_id(target.id)
    assert (saved.credit_days, saved.reputation, saved.intent, saved.version) == (45, "良好", 3, target.version + 2)
    assert saved.purchase_potential_cents == target.purchase_potential_cents


async def test_a_stored_word_the_list_lacks_is_shown_and_kept(app_for):
    """Older data may hold a choice the list no longer has: the form shows it as it is, and saving
    another change keeps it (it is neither blanked nor refused); the user may still pick another."""
    target = Customer.select().order_by(Customer.code).first()
    Customer.update(org_form="state_farm_1958", channel="").where(Customer.id == target.id).execute()
    app = app_for("demo")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot, app, target)
        shown = screen.query_one("#f-org_form", Select)
        assert shown.value == "state_farm_1958"
        assert str(shown.query_one(SelectCurrent).query_one("#label", Static).render()) == "state_farm_1958（列表外）"
        fill(screen, {"#f-phone": "021-6000 0000", "#reason": "核对电话"})
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ArchiveEditScreen), message(screen)
        saved = Customer.get_by_id(target.id)
        assert (saved.org_form, saved.phone) == ("state_farm_1958", "021-6000 0000")
        assert {e.field for e in history("customer", target.id) if e.reason == "核对电话"} == {"phone"}

        screen = await open_form(pilot, app, saved)
        fill(screen, {"#f-org_form": "joint_venture", "#reason": "更正"})
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    assert Customer.get_by_id(target.id).org_form == "joint_venture"
