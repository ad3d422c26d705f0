"""The new-customer bonus, with the default rules of issue 5, worked by hand."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from schema import ledger
from schema.bonus import new_customer_bonus
from schema.config import BonusConfig
from schema.models import Customer

D = dt.date


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setenv("KACRM_NOW", "2026-12-20T09:00:00+08:00")


def _orders(customer, *orders):
    for n, (day, cents, cost) in enumerate(orders):
        ledger.post_order(Customer.get_by_id(customer.id), order_no=f"{customer.code}-{n}", order_date=day,
                          amount_cents=cents, cost_cents=cost)


def test_who_qualifies_and_for_how_much(make_rep, make_customer, kacrm):
    boss, alice = make_rep("boss", "manager"), make_rep("alice")
    good = make_customer(alice, code="GOOD", industry="商贸")
    _orders(good, (D(2026, 7, 10), 120_000_00, 100_000_00), (D(2026, 8, 1), 50_000_00, 44_000_00),
            (D(2026, 10, 9), 40_000_00, 36_000_00),  # the last day of the window
            (D(2026, 10, 10), 500_000_00, 1))  # the day after: not counted
    few = make_customer(alice, code="FEW", industry="商贸")
    _orders(few, (D(2026, 7, 1), 300_000_00, 200_000_00), (D(2026, 7, 2), 10_000_00, 5_000_00))
    thin = make_customer(alice, code="THIN", industry="零售")
    _orders(thin, *((D(2026, 8, d), 40_000_00, 37_000_00) for d in (1, 2, 3)))  # 7.5% margin
    factory = make_customer(alice, code="FACTORY", industry="机械制造")
    ledger.post_payment(Customer.get_by_id(factory.id), payment_ref="PRE", paid_on=D(2026, 9, 1),
                        amount_cents=40_000_00)  # 40% of the first order, in advance
    _orders(factory, (D(2026, 9, 2), 100_000_00, 80_000_00), (D(2026, 9, 3), 10_000_00, 8_000_00),
            (D(2026, 9, 4), 10_000_00, 8_000_00))
    nocost = make_customer(alice, code="NOCOST", industry="商贸")
    _orders(nocost, *((D(2026, 8, d), 50_000_00, None) for d in (1, 2, 3)))
    late = make_customer(alice, code="LATE", industry="商贸")
    _orders(late, (D(2026, 9, 30), 150_000_00, 120_000_00))  # its window runs to 12-29
    old = make_customer(alice, code="OLD", industry="商贸")
    _orders(old, (D(2026, 3, 1), 10_000_00, 1), (D(2026, 7, 1), 10_000_00, 1))  # first order before the quarter

    rows = {r.code: r for r in new_customer_bonus(boss, BonusConfig(), "2026Q3")}
    assert set(rows) == {"GOOD", "FEW", "THIN", "FACTORY", "NOCOST", "LATE"}
    good_row = rows["GOOD"]
    assert (good_row.orders, good_row.total_cents, good_row.window_ends_on) == (3, 210_000_00, D(2026, 10, 9))
    assert (good_row.margin_percent, good_row.qualifies, good_row.bonus_cents) == (Decimal("14.3"), "yes", 1_500_00)
    assert (rows["FEW"].qualifies, rows["FEW"].bonus_cents) == ("no", 0)
    assert rows["THIN"].qualifies == "no" and rows["THIN"].reasons == ("margin 7.5% < 10%",)
    assert (rows["FACTORY"].industrial, rows["FACTORY"].prepaid_percent, rows["FACTORY"].qualifies) == \
        (True, Decimal("40.0"), "no")
    assert (rows["NOCOST"].qualifies, rows["NOCOST"].margin_percent) == ("unknown", None)
    assert (rows["LATE"].qualifies, rows["LATE"].bonus_cents) == ("open", 0)

    rows = json.loads(kacrm("report", "bonus", "--quarter", "2026q3", "--format", "json").output)
    assert {r["code"]: (r["qualifies"], r["bonus"]) for r in rows}["GOOD"] == ("达标", "1500.00")
    assert kacrm("report", "bonus", "--quarter", "Q3").exit_code == 2


def test_tiers():
    config = BonusConfig()
    assert [config.bonus_for(c) for c in (99_999_99, 100_000_00, 250_000_00, 300_000_00, 9_000_000_00)] == \
        [0, 1_000_00, 1_500_00, 2_500_00, 2_500_00]
