"""What every generator of the demo shares: one seeded `random.Random`, the demo's `today`, the
ids handed out so far, and small helpers for the kinds of values that recur (people, phones, days).

Nothing here reads the wall clock or the global random state: the same seed, customer count and
`today` give the same data."""
from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from typing import Sequence, TypeVar

from kacrm_tui.demo import corpus
from kacrm_tui.demo.rows import stamp

T = TypeVar("T")
DAY = dt.timedelta(days=1)
WINDOW_DAYS = 548  # the history the demo makes up: 18 months back from today


def cumulative(weights: Sequence[int]) -> list[int]:
    return list(itertools.accumulate(weights))


@dataclass
class Weighted:
    """Items with integer weights, drawn with `rng.choices` (cumulative weights computed once)."""

    items: tuple
    cum: list[int]

    @classmethod
    def of(cls, pairs: Sequence[tuple[T, int]]) -> "Weighted":
        return cls(tuple(item for item, _ in pairs), cumulative([weight for _, weight in pairs]))

    def draw(self, rng: random.Random):
        return rng.choices(self.items, cum_weights=self.cum)[0]


SURNAMES = Weighted(corpus.SURNAMES, cumulative([max(1, 200 - 2 * i) for i in range(len(corpus.SURNAMES))]))


@dataclass
class Demo:
    """The state of one build."""

    rng: random.Random
    today: dt.date
    manager_id: int = 1
    next_ids: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.window_start = self.today - dt.timedelta(days=WINDOW_DAYS)
        self.now = stamp(self.today, 18 * 60)  # the build's "now": the end of today's working day

    def new_id(self, table: str) -> int:
        value = self.next_ids.get(table, 1)
        self.next_ids[table] = value + 1
        return value

    # --- values -----------------------------------------------------------------------------
    def chance(self, percent: int) -> bool:
        return self.rng.random() * 100 < percent

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.rng.random() * len(items))]

    def person(self) -> tuple[str, str]:
        """A Chinese name and its pinyin (for e-mail addresses and logins)."""
        rng = self.rng
        surname, surname_pinyin = SURNAMES.draw(rng)
        chars = corpus.GIVEN_MALE if rng.random() < 0.55 else corpus.GIVEN_FEMALE
        given = self.pick(chars) if rng.random() < 0.35 else self.pick(chars) + self.pick(chars)
        return surname + given, surname_pinyin + "".join(corpus.GIVEN_PINYIN[c] for c in given)

    def mobile(self) -> str:
        return self.pick(corpus.MOBILE_PREFIXES) + f"{self.rng.randrange(10 ** 8):08d}"

    def landline(self, area_code: str) -> str:
        return f"{area_code}-{self.rng.randrange(2, 9)}{self.rng.randrange(10 ** 6, 10 ** 7):07d}"

    def minute(self) -> int:
        """A local minute of the working day, 08:30 to 17:45, on the quarter hour."""
        return 510 + 15 * self.rng.randrange(38)

    def stamp(self, day: dt.date) -> str:
        """A timestamp during the working day `day`, never after the build's now."""
        text = stamp(min(day, self.today), self.minute())
        return min(text, self.now)

    def weekday(self, day: dt.date) -> dt.date:
        """`day`, or the Monday after it when it falls on a weekend."""
        weekday = day.weekday()
        return day + dt.timedelta(days=7 - weekday) if weekday >= 5 else day

    def day_between(self, first: dt.date, last: dt.date) -> dt.date:
        span = (last - first).days
        return first + dt.timedelta(days=self.rng.randrange(span + 1)) if span > 0 else first


def round_to(cents: int, step: int) -> int:
    """`cents` rounded half up to a multiple of `step` (integers only)."""
    return (cents + step // 2) // step * step


YUAN = 100
WAN = 10_000 * YUAN  # 万元
