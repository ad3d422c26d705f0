"""A Select over a vocabulary that shows every stored value, one its list lacks included."""
from __future__ import annotations

from textual.widgets import Select

from kacrm_tui.i18n import t
from schema import vocab


def choice_options(choices: vocab.Choices, language: str, kept: str | None = None) -> list[tuple[str, str]]:
    """The list's (label, key) pairs, and `kept` after them when the list lacks it."""
    options = [(vocab.label(choices, key, language), key) for key in choices]
    if kept and kept not in choices:
        options.append((t("choice.kept", value=kept), kept))
    return options


def show_choice(widget: Select, choices: vocab.Choices, value: str | None, language: str) -> None:
    """Show the stored `value` (None or "" as the blank): a word from older data that the list no
    longer has is offered as it is, so that saving the form keeps it rather than replacing it."""
    widget.set_options(choice_options(choices, language, value))
    widget.value = value if value else Select.NULL
