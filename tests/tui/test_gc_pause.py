"""The garbage collector waits while screens wait for their data, and runs again once the data is
drawn, once every waiting screen has its data, or after a while in any case."""
from __future__ import annotations

import gc

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from kacrm_tui.widgets import gc_pause as module
from kacrm_tui.widgets.gc_pause import GcPause


class Two(App):
    def compose(self) -> ComposeResult:
        yield Static("list", id="list")
        yield Static("customer", id="customer")


@pytest.fixture(autouse=True)
def _collector_on():
    yield
    gc.enable()


async def test_the_collector_waits_for_every_screen_then_runs():
    app, pause = Two(), GcPause()
    async with app.run_test() as pilot:
        first, second = app.query_one("#list"), app.query_one("#customer")
        pause.pause(first)
        pause.pause(second)
        assert not gc.isenabled()
        pause.resume_after_frame(first)
        await pilot.pause(3 * module.FRAME)
        assert not gc.isenabled()  # the second still waits
        pause.resume_after_frame(second)
        await pilot.pause(3 * module.FRAME)
        assert gc.isenabled()


async def test_a_new_pause_outlives_the_resume_of_the_last():
    """The next keystroke's search pauses again before the last one's frame is out."""
    app, pause = Two(), GcPause()
    async with app.run_test() as pilot:
        screen = app.query_one("#list")
        pause.pause(screen)
        pause.resume_after_frame(screen)
        pause.pause(screen)
        await pilot.pause(3 * module.FRAME)
        assert not gc.isenabled()
        pause.resume_after_frame(screen)
        await pilot.pause(3 * module.FRAME)
        assert gc.isenabled()


async def test_a_pause_never_resumed_ends(monkeypatch):
    monkeypatch.setattr(module, "LONGEST", 0.05)
    app, pause = Two(), GcPause()
    async with app.run_test() as pilot:
        pause.pause(app.query_one("#list"))  # a worker that failed: no data, no resume
        assert not gc.isenabled()
        await pilot.pause(0.5)
        assert gc.isenabled()


async def test_a_pause_of_someone_else_is_theirs_to_end():
    app, pause = Two(), GcPause()
    async with app.run_test() as pilot:
        gc.disable()  # as Textual does while scrolling
        screen = app.query_one("#list")
        pause.pause(screen)
        pause.resume_after_frame(screen)
        await pilot.pause(3 * module.FRAME)
        assert not gc.isenabled()


async def test_the_end_of_an_old_pause_leaves_a_new_one_be(monkeypatch):
    monkeypatch.setattr(module, "LONGEST", 2.0)
    app, pause = Two(), GcPause()
    async with app.run_test() as pilot:
        screen = app.query_one("#list")
        pause.pause(screen)  # its backstop ends pauses at 2 s
        pause.resume_after_frame(screen)
        await pilot.pause(1.0)
        assert gc.isenabled()
        pause.pause(screen)  # the next search, its data slow to come; its own backstop is at 3 s
        await pilot.pause(1.5)
        assert not gc.isenabled()
