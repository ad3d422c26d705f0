"""The app's speed on a big database, headless with Pilot: `python -m tests.bench_tui DEMO_DIR`.

Prints, for a rep and for the manager `demo`: the first screen (launch to the first rows, or to the
dashboard's first figures, and to the dashboard filled), each search keystroke (from the search firing, after the 0.12 s typing pause, to the
list redrawn, the frame composed; p50 and p95), and opening a customer (to every tab filled).

Beside each time, in brackets, the CPU time the process spent meanwhile (every thread): on a shared
machine the wall time swings threefold with the others' load, the CPU time much less; on an idle
machine with a core to spare the wall time is about the CPU time."""
from __future__ import annotations

import asyncio
import statistics
import sys
import time
from typing import NamedTuple
from pathlib import Path

from textual.widgets import Static
from textual.worker import WorkerCancelled

from kacrm_tui.app import make_app
from kacrm_tui.screens.customer import CustomerScreen
from kacrm_tui.screens.customers import CustomersScreen
from schema.access import visible_customers
from schema.config import load_config
from schema.db import open_database
from schema.models import Customer, Rep

QUERIES = ["C0", "C00", "C000", "C0001", "张", "zg", "zgs", "上海", "shanghai", "华东", "138", "有限公司"]


class Took(NamedTuple):
    wall: float
    cpu: float


class Clock:
    """Wall and CPU time since it was started."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def took(self) -> Took:
        return Took(time.perf_counter() - self.wall, time.process_time() - self.cpu)


def _median(took: list[Took]) -> Took:
    return Took(statistics.median(t.wall for t in took), statistics.median(t.cpu for t in took))


async def _settle(app) -> None:
    """Until no worker runs (one cancelled by a newer one of its group is fine)."""
    while True:
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue


async def _until(pilot, ready, limit: float = 30.0) -> float:
    started = time.perf_counter()
    while not ready():
        if time.perf_counter() - started > limit:
            raise TimeoutError("the screen did not get there")
        await pilot.pause(0.005)
    return time.perf_counter() - started


async def measure(demo: Path, login: str) -> dict[str, Took]:
    config = load_config(None, cwd=demo)
    rep = Rep.get(Rep.login == login)
    app = make_app(config, rep, "kacrm.db")
    figures: dict[str, Took] = {}
    started = Clock()
    async with app.run_test(size=(120, 40)) as pilot:
        def first_ready() -> bool:
            screen = app.screen
            if isinstance(screen, CustomersScreen):
                return screen.query_one("#customers").row_count > 0
            return getattr(screen, "first_shown", False)  # the dashboard, its counts in
        await _until(pilot, first_ready)
        figures["first screen"] = started.took()
        if not isinstance(app.screen, CustomersScreen):
            await _until(pilot, lambda: app.screen.figures is not None)  # every part of the dashboard
            figures["dashboard filled"] = started.took()
            await pilot.press("escape")
            await pilot.pause()
        screen = app.screen
        times = []
        for text in QUERIES:
            began = Clock()
            screen._search(text)  # what the typing pause fires
            await _settle(app)  # the rows are in the table
            app.screen._on_timer_update()  # and drawn: the frame Pilot's pause would draw after its idle polling
            times.append(began.took())
            await pilot.pause()
        figures["search p50"] = _median(times)
        at = max(0, int(len(times) * 0.95) - 1)
        figures["search p95"] = Took(sorted(t.wall for t in times)[at], sorted(t.cpu for t in times)[at])
        slowest = max(range(len(times)), key=lambda n: times[n].wall)
        figures[f"slowest search {QUERIES[slowest]!r}"] = times[slowest]
        heads, opens = [], []
        for customer in visible_customers(rep).order_by(Customer.id.desc()).limit(5):
            began = Clock()
            screen = CustomerScreen(customer.id)
            app.push_screen(screen)
            await _until(pilot, lambda: screen.is_mounted and str(screen.query_one("#header", Static).render()) != "")
            heads.append(began.took())
            await _settle(app)
            await pilot.pause()
            opens.append(began.took())
            app.pop_screen()
            await pilot.pause()
        figures["open a customer (median)"] = _median(heads)
        figures["every tab filled (median)"] = _median(opens)
    return figures


def main(demo: Path) -> None:
    db = open_database(str(demo / "kacrm.db"))
    try:
        login = Rep.select().where(Rep.role == "rep").order_by(Rep.login).first().login
        for who in (login, "demo"):
            figures = asyncio.run(measure(demo, who))
            print(f"  app as {who}: " + ", ".join(f"{name} {took.wall * 1000:.0f} ms ({took.cpu * 1000:.0f})"
                                                  for name, took in figures.items()))
    finally:
        db.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
