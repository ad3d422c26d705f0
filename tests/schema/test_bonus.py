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


def test_new_product_bonus_per_rep(make_rep, make_customer, kacrm):
    """1 % (the default 100 basis points) of the quarter's sales of SKUs first sold within the year
    before the quarter ends; lines without a SKU are counted, never guessed."""
    from schema.models import OrderLine

    boss, alice, bob = make_rep("boss", "manager"), make_rep("alice"), make_rep("bob")
    a, b = make_customer(alice, code="A"), make_customer(bob, code="B")

    def order(customer, number, day, *lines):
        o = ledger.post_order(Customer.get_by_id(customer.id), order_no=number, order_date=day,
                              amount_cents=sum(cents for _, cents in lines))
        for n, (sku, cents) in enumerate(lines, 1):
            OrderLine.create(order=o, line_no=n, sku=sku, amount_cents=cents)

    order(a, "OLD-1", D(2025, 6, 1), ("OLD", 10_000_00))  # OLD first sold 16 months before 2026Q3 ends
    order(a, "A-1", D(2026, 8, 3), ("NEW", 123_456_78), ("OLD", 50_000_00), ("", 9_00))
    order(a, "A-2", D(2026, 9, 30), ("NEW", -3_456_78))  # a return of the new product, on the last day
    order(b, "B-1", D(2026, 7, 1), ("NEW2", 20_000_00))
    order(b, "B-2", D(2026, 10, 1), ("NEW2", 999_000_00))  # the next quarter
    result = kacrm("report", "bonus", "--quarter", "2026Q3", "--products", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["owner"]: r for r in json.loads(result.output)}
    assert rows["alice"]["new_product_sales"] == "120000.00" and rows["alice"]["bonus"] == "1200.00"
    assert (rows["alice"]["products"], rows["alice"]["lines"], rows["alice"]["lines_without_sku"]) == ("NEW", 2, 1)
    assert rows["bob"]["new_product_sales"] == "20000.00" and rows["bob"]["bonus"] == "200.00"
    mine = json.loads(kacrm("report", "bonus", "--quarter", "2026Q3", "--products", "--format", "json",
                            user="bob").output)
    assert [r["owner"] for r in mine] == ["bob"]  # a rep sees their own only
