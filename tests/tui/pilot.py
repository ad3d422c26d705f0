"""What the Pilot tests share: the demo's day, waiting for workers, and the steps and looks that
many tests take (the fixtures that build the demo and the app are in conftest.py)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from textual.widgets import DataTable

from kacrm_tui.screens.customer import CustomerScreen
from schema.models import Customer, Rep

TODAY = dt.date(2026, 11, 20)  # the day the demos are built for
NOW = "2026-11-20T09:00:00+08:00"  # KACRM_NOW on that day, for screens that count from today


async def settle(app, pilot, rounds: int = 1) -> None:
    """Until the screen's workers are done and their results drawn; `rounds` for workers that
    start others (ask, then write, then reload)."""
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def settle_chain(app, pilot) -> None:
    """`settle` for screens whose worker starts another (decide or delete, then reload)."""
    await settle(app, pilot, rounds=3)


def first_rep() -> Rep:
    """The demo's first rep by login (a rep starts on the customer list, not the dashboard)."""
    return Rep.select().where(Rep.role == "rep").order_by(Rep.login).first()


def notes(app) -> list[str]:
    """The notifications the app has shown, as text."""
    return [str(n.message) for n in app._notifications]


def keys(table: DataTable) -> list[str]:
    """The row keys of `table`, in the order shown."""
    return [row.key.value for row in table.ordered_rows]


def put_cursor(table: DataTable, key: str | int) -> None:
    """The cursor on the row of `key`."""
    table.move_cursor(row=table.get_row_index(str(key)))


def fill(form, values: dict[str, Any]) -> None:
    """Put `values` into the form's fields by selector ({"#r-title": "年度供货合同"}): an Input, a
    Select or a LongText, as a user would leave them."""
    for selector, value in values.items():
        form.query_one(selector).value = value


async def press_for(app, pilot, key: str, screen_type):
    """Press `key` and return the screen it opens, which must be a `screen_type` (a form, say)."""
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(app.screen, screen_type)
    return app.screen


async def open_customer(app, pilot, customer: Customer, rounds: int = 1) -> CustomerScreen:
    """The customer's screen, pushed over whatever is shown and loaded (`rounds` as for `settle`)."""
    app.push_screen(CustomerScreen(customer.id))
    await settle(app, pilot, rounds)
    assert isinstance(app.screen, CustomerScreen)
    return app.screen
