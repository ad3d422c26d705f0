"""What the Pilot tests share."""
from __future__ import annotations


async def settle(app, pilot, rounds: int = 1) -> None:
    """Until the screen's workers are done and their results drawn; `rounds` for workers that
    start others (ask, then write, then reload)."""
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()
