"""The figures the demo derives once every customer is made: the ABC class of each customer (二八原理)
and the targets (目标分解) of the team, the regions and the reps."""
from __future__ import annotations

import datetime as dt

from kacrm_tui.demo.context import WAN, YUAN, Demo, round_to
from kacrm_tui.demo.rows import stamp

QUARTER_WEIGHTS = (22, 24, 25, 29)  # percent of the year; year-end stocking makes Q4 the largest
MONTH_WEIGHTS = (32, 33, 35)  # percent of the quarter


def _split(value: int, weights: tuple[int, ...], step: int) -> list[int]:
    """`value` in parts by `weights`, each rounded to `step` but the last, which takes the rest:
    the parts add up to `value` exactly."""
    parts = [round_to(value * weight // sum(weights), step) for weight in weights[:-1]]
    return [*parts, value - sum(parts)]


def make_targets(demo: Demo, reps: list[tuple[int, str]], rep_sales: dict[int, int]) -> list[tuple]:
    """This year's targets: the team's sales (全公司), decomposed into regions, then reps, each rep's
    year into quarters and months (parent links); a new-outlets goal per rep; and collections (回款)
    targets for the current quarter and month. `reps` holds (rep id, region)."""
    rng, today = demo.rng, demo.today
    year = today.year
    created = stamp(min(dt.date(year, 1, 6), today), 9 * 60)
    rows: list[tuple] = []

    def add(scope: str, rep: int | None, region: str, period: str, start: dt.date, end: dt.date, metric: str,
            value: int, parent: int | None) -> int:
        target_id = demo.new_id("target")
        rows.append((target_id, scope, rep, None, region, "", period, start.isoformat(), end.isoformat(), metric,
                     value, parent, demo.manager_id, 1, created, created, None))
        return target_id

    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rep_year = {rep: round_to(max(rep_sales.get(rep, 0), 100 * WAN) * rng.randrange(105, 126) // 100, 10 * WAN)
                for rep, _ in reps}
    regions: dict[str, list[int]] = {}
    for rep, region in reps:
        regions.setdefault(region, []).append(rep)
    team = add("team", None, "", "year", year_start, year_end, "sales", sum(rep_year.values()), None)
    region_ids = {region: add("region", None, region, "year", year_start, year_end, "sales",
                              sum(rep_year[rep] for rep in members), team)
                  for region, members in regions.items()}
    quarter_now = (today.month - 1) // 3
    for rep, region in reps:
        parent = add("rep", rep, "", "year", year_start, year_end, "sales", rep_year[rep], region_ids[region])
        for quarter, quarter_value in enumerate(_split(rep_year[rep], QUARTER_WEIGHTS, 10 * WAN)):
            first_month = 3 * quarter + 1
            q_start = dt.date(year, first_month, 1)
            q_end = dt.date(year + (quarter == 3), 1 if quarter == 3 else first_month + 3, 1) - dt.timedelta(days=1)
            q_id = add("rep", rep, "", "quarter", q_start, q_end, "sales", quarter_value, parent)
            for offset, month_value in enumerate(_split(quarter_value, MONTH_WEIGHTS, 1000 * YUAN)):
                month = first_month + offset
                m_end = dt.date(year + (month == 12), 1 if month == 12 else month + 1, 1) - dt.timedelta(days=1)
                add("rep", rep, "", "month", dt.date(year, month, 1), m_end, "sales", month_value, q_id)
                if month == today.month:
                    add("rep", rep, "", "month", dt.date(year, month, 1), m_end, "collections",
                        round_to(month_value * rng.randrange(85, 101) // 100, 1000 * YUAN), None)
            if quarter == quarter_now:
                add("rep", rep, "", "quarter", q_start, q_end, "collections",
                    round_to(quarter_value * rng.randrange(85, 101) // 100, WAN), None)
        add("rep", rep, "", "year", year_start, year_end, "new_outlets", rng.randrange(3, 13), None)
    return rows
