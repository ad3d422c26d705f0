"""Python's full garbage collection takes 100 to 250 ms in this app on a big database: Textual's
strips of drawn cells hold caches that refer back to them, so they are freed only as cycles, by the
collector, a few tens of thousands at a time. One that falls between a keystroke and its redrawn list
(or a customer opened and its header) makes the wait three times as long. As Textual does during a
smooth scroll (`App.PAUSE_GC_ON_SCROLL`), the collector waits while what the user waits for is read
and drawn, and runs once the frame is out, between keystrokes."""
from __future__ import annotations

import gc
import threading

from textual.widget import Widget

LONGEST = 2.0  # seconds: the collector runs again after this, paused since or not
FRAME = 0.1  # seconds after the data is in: its frame is drawn (Textual draws at 60 frames a second)


class GcPause:
    """Pauses the collector of the process for screens waiting for their data: `pause(screen)`,
    then `resume_after_frame(screen)` once the data is in. The collector runs again when no screen
    waits any more and the frame is out, and at the latest LONGEST seconds after it stopped."""

    def __init__(self) -> None:
        self.waiting: dict[int, int] = {}  # id of a screen -> the generation of its pause
        self.generation = 0
        self.stretch = 0  # pauses since the collector last ran: the backstop of an older one leaves it be

    def pause(self, widget: Widget) -> None:
        if not self.waiting:
            if not gc.isenabled():
                return  # paused by someone else (Textual, scrolling): theirs to resume
            # a thread, not an app timer: it still fires when the screen or the app is gone meanwhile
            self.stretch += 1
            backstop = threading.Timer(LONGEST, self._expire, (self.stretch,))
            backstop.daemon = True
            backstop.start()
        self.generation += 1
        self.waiting[id(widget)] = self.generation
        gc.disable()

    def resume_after_frame(self, widget: Widget) -> None:
        if id(widget) in self.waiting:
            widget.app.set_timer(FRAME, lambda key=id(widget), generation=self.waiting[id(widget)]:
                                 self._resume(key, generation))

    def _resume(self, key: int, generation: int) -> None:
        if self.waiting.get(key) == generation:  # not paused again since (the next keystroke)
            del self.waiting[key]
            if not self.waiting:
                gc.enable()

    def _expire(self, stretch: int) -> None:
        if stretch == self.stretch and self.waiting:
            self.waiting.clear()
            gc.enable()


gc_pause = GcPause()
