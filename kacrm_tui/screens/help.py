"""The `?` help: every key of the screen beneath (the hidden ones too), then the app's, then how to
move around — from the same bindings as the footer and the command palette, keymap applied."""
from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from kacrm_tui.i18n import t
from kacrm_tui.keys import TranslatedBindings, screen_keys

# Textual's own keys, which every table, tab bar and form has: (keys, message key)
MOVING = (("up down", "help.move_list"), ("pgup pgdn", "help.page"), ("left right", "help.tabs"),
          ("tab", "help.next_field"), ("shift+tab", "help.previous_field"), ("enter", "help.enter"))


class HelpScreen(TranslatedBindings, ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark", "dismiss", "edit.cancel", id="help.close")]

    def __init__(self, beneath: Screen) -> None:
        super().__init__()
        self.beneath = beneath

    def compose(self) -> ComposeResult:
        here, anywhere = [], []
        for node, group, enabled in screen_keys(self.beneath):
            if group[0].description:
                keys = " ".join(dict.fromkeys(self.app.get_key_display(binding) for binding in group))
                (here if node is self.beneath else anywhere).append((keys, group[0].description, enabled))
        with Vertical(id="help"):
            yield Static(t("help.title"), id="help-title", classes="header")
            with Horizontal(id="help-columns"):
                yield Static(_table(t("help.screen"), here), id="help-screen")
                yield Static(Group(_table(t("help.app"), anywhere), Text(""),
                                   _table(t("help.moving"), [(keys, t(key), True) for keys, key in MOVING])),
                             id="help-app")


def _table(title: str, rows: list[tuple[str, str, bool]]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", show_header=False, box=None,
                  padding=(0, 1, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")  # never an ellipsis: East-Asian ambiguous
    for keys, words, enabled in rows:
        table.add_row(keys, Text(words, style="" if enabled else "dim"))
    return table
