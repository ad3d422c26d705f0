"""Delete with confirmation, the trash (回收站) and a customer's history, through Pilot: what the
user sees and what the database and its audit trail hold afterwards."""
from __future__ import annotations

from textual.widgets import DataTable, Input, TabbedContent

from kacrm_tui.screens.confirm import ConfirmDelete
from kacrm_tui.screens.customer import CustomerScreen
from kacrm_tui.screens.customers import CustomersScreen
from kacrm_tui.screens.history import HistoryScreen
from kacrm_tui.screens.trash import TrashScreen
from schema.access import grant_access
from schema.audit import audited_update, history, soft_delete
from schema.config import load_config
from schema.models import AuditEntry, Contact, Customer, Rep
from tests.tui.pilot import fill, keys, notes, open_customer, put_cursor
from tests.tui.pilot import settle_chain as settle


async def test_delete_a_contact_after_confirming_and_restore_it_from_the_trash(app_for):
    target = (Customer.select().join(Contact).where(Contact.deleted_at.is_null())
              .order_by(Customer.code).first())
    app = app_for("demo")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("escape")  # the manager's dashboard, down to the list
        await settle(app, pilot)
        await open_customer(app, pilot, target, rounds=3)
        screen = app.screen
        screen.query_one(TabbedContent).active = "contacts"
        contacts = screen.query_one("#contact-table", DataTable)
        contacts.focus()
        await pilot.pause()
        before = contacts.row_count
        victim = Contact.get_by_id(int(keys(contacts)[0])) if str(keys(contacts)[0]).isdigit() else None
        if victim is None:  # rows without keys: the first in the screen's order
            victim = (Contact.live().where(Contact.customer == target)
                      .order_by(Contact.is_primary.desc(), Contact.name).first())

        await pilot.press("x")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDelete)
        assert victim.name in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("n")  # changed my mind
        await settle(app, pilot)
        assert app.screen is screen and contacts.row_count == before
        assert Contact.get_by_id(victim.id).deleted_at is None

        await pilot.press("x")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert app.screen is screen and contacts.row_count == before - 1
        assert Contact.get_by_id(victim.id).deleted_at is not None
        deleted = history("contact", victim.id).first()
        assert (deleted.action, deleted.actor_login, deleted.customer_id) == ("delete", "demo", target.id)
        assert deleted.reason

        await pilot.press("escape")
        await pilot.press("t")
        await settle(app, pilot)
        assert isinstance(app.screen, TrashScreen)
        trash = app.screen.query_one(DataTable)
        key = f"contact:{victim.id}"
        assert key in keys(trash)
        row = trash.get_row(key)
        assert (str(row[1]), str(row[2]), str(row[4])) == ("联系人", target.code, "demo")
        assert victim.name in str(row[3])
        put_cursor(trash, key)
        await pilot.press("r")
        await settle(app, pilot)
        assert key not in keys(trash)
        assert any(victim.name in n for n in notes(app))
    assert Contact.get_by_id(victim.id).deleted_at is None
    restored = history("contact", victim.id).first()
    assert (restored.action, restored.actor_login, restored.new_value) == ("restore", "demo", None)


async def test_delete_a_customer_with_a_reason_and_restore_it(app_for):
    app = app_for("demo")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        customers = app.screen.query_one("#customers", DataTable)
        victim = Customer.get_by_id(int(keys(customers)[1]))
        put_cursor(customers, str(victim.id))
        await pilot.press("delete")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDelete)
        await pilot.press("tab")
        await pilot.press(*"dup")
        app.screen.query_one("#confirm-reason", Input).value = "重复建档"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert str(victim.id) not in keys(customers)
        assert Customer.get_by_id(victim.id).deleted_at is not None
        entry = history("customer", victim.id).first()
        assert (entry.action, entry.reason, entry.actor_login) == ("delete", "重复建档", "demo")

        await pilot.press("t")
        await settle(app, pilot)
        trash = app.screen.query_one(DataTable)
        put_cursor(trash, f"customer:{victim.id}")
        assert str(trash.get_row(f"customer:{victim.id}")[5]) == "重复建档"
        await pilot.press("enter")
        await settle(app, pilot)
        assert f"customer:{victim.id}" not in keys(trash)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert str(victim.id) in keys(customers)  # back in the list
    assert Customer.get_by_id(victim.id).deleted_at is None
    assert history("customer", victim.id).first().action == "restore"


