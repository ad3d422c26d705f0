"""The Textual app through Pilot: the list, search by name and pinyin, a customer, access."""
from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Static

from kacrm_tui.screens.archive_edit import ArchiveEditScreen
from kacrm_tui.screens.customer import CustomerScreen
from kacrm_tui.screens.customers import CustomersScreen
from kacrm_tui.screens.form import LongText
from schema.config import load_config
from schema.models import Contact, Customer, Rep
from tests.tui.pilot import fill, open_customer, press_for, settle


@pytest.fixture
def demo_size() -> tuple[int, int]:
    return 60, 7


async def to_the_list(app, pilot) -> None:
    """A manager starts on the dashboard; Esc goes to the customer list beneath it."""
    await settle(app, pilot)
    await pilot.press("escape")
    await settle(app, pilot)


def codes(app) -> list[str]:
    table = app.screen.query_one("#customers", DataTable)
    return [table.get_row_at(i)[0] for i in range(table.row_count)]


async def test_the_list_shows_what_the_user_may_see(app_for, rep):
    manager = app_for("demo")
    async with manager.run_test(size=(120, 40)) as pilot:
        await to_the_list(manager, pilot)
        assert isinstance(manager.screen, CustomersScreen)
        assert len(codes(manager)) == 60  # read beneath the dashboard: a whole page
        manager.screen.query_one("#search", Input).value = "C0"  # each of them
        await pilot.pause(0.3)
        await settle(manager, pilot)
        shown = codes(manager)  # a search shows a screenful and half as much again, the rest as the cursor nears it
        assert 30 <= len(shown) < 60 and shown == sorted(shown)
        assert str(manager.screen.query_one("#count", Static).render()).startswith(f"{len(shown)}+")
        await pilot.press("ctrl+end")  # the cursor on the last row read: the next page comes
        await settle(manager, pilot)
        assert codes(manager) == sorted(c.code for c in Customer.select())
    own = {c.code for c in Customer.select().where(Customer.owner == rep)}
    app = app_for(rep.login)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert set(codes(app)) == own and own


async def test_search_by_pinyin_initials_and_by_name(app_for):
    target = Customer.select().order_by(Customer.code).first()
    app = app_for("demo")
    async with app.run_test(size=(120, 40)) as pilot:
        await to_the_list(app, pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*target.name_initials[:6])
        await pilot.pause(0.3)
        await settle(app, pilot)
        found = codes(app)
        assert target.code in found and len(found) < 60
        app.screen.query_one("#search", Input).value = target.name[2:6]
        await pilot.pause(0.3)
        await settle(app, pilot)
        assert target.code in codes(app)


async def test_open_a_customer_and_go_back(app_for):
    target = Customer.select().order_by(Customer.code).first()
    app = app_for("demo")
    async with app.run_test(size=(120, 40)) as pilot:
        await to_the_list(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CustomerScreen)
        header = str(app.screen.query_one("#header", Static).render())
        assert target.code in header and target.name in header
        contacts = app.screen.query_one("#contact-table", DataTable)
        assert contacts.row_count == Contact.live().where(Contact.customer == target).count() > 0
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CustomersScreen)


@pytest.mark.parametrize("screen_type", [CustomerScreen, ArchiveEditScreen])
async def test_a_rep_may_neither_open_nor_edit_another_reps_customer(app_for, rep, screen_type):
    other = Customer.select().where(Customer.owner != rep).first()
    app = app_for(rep.login)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.push_screen(screen_type(other.id))
        await settle(app, pilot)
        assert isinstance(app.screen, CustomersScreen)  # turned away: still on the list
    assert Customer.get_by_id(other.id).version == other.version


async def test_edit_with_a_reason_and_a_conflicting_edit_from_elsewhere(app_for):
    from schema.audit import audited_update, history

    target = Customer.select().order_by(Customer.code.desc()).first()
    app = app_for("demo")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_customer(app, pilot, target)
        await pilot.press("e")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ArchiveEditScreen)
        screen.query_one("#f-phone", Input).value = "021-6666 8888"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "原因" in str(screen.query_one("#edit-message", Static).render())  # a reason is required
        screen.query_one("#reason", Input).value = "客户换了总机"
        # meanwhile someone else saves the same customer
        audited_update(Customer.get_by_id(target.id), {"address": "上海市浦东新区世纪大道100号"},
                       actor=Rep.get(Rep.login == "admin"), reason="地址核对")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        message = str(screen.query_one("#edit-message", Static).render())
        assert "世纪大道100号" in message  # what they changed is shown; nothing was written over
        assert Customer.get_by_id(target.id).phone == target.phone
        await pilot.press("ctrl+o")  # apply mine on top of theirs
        await settle(app, pilot)
        assert not isinstance(app.screen, ArchiveEditScreen)
    saved = Customer.get_by_id(target.id)
    assert (saved.phone, saved.address, saved.version) == ("021-6666 8888", "上海市浦东新区世纪大道100号",
                                                           target.version + 2)
    reasons = {e.field: e.reason for e in history("customer", target.id)}
    assert reasons["phone"] == "客户换了总机" and reasons["address"] == "地址核对"


