"""What every editing screen shares: a message line for the sentence a rule gives back, and
closing once saved so that the screen beneath reads its data again."""
from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Static

from kacrm_tui.i18n import t


class FormScreen(Screen):
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