async def test_a_rep_sees_only_their_own_deleted_records_and_may_not_delete_anothers_customer(app_for, rep):
    admin = Rep.get(Rep.login == "admin")
    mine = Contact.live().join(Customer).where(Customer.owner == rep).order_by(Contact.id).first()
    theirs = Contact.live().join(Customer).where(Customer.owner != rep).order_by(Contact.id).first()
    soft_delete(mine, actor=admin, reason="测试：我的")
    soft_delete(theirs, actor=admin, reason="测试：别人的")
    other = (Customer.select().where((Customer.owner != rep) & (Customer.id != theirs.customer_id))
             .order_by(Customer.code).first())
    grant_access(other, rep, by=admin, level="view", reason="代班查看")  # may see, not change
    app = app_for(rep.login)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        found = keys(app.screen.query_one(DataTable))
        assert f"contact:{mine.id}" in found and f"contact:{theirs.id}" not in found
        await pilot.press("escape")
        await settle(app, pilot)
        customers = app.screen.query_one("#customers", DataTable)
        put_cursor(customers, str(other.id))
        await pilot.press("x")
        await settle(app, pilot)
        assert isinstance(app.screen, CustomersScreen)  # no question: the answer is no
        assert any(other.code in n and "无权" in n for n in notes(app))
    assert Customer.get_by_id(other.id).deleted_at is None
    assert not AuditEntry.select().where((AuditEntry.table_name == "customer")
                                         & (AuditEntry.record_id == str(other.id))
                                         & (AuditEntry.actor_login == rep.login)).exists()


async def _open_history(app, pilot, customer: Customer) -> HistoryScreen:
    await open_customer(app, pilot, customer, rounds=3)
    await pilot.press("h")
    await settle(app, pilot)
    assert isinstance(app.screen, HistoryScreen)
    return app.screen


async def test_history_lists_an_archive_edit_and_restores_an_old_value(app_for):
    from kacrm_tui.screens.archive_edit import ArchiveEditScreen

    target = Customer.select().order_by(Customer.code.desc()).first()
    old_phone = target.phone
    app = app_for("demo")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_customer(app, pilot, target, rounds=3)
        await pilot.press("e")
        await settle(app, pilot)
        assert isinstance(app.screen, ArchiveEditScreen)
        fill(app.screen, {"#f-phone": "021-5555 0000", "#reason": "总机变更"})
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, CustomerScreen)
        await pilot.press("h")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        edit = history("customer", target.id).where(AuditEntry.field == "phone").first()
        table = screen.query_one(DataTable)
        assert keys(table)[0] == str(edit.id)  # newest first
        row = [str(cell) for cell in table.get_row(str(edit.id))]
        assert row[1:4] == ["demo", "客户", "电话"] and row[5] == "总机变更"
        assert row[4].startswith(f"{old_phone} -> 021-5555")
        put_cursor(table, str(edit.id))
        await pilot.press("r")
        await settle(app, pilot)
        assert keys(table)[0] != str(edit.id)  # the restoring change is the newest now
    saved = Customer.get_by_id(target.id)
    assert (saved.phone, saved.version) == (old_phone, target.version + 2)
    back = history("customer", target.id).first()
    assert (back.field, back.old_value, back.new_value, back.actor_login) == ("phone", "021-5555 0000", old_phone,
                                                                             "demo")
    assert back.reason.startswith("恢复 ") and back.reason.endswith(" 的旧值")


