"""`[ui] keymap` in config.toml moves an action to another key, by its binding id."""
from __future__ import annotations

import pytest

from kacrm_tui.screens.agenda import AgendaScreen
from kacrm_tui.screens.customers import CustomersScreen
from schema.config import load_config
from schema.errors import ConfigError
from tests.tui.pilot import settle


@pytest.fixture
def demo_size() -> tuple[int, int]:
    return 20, 3


async def test_a_remapped_action_takes_its_new_key(demo, app_for, rep):
    (demo / "config.toml").write_text('[database]\nurl = "kacrm.db"\n\n[ui]\nkeymap = { "customers.agenda" = "ctrl+d" }\n',
                                      encoding="utf-8")
    app = app_for(rep)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, CustomersScreen)
        await pilot.press("d")  # the old key does nothing now
        await pilot.pause()
        assert isinstance(app.screen, CustomersScreen)
        await pilot.press("ctrl+d")
        await settle(app, pilot)
        assert isinstance(app.screen, AgendaScreen)


def test_a_bad_keymap_is_one_sentence(tmp_path):
    (tmp_path / "config.toml").write_text('[ui]\nkeymap = { "customers.agenda" = "" }\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="keymap"):
        load_config(None, cwd=tmp_path, env={})