async def test_the_palette_goes_to_a_customer_by_pinyin_within_access(app_for, rep, customer):
    from kacrm_tui.commands import CustomerCommands

    theirs = Customer.select().where(Customer.owner != rep).order_by(Customer.code).first()
    app = app_for(rep.login)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        provider = CustomerCommands(app.screen)
        hits = [hit async for hit in provider.search(customer.name_initials[:5])]
        assert any(customer.code in str(hit.match_display) for hit in hits)
        hits = [hit async for hit in provider.search(theirs.code)]
        assert not any(theirs.code in str(hit.match_display) for hit in hits)
        mine_hit = [hit async for hit in provider.search(customer.code)][0]
        mine_hit.command()
        await settle(app, pilot)
        assert isinstance(app.screen, CustomerScreen) and app.screen.customer_id == customer.id
        await pilot.press("question_mark")
        await pilot.pause()
        from kacrm_tui.screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen) and app.screen.beneath.customer_id == customer.id
        await pilot.press("escape", "ctrl+p")  # and a visit for the customer, from the palette itself
        await pilot.pause()
        await pilot.press(*customer.code)
        options = app.screen.query_one("CommandList")
        for _ in range(100):  # the providers answer asynchronously
            await pilot.pause(0.05)
            prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
            if prompts and prompts[-1].startswith("记拜访"):
                break
        assert any(p.startswith(customer.code) for p in prompts)
        assert prompts[-1].startswith(f"记拜访: {customer.code}")
        for _ in range(options.option_count - 1):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(app, pilot)
        from kacrm_tui.screens.visit_form import VisitFormScreen

        assert isinstance(app.screen, VisitFormScreen) and app.screen.customer_id == customer.id


async def test_sort_and_filter_the_list(app_for):
    from schema.models import Order
    import datetime as _dt

    app = app_for("demo")
    today = _dt.date.today()
    late = {c.code for c in Customer.select().join(Order).where((Order.open_cents > 0) & (Order.due_date < today))}
    async with app.run_test(size=(160, 40)) as pilot:
        await to_the_list(app, pilot)
        await pilot.press("o")  # overdue only
        await settle(app, pilot)
        assert set(codes(app)) == late and late
        await pilot.press("o", "g")  # all again, then grade A only
        await settle(app, pilot)
        grade_a = {c.code for c in Customer.select().where(Customer.grade == "A")}
        assert set(codes(app)) == grade_a
        await pilot.press("g", "g", "g", "s", "s", "s", "s", "s")  # grades off; sort by balance
        await settle(app, pilot)
        table = app.screen.query_one("#customers", DataTable)
        balances = [Customer.get(Customer.code == code).balance_cents for code in codes(app)]
        assert balances == sorted(balances) and table.row_count < 60  # the first rows
        await pilot.press("ctrl+end")  # and the rest, in the same order
        await settle(app, pilot)
        balances = [Customer.get(Customer.code == code).balance_cents for code in codes(app)]
        assert balances == sorted(balances) and table.row_count == 60
        await pilot.press("r")
        await settle(app, pilot)
        balances = [Customer.get(Customer.code == code).balance_cents for code in codes(app)]
        assert balances == sorted(balances, reverse=True)


async def test_every_filter_in_one_place(app_for, rep):
    """`f`: grade, segment, region and lifecycle, and the three switches, on a rep's list: the rows
    are the customers that match, the count line names the filters; Esc keeps the list as it was;
    ctrl+r clears them all. The regions offered are those of the rep's own customers."""
    from kacrm_tui.screens.list_filter import FilterScreen
    from textual.widgets import Checkbox, Select

    mine = sorted(Customer.select().where(Customer.owner == rep), key=lambda c: c.code)
    grade, region = mine[0].grade, mine[-1].region
    app = app_for(rep.login)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        form = await press_for(app, pilot, "f", FilterScreen)
        regions = form.query_one("#filter-region", Select)
        assert [value for _, value in regions._options if value is not Select.NULL] == sorted(
            {c.region for c in mine if c.region})
        form.query_one("#filter-grade", Select).value = grade
        regions.value = region
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CustomersScreen)
        wanted = {c.code for c in mine if (c.grade, c.region) == (grade, region)}
        assert set(codes(app)) == wanted and wanted
        said = str(app.screen.query_one("#count", Static).render())
        assert f"[{grade}]" in said and f"[{region}]" in said

        form = await press_for(app, pilot, "f", FilterScreen)
        assert form.query_one("#filter-grade", Select).value == grade  # as applied
        form.query_one("#filter-lifecycle", Select).value = "lost"
        form.query_one("#filter-overdue", Checkbox).value = True
        await pilot.press("escape")  # changed, then left: the list stays
        await settle(app, pilot)
        assert set(codes(app)) == wanted

        form = await press_for(app, pilot, "f", FilterScreen)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert form.query_one("#filter-region", Select).value is Select.NULL
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("ctrl+end")
        await settle(app, pilot)
        assert set(codes(app)) == {c.code for c in mine}


