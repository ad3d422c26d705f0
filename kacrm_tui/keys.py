"""The keys. Each binding is declared once, in the BINDINGS of its screen (or of the app), with an
id — what `[ui] keymap` in config.toml names — and, as its description, a message key of
kacrm_tui.i18n (`Binding("s", "sort", "list.sort", id="customers.sort")`). The words are looked up
when the app or a screen is built, after the language is set, not when the module is imported: the
footer, the `?` help screen and the command palette then all say the same thing in that language."""
from __future__ import annotations

from dataclasses import replace
from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.screen import Screen

from kacrm_tui.i18n import MESSAGES, t


class TranslatedBindings:
    """First base of the app and of every screen: its bindings' message keys become words."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Textual copies the class's merged BINDINGS into each node; that copy is what the keymap,
        # the footer and the help read, so the words go there.
        self._bindings = translated(self._bindings)


def translated(bindings: BindingsMap) -> BindingsMap:
    """`bindings` with each description that is a message key replaced by its message."""
    return BindingsMap.from_keys({key: [_words(binding) for binding in group]
                                  for key, group in bindings.key_to_bindings.items()})


def _words(binding: Binding) -> Binding:
    return replace(binding, description=t(binding.description)) if binding.description in MESSAGES else binding


def screen_keys(screen: Screen) -> list[tuple[DOMNode, list[Binding], bool]]:
    """The keys of `screen` and then of the app, as the footer has them (the keymap applied, an
    action hidden by `check_action` left out, the hidden ones kept): for each action its node, its
    bindings (one per key) and whether it is enabled now. Only ours, which carry an id: Textual's
    own (a table's cursor, an input's editing, tab to the next field) are the help's section on
    moving around."""
    grouped: dict[tuple[int, str], tuple[DOMNode, list[Binding], bool]] = {}
    for node, binding, enabled, _tooltip in screen.active_bindings.values():
        if binding.id is not None and (node is screen or node is screen.app):
            grouped.setdefault((id(node), binding.action), (node, [], enabled))[1].append(binding)
    return sorted(grouped.values(), key=lambda item: item[0] is not screen)  # the screen's own first
