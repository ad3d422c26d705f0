"""The keys are declared once, with an id and a message key: the footer, the `?` help and the
command palette say the same words, in the language in force when the app is built (not when its
modules were imported), with the keys of `[ui] keymap`."""
from __future__ import annotations

import importlib
import io
import pkgutil

import pytest
from rich.console import Console
from textual.binding import Binding
from textual.command import CommandList
from textual.dom import DOMNode
from textual.widgets import Static
from textual.widgets._footer import FooterKey

import kacrm_tui.screens
from kacrm_tui.app import KacrmApp
from kacrm_tui.i18n import MESSAGES
from kacrm_tui.screens.help import HelpScreen
from tests.tui.pilot import settle


@pytest.fixture
def demo_size() -> tuple[int, int]:
    return 8, 5


@pytest.fixture
def rep_app(app_for, rep, frozen_clock):
    """The app of a rep (who starts on the customer list), built by the test after choosing a language."""
    return lambda: app_for(rep)


def _text(static: Static) -> str:
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


def _footer(app) -> list[tuple[str, str]]:
    return [(key.key_display, key.description) for key in app.screen.query(FooterKey)]


def test_every_binding_is_declared_with_an_id_and_a_message_key():
    """A description translated at import (`t(...)` in BINDINGS) would stay in the language of
    that moment whatever the user's: every description must be a message key."""
    for module in pkgutil.iter_modules(kacrm_tui.screens.__path__, "kacrm_tui.screens."):
        importlib.import_module(module.name)
    classes = [KacrmApp]
    pending = list(DOMNode.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("kacrm_tui."):
            classes.append(cls)
    bindings = [(cls.__name__, b) for cls in classes for b in cls.__dict__.get("BINDINGS", [])
                if isinstance(b, Binding)]
    assert len(bindings) > 40
    for name, binding in bindings:
        assert binding.id, f"{name}: {binding.key} has no id for the keymap"
        assert binding.description in MESSAGES, f"{name}: {binding.key} describes itself as {binding.description!r}"


@pytest.mark.parametrize("language, sort, trash, palette", [("en", "Sort", "Trash", "Commands"),
                                                            ("zh", "排序", "回收站", "命令面板")])
async def test_footer_help_and_palette_speak_the_language_set_after_import(rep_app, monkeypatch, language,
                                                                           sort, trash, palette):
    monkeypatch.setenv("KACRM_LANG", language)
    app = rep_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        footer = _footer(app)
        assert ("s", sort) in footer and ("^p", palette) in footer
        assert all(trash != words for _key, words in footer)  # `t` is hidden from the footer...

        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        listed = _text(app.screen.query_one("#help-screen", Static))
        assert trash in listed and sort in listed  # ...and listed in the help, with every key
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("ctrl+p")
        for _ in range(100):
            await pilot.pause(0.05)
            commands = app.screen.query_one(CommandList)
            if commands.option_count:
                break
        titles = [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]
        assert any(trash in title for title in titles) and any(sort in title for title in titles)


async def test_the_help_and_the_footer_show_a_remapped_key(demo, rep_app, monkeypatch):
    monkeypatch.setenv("KACRM_LANG", "en")
    with open(demo / "config.toml", "a", encoding="utf-8") as config:  # the test's own copy of the demo
        config.write('\n[ui.keymap]\n"customers.sort" = "f6"\n')
    app = rep_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert ("f6", "Sort") in _footer(app) and ("s", "Sort") not in _footer(app)
        await pilot.press("question_mark")
        await pilot.pause()
        rows = _text(app.screen.query_one("#help-screen", Static))
        assert "f6" in rows


@pytest.mark.parametrize("key, screen_name", [("a", "AlertsScreen"), ("d", "AgendaScreen"), ("t", "TrashScreen")])
async def test_j_and_k_move_in_every_list(app_for, key, screen_name):
    """vi's j and k move the cursor of a screen's list as the arrows do, on every list screen."""
    from textual.widgets import DataTable

    from schema.audit import soft_delete
    from schema.models import Contact, Rep

    admin = Rep.get(Rep.login == "admin")
    for contact in Contact.live().limit(3):  # something in the trash
        soft_delete(contact, actor=admin, reason="test")
    app = app_for("demo")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("escape", key)  # from the dashboard to the list, then the screen
        await settle(app, pilot)
        assert type(app.screen).__name__ == screen_name
        table = next(t for t in app.screen.query(DataTable) if t.row_count >= 2)
        table.focus()
        await pilot.pause()
        start = table.cursor_row
        await pilot.press("j")
        await pilot.pause()
        assert table.cursor_row == start + 1
        await pilot.press("k")
        await pilot.pause()
        assert table.cursor_row == start