async def test_alerts_of_visible_customers_can_be_acknowledged(app_for, rep):
    from kacrm_tui.screens.alerts import AlertsScreen
    from schema.models import Alert

    visible = {a.id for a in Alert.select().join(Customer).where(Alert.resolved_at.is_null() & (Customer.owner == rep))}
    assert visible, "the demo raises alerts for every rep"
    app = app_for(rep.login)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        assert isinstance(app.screen, AlertsScreen)
        table = app.screen.query_one("#alert-table", DataTable)
        shown = {int(key.value.split(":")[0]) for key in table.rows}
        assert shown == visible  # nobody else's
        first = int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value.split(":")[0])
        await pilot.press("x")
        await settle(app, pilot)
    assert Alert.get_by_id(first).acknowledged_by_id == rep.id


async def test_files_applied_by_the_daemon_show_up_live(demo, app_for, tmp_path, rep, customer):
    from daemon.ingest import ingest_file

    app = app_for(rep.login)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        drop = tmp_path / "live.csv"
        drop.write_text(f"order_no,customer_code,order_date,amount\nLIVE-1,{customer.code},2026-11-19,12345.67\n",
                        encoding="utf-8")
        assert ingest_file(drop, load_config(None, cwd=demo)).status == "applied"
        app.refresh_status()
        await settle(app, pilot)
        await settle(app, pilot)
        from kacrm_tui.i18n import t
        assert [n.message for n in app._notifications] == [t("tui.files_applied", customers=1)]
        table = app.screen.query_one("#customers", DataTable)
        row = table.get_row(str(customer.id))
        from schema.money import format_money
        assert str(row[5]) == format_money(Customer.get_by_id(customer.id).balance_cents, grouping=True)


async def test_log_a_visit_and_see_it_in_the_visits_tab(app_for, rep, customer):
    from kacrm_tui.screens.visit_form import VisitFormScreen
    from schema.models import AuditEntry, Visit

    before = Visit.select().where(Visit.customer == customer).count()
    app = app_for(rep.login)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await open_customer(app, pilot, customer)
        form = await press_for(app, pilot, "v", VisitFormScreen)
        await pilot.press("ctrl+s")  # done, but no summary yet
        await settle(app, pilot)
        assert "summary" in str(form.query_one("#edit-message", Static).render())
        form.query_one("#v-summary", LongText).value = "与采购经理确认明年框架协议\n样品下周寄出"
        form.query_one("#v-feedback", LongText).focus()  # several lines, typed: Enter starts a line, Tab moves on
        await pilot.press("o", "k", "enter", "g", "o", "tab")
        assert app.focused is form.query_one("#v-commitment")
        fill(form, {"#v-commitment": "12月初给出报价", "#v-follow_up_on": "2099-12-05"})
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await settle(app, pilot)
        assert isinstance(app.screen, CustomerScreen)
        visits = app.screen.query_one("#visit-table", DataTable)
        assert any("与采购经理确认明年框架协议" in str(visits.get_row_at(i)[4]) for i in range(visits.row_count))
    visit = Visit.select().where(Visit.customer == customer).order_by(Visit.id.desc()).first()
    assert Visit.select().where(Visit.customer == customer).count() == before + 1
    assert (visit.status, visit.commitment, visit.rep_id) == ("done", "12月初给出报价", rep.id)
    assert (visit.summary, visit.feedback) == ("与采购经理确认明年框架协议\n样品下周寄出", "ok\ngo")
    assert AuditEntry.select().where((AuditEntry.table_name == "visit") & (AuditEntry.record_id == str(visit.id))).exists()


async def test_the_agenda_lists_only_the_users_customers_and_opens_one(app_for, rep):
    from kacrm_tui.screens.agenda import AgendaScreen

    mine = {c.code for c in Customer.select().where(Customer.owner == rep)}
    app = app_for(rep.login)
    async with app.run_test(size=(140, 60)) as pilot:
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        assert isinstance(app.screen, AgendaScreen)
        shown = set()
        for section in ("planned", "follow_ups", "gaps", "contracts", "care"):
            table = app.screen.query_one(f"#agenda-{section}", DataTable)
            shown |= {key.value.split(":", 1)[1] for key in table.rows}
        assert shown and shown <= mine
        table = next(app.screen.query_one(f"#agenda-{s}", DataTable) for s in ("follow_ups", "gaps", "contracts", "planned")
                     if app.screen.query_one(f"#agenda-{s}", DataTable).row_count)
        table.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CustomerScreen)
