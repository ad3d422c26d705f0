"""What happens with a demo customer: visits (拜访记录) and the contacts met, contracts (合同),
opportunities (销售机会) and complaints (投诉)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kacrm_tui.demo import corpus, phrases
from kacrm_tui.demo.archive import Account
from kacrm_tui.demo.context import DAY, WAN, YUAN, Demo, Weighted, round_to
from kacrm_tui.demo.rows import stamp

VISIT_KINDS = Weighted.of((("visit", 45), ("call", 22), ("wechat", 15), ("meeting", 8), ("event", 5), ("training", 5)))
MET = Weighted.of(((1, 70), (2, 25), (3, 5)))
GAP_DAYS = {"A": 30, "B": 60, "C": 90}  # the cadence of each grade (config [visits.max_gap_days])
OPEN_STAGES = Weighted.of((("build_trust", 35), ("uncover_needs", 30), ("present_value", 20), ("negotiate", 15)))
ALL_STAGES = Weighted.of((("build_trust", 15), ("uncover_needs", 15), ("present_value", 15), ("negotiate", 15),
                          ("won", 25), ("lost", 15)))
STAGE_ORDER = ("build_trust", "uncover_needs", "present_value", "negotiate", "won", "lost")
PROBABILITY = {"build_trust": 10, "uncover_needs": 25, "present_value": 50, "negotiate": 75, "won": 100, "lost": 0}
CYCLES = Weighted.of((("monthly", 60), ("per_order", 25), ("quarterly", 15)))
CONTRACT_METHODS = Weighted.of((("transfer", 65), ("bill", 20), ("cheque", 10), ("cash", 5)))
REBATES = (0, 100, 150, 200, 250, 300, 500)
RETAIL = ("ka_store", "chain", "bc_store")
COMPLAINT_KINDS = Weighted.of((("complaint", 70), ("feedback", 20), ("suggestion", 10)))
SEVERITIES = Weighted.of((("low", 30), ("medium", 50), ("high", 20)))


@dataclass
class Activity:
    """The rows of one batch of customers, in `rows.COLUMNS` order."""

    visits: list[tuple] = field(default_factory=list)
    visit_contacts: list[tuple] = field(default_factory=list)
    contracts: list[tuple] = field(default_factory=list)
    opportunities: list[tuple] = field(default_factory=list)
    complaints: list[tuple] = field(default_factory=list)


class ActivityMaker:
    def __init__(self, demo: Demo):
        self.demo = demo
        self.stage_turn = 0  # the first opportunities of the demo go through every stage
        self.expiring_shown = False  # the first current contract expires within weeks

    def make(self, account: Account, out: Activity) -> None:
        product = self.demo.pick(account.industry.products)
        self._visits(account, product, out)
        self._contracts(account, product, out)
        self._opportunities(account, product, out)
        if account.trading:
            self._complaints(account, product, out)

    # --- visits ---------------------------------------------------------------------------------
    def _visits(self, account: Account, product: str, out: Activity) -> None:
        demo, rng, today = self.demo, self.demo.rng, self.demo.today
        lifecycle = account.lifecycle
        cadence = GAP_DAYS[account.grade]
        gap = {"prospect": 45, "future": 120, "dormant": cadence * 2}.get(lifecycle, cadence)
        start = max(account.since + 3 * DAY, demo.window_start)
        end = today
        if rng.random() < 0.12:  # a neglected customer: past its cadence
            end = today - dt.timedelta(days=gap + rng.randrange(10, 90))
        if lifecycle == "lost":
            days = sorted(demo.day_between(start, today - DAY) for _ in range(rng.randrange(1, 4)))
        else:
            days, day = [], start + dt.timedelta(days=rng.randrange(gap))
            while day < end:
                days.append(day)
                day += dt.timedelta(days=max(7, gap * rng.randrange(60, 111) // 100))
        last = None
        for day in days:
            day = demo.weekday(day)
            if day >= today or day == last:
                continue
            last = day
            self._visit(account, product, day, "cancelled" if rng.random() < 0.06 else "done", out)
        if lifecycle in ("active", "new", "prospect") and (account.grade != "C" or rng.random() < 0.6):
            day = demo.weekday(today + dt.timedelta(days=rng.randrange(1, 36)))
            self._visit(account, product, day, "planned", out)
            if account.grade == "A":
                self._visit(account, product, demo.weekday(day + dt.timedelta(days=rng.randrange(25, 35))),
                            "planned", out)

    def _visit(self, account: Account, product: str, day: dt.date, status: str, out: Activity) -> None:
        demo, rng, today = self.demo, self.demo.rng, self.demo.today
        visit_id = demo.new_id("visit")
        kind = VISIT_KINDS.draw(rng)
        at = stamp(day, demo.minute())
        purpose = demo.pick(phrases.VISIT_PURPOSES).format(product=product)
        summary = feedback = commitment = next_step = ""
        follow_up, follow_up_done = None, 0
        if status == "done":
            numbers = {"product": product, "pct": rng.randrange(3, 15), "n": rng.randrange(1, 10)}
            summary = demo.pick(phrases.VISIT_SUMMARIES).format(**numbers)
            feedback = demo.pick(phrases.VISIT_FEEDBACK)
            commitment = demo.pick(phrases.VISIT_COMMITMENTS).format(**numbers)
            next_step = demo.pick(phrases.VISIT_NEXT_STEPS)
            follow = day + dt.timedelta(days=rng.randrange(3, 22))
            follow_up = follow.isoformat()
            follow_up_done = int(follow < today - 5 * DAY and rng.random() < 0.9)
            count = 1 if kind in ("call", "wechat") else min(MET.draw(rng), len(account.contacts))
            for contact in rng.sample(account.contacts, count):
                out.visit_contacts.append((demo.new_id("visit_contact"), visit_id, contact[0]))
            created = min(stamp(day, 18 * 60), demo.now)
        elif status == "cancelled":
            summary = demo.pick(phrases.VISIT_CANCELLED)
            created = min(stamp(day, 8 * 60), demo.now)
        else:
            created = demo.stamp(today - dt.timedelta(days=rng.randrange(0, 14)))
        out.visits.append((visit_id, account.id, account.owner, at, kind, status, purpose, summary, feedback,
                           commitment, next_step, follow_up, follow_up_done, 1, created, created, None))

    # --- contracts ------------------------------------------------------------------------------
    def _contracts(self, account: Account, product: str, out: Activity) -> None:
        demo, rng, today = self.demo, self.demo.rng, self.demo.today
        lifecycle = account.lifecycle
        if lifecycle in ("active", "new"):
            renewal = False
            if not self.expiring_shown or rng.random() < 0.15:  # up for renewal within weeks
                self.expiring_shown = True
                end = today + dt.timedelta(days=rng.randrange(5, 61))
                start = end - dt.timedelta(days=364)
                self._contract(account, product, start, end, "active", out)
                renewal = rng.random() < 0.5
                if renewal:
                    self._contract(account, product, end + DAY, end + dt.timedelta(days=365),
                                   demo.pick(("draft", "pending")), out)
            else:
                start = (dt.date(today.year, 1, 1) if rng.random() < 0.35
                         else today - dt.timedelta(days=rng.randrange(10, 300)))
                start = max(start, account.since)
                years = 2 if rng.random() < 0.2 else 1
                status = "pending" if lifecycle == "new" and rng.random() < 0.2 else "active"
                self._contract(account, product, start, start + dt.timedelta(days=365 * years - 1), status, out)
            earlier = start - dt.timedelta(days=365)
            if not renewal and lifecycle == "active" and rng.random() < 0.5 and earlier > account.since:
                terminated = rng.random() < 0.1
                self._contract(account, product, earlier,
                               start - dt.timedelta(days=rng.randrange(30, 120) if terminated else 1),
                               "terminated" if terminated else "expired", out)
        elif lifecycle == "dormant":
            start = today - dt.timedelta(days=rng.randrange(200, 600))
            end = start + dt.timedelta(days=364)
            self._contract(account, product, start, end, "active" if end >= today else "expired", out)
        elif lifecycle == "lost":
            start = account.since + dt.timedelta(days=rng.randrange(10, 200))
            self._contract(account, product, start, start + dt.timedelta(days=rng.randrange(180, 365)),
                           demo.pick(("expired", "terminated")), out)
        elif lifecycle == "prospect" and rng.random() < 0.15:
            start = today + dt.timedelta(days=rng.randrange(15, 60))
            self._contract(account, product, start, start + dt.timedelta(days=364), "draft", out)

    def _contract(self, account: Account, product: str, start: dt.date, end: dt.date, status: str,
                  out: Activity) -> None:
        demo, rng, today = self.demo, self.demo.rng, self.demo.today
        contract_id = demo.new_id("contract")
        signed_state = status in ("active", "expired", "terminated")
        signed = min(today, start - dt.timedelta(days=rng.randrange(3, 20))) if signed_state else None
        years = max(1, round((end - start).days / 365))
        amount = round_to(account.scale * 12 * years * rng.randrange(80, 130) // 100, WAN)
        retail = account.row["channel"] in RETAIL
        entry = rng.randrange(2, 21) * WAN if retail else 0
        promotion = (rng.randrange(1, 11) * WAN if retail and rng.random() < 0.6
                     else rng.randrange(5, 51) * 1000 * YUAN if rng.random() < 0.3 else 0)
        other = rng.randrange(1, 31) * 1000 * YUAN if rng.random() < 0.1 else 0
        title = demo.pick(phrases.CONTRACT_TITLES).format(year=start.year, product=product)
        signatory = account.contacts[0][1] if signed_state else ""
        archive_no = f"DA{signed.year}-{contract_id:06d}" if signed else ""
        location = f"档案柜{demo.pick(corpus.ARCHIVE_CABINETS)}-{rng.randrange(1, 13):02d}" if signed else ""
        created = demo.stamp(signed or today - dt.timedelta(days=rng.randrange(0, 20)))
        out.contracts.append((
            contract_id, f"HT{start.year}-{contract_id:06d}", title, account.id,
            signed.isoformat() if signed else None, start.isoformat(), end.isoformat(), amount, status,
            CYCLES.draw(rng), CONTRACT_METHODS.draw(rng), account.credit_days, entry, promotion, other,
            demo.pick(REBATES), demo.pick(phrases.SPECIAL_TERMS), signatory, account.owner,
            demo.manager_id if signed_state else None, archive_no, location, 1, created, created, None))

    # --- opportunities --------------------------------------------------------------------------
    def _opportunities(self, account: Account, product: str, out: Activity) -> None:
        rng, lifecycle = self.demo.rng, account.lifecycle
        roll = rng.random()
        count = {"prospect": int(roll < 0.9), "future": int(roll < 0.4), "dormant": int(roll < 0.15),
                 "lost": int(roll < 0.3)}.get(lifecycle, 2 if roll < 0.15 else int(roll < 0.6))
        for _ in range(count):
            if self.stage_turn < len(STAGE_ORDER):
                stage = STAGE_ORDER[self.stage_turn]
                self.stage_turn += 1
            elif lifecycle in ("prospect", "future", "dormant"):
                stage = OPEN_STAGES.draw(rng)
            else:
                stage = "lost" if lifecycle == "lost" else ALL_STAGES.draw(rng)
            self._opportunity(account, product, stage, out)

    def _opportunity(self, account: Account, product: str, stage: str, out: Activity) -> None:
        demo, rng, today = self.demo, self.demo.rng, self.demo.today
        closed = stage in ("won", "lost")
        probability = PROBABILITY[stage] if closed else max(5, min(95, PROBABILITY[stage] + rng.randrange(-5, 6)))
        if closed:
            closed_on = max(account.since + 10 * DAY, today - dt.timedelta(days=rng.randrange(5, 400)))
            closed_on = min(closed_on, today)
            expected = closed_on + dt.timedelta(days=rng.randrange(-20, 11))
        else:
            closed_on, expected = None, today + dt.timedelta(days=rng.randrange(10, 181))
        title = demo.pick(phrases.OPPORTUNITY_TITLES).format(product=product, city=account.city.name)
        created = demo.stamp(max(account.since, (closed_on or today) - dt.timedelta(days=rng.randrange(30, 150))))
        out.opportunities.append((
            demo.new_id("opportunity"), account.id, account.owner, title, stage,
            round_to(account.scale * rng.randrange(3, 25), WAN), probability, expected.isoformat(), product,
            "" if closed else demo.pick(phrases.OPPORTUNITY_NEXT),
            demo.pick(phrases.LOST_REASONS) if stage == "lost" else "",
            closed_on.isoformat() if closed_on else None, 1, created, max(created, demo.stamp(closed_on or today)),
            None))

    # --- complaints -----------------------------------------------------------------------------
    def _complaints(self, account: Account, product: str, out: Activity) -> None:
        demo, rng, today = self.demo, self.demo.rng, self.demo.today
        roll = rng.random()
        for _ in range(2 if roll < 0.02 else int(roll < 0.11)):
            received = today - dt.timedelta(days=rng.randrange(1, 540))
            if received < account.since:
                continue
            kind, recent = COMPLAINT_KINDS.draw(rng), received > today - 14 * DAY
            status = demo.pick(("open", "in_progress")) if recent else "resolved" if rng.random() < 0.6 else "closed"
            done = status in ("resolved", "closed")
            resolved_on = min(today, received + dt.timedelta(days=rng.randrange(1, 21))) if done else None
            discount = (round_to(rng.randrange(2_000, 50_001) * YUAN, 100 * YUAN)
                        if done and kind == "complaint" and rng.random() < 0.18 else 0)
            contact = demo.pick(account.contacts)[0] if rng.random() < 0.8 else None
            created = demo.stamp(received)
            out.complaints.append((
                demo.new_id("complaint"), account.id, contact, account.owner, received.isoformat(), kind,
                SEVERITIES.draw(rng), demo.pick(phrases.COMPLAINT_SUBJECTS),
                demo.pick(phrases.COMPLAINT_DETAILS).format(product=product, n=rng.randrange(2, 40)), status,
                demo.pick(phrases.RESOLUTIONS) if done else "", resolved_on.isoformat() if resolved_on else None,
                discount, demo.manager_id if discount else None, 1, created,
                demo.stamp(resolved_on) if resolved_on else created, None))