async def test_restoring_over_a_change_made_meanwhile_is_refused_then_works_after_reload(app_for):
    target = Customer.select().order_by(Customer.code.desc()).offset(1).first()
    admin = Rep.get(Rep.login == "admin")
    audited_update(target, {"industry": "测试行业甲"}, actor=admin, reason="行业核对")
    edit = history("customer", target.id).first()
    app = app_for("demo")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = await _open_history(app, pilot, target)
        table = screen.query_one(DataTable)
        put_cursor(table, str(edit.id))
        # meanwhile someone else changes the same customer through another path
        audited_update(Customer.get_by_id(target.id), {"address": "杭州市西湖区文三路 1 号"}, actor=admin,
                       reason="地址核对")
        await pilot.press("r")
        await settle(app, pilot)
        assert any("别人改过" in n for n in notes(app))
        current = Customer.get_by_id(target.id)
        assert (current.industry, current.address) == ("测试行业甲", "杭州市西湖区文三路 1 号")  # nothing overwritten
        assert len(keys(table)) >= 2 and keys(table)[0] != str(edit.id)  # reloaded: their change shows
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == str(edit.id)
        await pilot.press("r")  # now on top of what is saved
        await settle(app, pilot)
    current = Customer.get_by_id(target.id)
    assert (current.industry, current.address) == (edit.old_value or "", "杭州市西湖区文三路 1 号")
    assert history("customer", target.id).first().reason.startswith("恢复 ")


async def test_delete_a_visit_from_the_visits_tab(demo, app_for, rep):
    from schema.models import Visit

    target = (Customer.select().join(Visit).where((Customer.owner == rep) & Visit.deleted_at.is_null())
              .order_by(Customer.code).first())
    app = app_for(rep.login)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_customer(app, pilot, target, rounds=3)
        app.screen.query_one(TabbedContent).active = "visits"
        visits = app.screen.query_one("#visit-table", DataTable)
        visits.focus()
        await pilot.pause()
        before = visits.row_count
        shown = str(visits.get_row_at(0)[0])
        await pilot.press("x")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDelete)
        await pilot.press("y")
        await settle(app, pilot)
        assert visits.row_count == before - 1
    gone = Visit.select().where((Visit.customer == target) & Visit.deleted_at.is_null(False)).get()
    tz = load_config(None, cwd=demo).ui.tzinfo
    assert f"{gone.at.astimezone(tz):%Y-%m-%d %H:%M}" == shown  # the one under the cursor
    assert history("visit", gone.id).first().actor_login == rep.login


async def test_the_customer_screen_has_the_history_as_its_last_tab(app_for):
    """The trail on the customer's own screen (修改记录, read when the tab is first shown, reached
    with the arrow keys); `r` there puts an old value back, and the footer offers `r` only there."""
    target = Customer.select().order_by(Customer.code).first()
    admin = Rep.get(Rep.login == "admin")
    old_website, version = target.website, target.version
    audited_update(target, {"website": "www.example.cn"}, actor=admin, reason="官网更新")
    edit = history("customer", target.id).first()
    app = app_for("demo")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = await open_customer(app, pilot, target, rounds=3)
        tabs = screen.query_one(TabbedContent)
        assert not screen.query("#history-table") and "r" not in screen.active_bindings
        for _ in range(12):
            if tabs.active == "history":
                break
            await pilot.press("right")
            await pilot.pause()
        assert tabs.active == "history"
        await settle(app, pilot)
        table = screen.query_one("#history-table", DataTable)
        assert keys(table)[0] == str(edit.id)
        row = [str(cell) for cell in table.get_row(str(edit.id))]
        assert row[1:4] == ["admin", "客户", "网站"] and row[5] == "官网更新"
        assert "r" in screen.active_bindings
        put_cursor(table, str(edit.id))
        await pilot.press("r")
        await settle(app, pilot)
        assert keys(table)[0] != str(edit.id)  # read anew: the restoring change on top
    saved = Customer.get_by_id(target.id)
    assert (saved.website, saved.version) == (old_website, version + 2)
    assert history("customer", target.id).first().actor_login == "demo"
