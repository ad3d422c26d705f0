"""Screens that read their data in a worker: `load()` on mount, and again on `refresh_data()`
(the daemon applied files, or an edit beneath was saved)."""
from __future__ import annotations

from textual.screen import Screen


class DataScreen(Screen):
    def load(self) -> None:  # overridden by a @work(thread=True) method
        raise NotImplementedError

    def on_mount(self) -> None:
        self.load()

    def refresh_data(self) -> None:
        self.load()
