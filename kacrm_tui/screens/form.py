"""What every editing screen shares: a message line for the sentence a rule gives back, and
closing once saved so that the screen beneath reads its data again."""
from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Static, TextArea

from kacrm_tui.i18n import t
from kacrm_tui.keys import TranslatedBindings


class LongText(TextArea):
    """A field for text of several lines (a visit's summary, a contract's special terms): Enter
    starts a new line, Tab goes on to the next field; `value` reads and sets it as an Input's does."""

    DEFAULT_CSS = """
    LongText { height: 4; border: none; padding: 0 1; }
    LongText:focus { border: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, soft_wrap=True, tab_behavior="focus", show_line_numbers=False)

    @property
    def value(self) -> str:
        return self.text

    @value.setter
    def value(self, text: str) -> None:
        self.load_text(text)


class FormScreen(TranslatedBindings, Screen):
    def show_problem(self, text: str) -> None:
        """One sentence in red under the form (call from the UI thread)."""
        self.query_one("#edit-message", Static).update(f"[red]{text}[/red]")

    def report(self, text: str) -> None:
        """The same, from a worker thread."""
        self.app.call_from_thread(self.show_problem, text)

    def saved(self) -> None:
        self.app.notify(t("edit.saved"))
        self.app.pop_screen()
        refresh = getattr(self.app.screen, "refresh_data", None)
        if refresh is not None:
            refresh()
