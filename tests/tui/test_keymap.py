"""`[ui] keymap` in config.toml moves an action to another key, by its binding id."""
from __future__ import annotations

import datetime as dt

import pytest

from kacrm_tui.app import make_app
from kacrm_tui.demo.build import build_demo
from kacrm_tui.screens.agenda import AgendaScreen
from kacrm_tui.screens.customers import CustomersScreen
from schema.config import load_config
from schema.db import open_database
from schema.errors import ConfigError
from schema.models import Rep


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    directory = tmp_path_factory.mktemp("keydemo")
    build_demo(directory, 20, 3, today=dt.date(2026, 11, 20))
    return directory


async def test_a_remapped_action_takes_its_new_key(demo):
    (demo / "config.toml").write_text('[database]\nurl = "kacrm.db"\n\n[ui]\nkeymap = { "customers.agenda" = "ctrl+d" }\n',
                                      encoding="utf-8")
    db = open_database(str(demo / "kacrm.db"))
    try:
        rep = Rep.select().where(Rep.role == "rep").order_by(Rep.login).first()
        app = make_app(load_config(None, cwd=demo), rep, "kacrm.db")
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, CustomersScreen)
            await pilot.press("d")  # the old key does nothing now
            await pilot.pause()
            assert isinstance(app.screen, CustomersScreen)
            await pilot.press("ctrl+d")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, AgendaScreen)
    finally:
        db.close()


def test_a_bad_keymap_is_one_sentence(tmp_path):
    (tmp_path / "config.toml").write_text('[ui]\nkeymap = { "customers.agenda" = "" }\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="keymap"):
        load_config(None, cwd=tmp_path, env={})
