"""The dashboard through Pilot: its figures are the schema's own for the same user and day, a rep
sees only their scope, and a count opens the customer list of exactly those customers."""
from __future__ import annotations

from collections import Counter

import pytest
from textual.widgets import DataTable, Static

from kacrm_tui.screens.customers import CustomersScreen
from kacrm_tui.screens.dashboard import DashboardScreen
from schema import access
from schema.aging import aging
from schema.config import load_config
from schema.models import Alert, Customer, Rep, Target
from schema.money import format_money
from schema.search import Filters, search_customers
from schema.targets import attainment
from tests.tui.pilot import TODAY, settle

pytestmark = pytest.mark.usefixtures("frozen_clock")  # the dashboard's day is the demo's


@pytest.fixture
def demo_size() -> tuple[int, int]:
    return 60, 7


def table(app, name: str) -> DataTable:
    return app.screen.query_one(f"#dash-{name}", DataTable)


def cell(app, name: str, row: str, column) -> str:
    return str(table(app, name).get_cell(row, column))


def codes(app) -> list[str]:
    shown = app.screen.query_one("#customers", DataTable)
    return [shown.get_row_at(i)[0] for i in range(shown.row_count)]


def visible_counts(rep: Rep, column: str) -> Counter:
    return Counter(getattr(c, column) for c in access.visible_customers(rep))


def assert_figures_are_the_schemas(app, demo, rep: Rep) -> None:
    """Attainment, aging, segment counts and alerts as `schema/` works them out for `rep` today."""
    config = load_config(None, cwd=demo)
    targets = table(app, "targets")
    # a manager's dashboard holds the team's and the regions' targets; a rep's, all they may see
    expected = list(attainment(rep, as_of=TODAY, scopes=("team", "region") if rep.role != "rep" else None))
    if rep.role != "rep":
        assert {a.target.scope for a in expected} == {"team", "region"}
    assert {key.value for key in targets.rows} == {str(a.target.id) for a in expected} and expected
    for found in expected:
        row = [str(value) for value in targets.get_row(str(found.target.id))]
        actual = format_money(found.actual, grouping=True) if found.target.metric != "new_outlets" else str(found.actual)
        assert (row[4], row[5], row[6]) == (str(found.percent), str(found.elapsed_percent), actual)
    rows = list(aging(rep, config.aging, as_of=TODAY))
    amounts = {name: str(table(app, "aging").get_row(name)[2]) for name in (*config.aging.bucket_names, "credit", "balance")}
    assert amounts == {**{name: format_money(sum(r.buckets[name] for r in rows), grouping=True)
                          for name in config.aging.bucket_names},
                       "credit": format_money(-sum(r.unapplied_credit_cents for r in rows), grouping=True),
                       "balance": format_money(sum(r.balance_cents for r in rows), grouping=True)}
    segments, strategies = visible_counts(rep, "segment"), visible_counts(rep, "strategy")
    for name, row, column, key, counts in (("current", "high", "high", "EI", segments),
                                           ("current", "low", "low", "EIV", segments),
                                           ("prospects", "low", "high", "PIII", segments),
                                           ("strategy", "high", "low", "attack", strategies),
                                           ("strategy", "low", "high", "maintain", strategies)):
        assert cell(app, name, row, column).split("\n")[0].split()[-1] == str(counts[key]), key
    visible = access.visible_customers(rep).select(Customer.id)
    alerts = Alert.select().where(Alert.resolved_at.is_null() & Alert.customer.in_(visible)).count()
    assert f" {alerts} " in str(app.screen.query_one("#title-alerts", Static).render())
    assert table(app, "alerts").row_count == min(alerts, 50)


async def test_a_manager_starts_on_the_dashboard_with_the_schemas_figures(demo, app_for):
    manager = Rep.get(Rep.login == "demo")
    app = app_for("demo")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)
        header = str(app.screen.query_one("#dash-title", Static).render())
        assert "2026-11-20" in header and f" {Customer.select().where(Customer.deleted_at.is_null()).count()} " in header
        assert_figures_are_the_schemas(app, demo, manager)
        await pilot.press("escape")  # the customer list is beneath
        await settle(app, pilot)
        assert isinstance(app.screen, CustomersScreen) and len(codes(app)) == 60


async def test_a_rep_reaches_the_dashboard_by_key_and_sees_only_their_scope(demo, app_for, rep):
    mine = {c.code for c in access.visible_customers(rep)}
    app = app_for(rep.login)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, CustomersScreen)  # a rep's first screen is the list
        await pilot.press("b")
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert f" {len(mine)} " in str(app.screen.query_one("#dash-title", Static).render())
        assert_figures_are_the_schemas(app, demo, rep)
        # no other rep's own targets, and the rep's own come first
        others = Target.select().where((Target.scope == "rep") & (Target.rep != rep))
        assert not {str(t.id) for t in others} & {key.value for key in table(app, "targets").rows}
        assert str(table(app, "targets").get_row_at(0)[0]) == rep.login
        agenda = {key.value.split(":", 1)[1] for key in table(app, "agenda").rows}
        assert agenda and agenda <= mine
        alerted = {int(key.value.split(":")[1]) for key in table(app, "alerts").rows}
        assert alerted and {c.code for c in Customer.select().where(Customer.id.in_(alerted))} <= mine
        await pilot.press("b")  # and back
        await settle(app, pilot)
        assert isinstance(app.screen, CustomersScreen) and set(codes(app)) == mine


@pytest.mark.parametrize("matrix, keys, column, key", [
    ("current", ("down", "right"), "segment", "EIV"),
    ("prospects", ("down",), "segment", "PIII"),
    ("strategy", ("right",), "strategy", "attack"),
])
async def test_enter_on_a_count_opens_the_list_of_that_class(app_for, matrix, keys, column, key):
    manager = Rep.get(Rep.login == "demo")
    expected = {c.code for c in access.visible_customers(manager) if getattr(c, column) == key}
    app = app_for("demo")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        counts = table(app, matrix)
        counts.focus()
        await pilot.press(*keys, "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CustomersScreen)
        shown = codes(app)
        assert len(shown) == len(expected) > 0 and set(shown) == expected
        cursor = counts.coordinate_to_cell_key(counts.cursor_coordinate)
        assert str(counts.get_cell(*cursor)).split("\n")[0].split()[-1] == str(len(shown))
        await pilot.press("escape")  # Esc on the narrowed list: back to the dashboard it came from
        await settle(app, pilot)
        assert isinstance(app.screen, DashboardScreen) and len(app.screen_stack) == 3


def test_the_list_narrows_by_segment_and_strategy_together(opened):
    manager = Rep.get(Rep.login == "demo")
    both = Filters(segment="EIV", strategy="attack")
    expected = {c.code for c in access.visible_customers(manager) if c.segment == "EIV" and c.strategy == "attack"}
    found = {row.code for row in search_customers(manager, filters=both)}
    assert found == expected and found != {row.code for row in search_customers(manager, filters=Filters(segment="EIV"))}



@pytest.mark.parametrize("klass, keys", [("A", ()), ("C", ("right", "right"))])
async def test_the_abc_counts_open_the_list_of_that_class(app_for, klass, keys):
    manager = Rep.get(Rep.login == "demo")
    expected = {c.code for c in access.visible_customers(manager) if c.abc_class == klass}
    app = app_for("demo")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        counts = table(app, "abc")
        assert str(counts.get_cell("count", klass)).startswith(f"{len(expected)} ")
        counts.focus()
        await pilot.press(*keys, "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert set(codes(app)) == expected and expected
