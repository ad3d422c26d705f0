"""Return and risk (DESIGN §5): profitability and the early warnings, worked by hand."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from schema import ledger
from schema.config import DsoConfig, RiskConfig
from schema.models import Alert, Contract, Customer
from schema.risk import refresh_risk_alerts, risk

D = dt.date
STANDARD = DsoConfig(method="standard", days=90)


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setenv("KACRM_NOW", "2026-11-20T09:00:00+08:00")


def _order(customer, number, day, cents, cost):
    ledger.post_order(Customer.get_by_id(customer.id), order_no=number, order_date=day, amount_cents=cents,
                      cost_cents=cost)


def test_profitability_and_warnings(make_rep, make_customer, kacrm):
    boss, alice = make_rep("boss", "manager"), make_rep("alice")
    x, y = make_customer(alice, code="X"), make_customer(alice, code="Y")
    _order(x, "X1", D(2026, 1, 10), 60_000_00, 48_000_00)
    _order(x, "X2", D(2026, 6, 10), 30_000_00, 24_000_00)  # the three months before (06-08)
    _order(x, "X3", D(2026, 10, 10), 10_000_00, 8_000_00)   # the last three (09-11): down by two thirds
    Contract.create(number="HT-1", title="年度合同", customer=x, status="active", start_on=D(2026, 1, 1),
                    end_on=D(2026, 12, 31), entry_fee_cents=10_000_00, rebate_basis_points=200)
    Contract.create(number="HT-0", title="旧合同", customer=x, status="expired", start_on=D(2024, 1, 1),
                    end_on=D(2024, 12, 31), entry_fee_cents=99_000_00)  # ended before the twelve months
    for month in range(1, 12):
        _order(y, f"Y{month}", D(2026, month, 5), 10_000_00, None)  # cost unknown: no margin
        ledger.post_payment(Customer.get_by_id(y.id), payment_ref=f"PY{month}", paid_on=D(2026, month, 5),
                            amount_cents=10_000_00)
    rows = {r.code: r for r in risk(boss, RiskConfig(), STANDARD)}
    assert (rows["X"].sales_12m_cents, rows["X"].margin_12m_cents, rows["X"].fees_cents, rows["X"].rebates_cents) == \
        (100_000_00, 20_000_00, 10_000_00, 2_000_00)
    assert rows["X"].profitability_cents == 8_000_00
    # DSO: 90,000 / 30,000 × 90 = 270 days on 08-21; 100,000 / 10,000 × 90 = 900 now
    assert (rows["X"].dso_before, rows["X"].dso_now) == (Decimal("270.0"), Decimal("900.0"))
    assert rows["X"].warnings == ["dso_rising", "sales_falling"]
    countback = {r.code: r for r in risk(boss, RiskConfig(), DsoConfig(method="countback"))}
    # 08-21 (balance 90,000): August to the 21st, July, June's 30,000 (30 days), May to February, then
    # 60,000/60,000 of January: 21+31+30+31+30+31+28+31 = 233; today (100,000): November to the 20th,
    # October's 10,000, then back the same way: 20+31+30+31+31+30+31+30+31+28+31 = 324
    assert (countback["X"].dso_before, countback["X"].dso_now) == (Decimal("233.0"), Decimal("324.0"))
    assert rows["Y"].profitability_cents is None and rows["Y"].warnings == []

    assert refresh_risk_alerts(RiskConfig(), STANDARD) == (2, 0)
    assert refresh_risk_alerts(RiskConfig(), STANDARD) == (0, 0)  # raised once
    assert {a.kind for a in Alert.select().where(Alert.customer == x.id)} == {"dso_rising", "sales_falling"}
    ledger.post_payment(Customer.get_by_id(x.id), payment_ref="PX", paid_on=D(2026, 11, 20), amount_cents=100_000_00)
    assert refresh_risk_alerts(RiskConfig(), STANDARD) == (0, 2)  # paid up: both warnings resolve

    rows = json.loads(kacrm("report", "risk", "--format", "json", "--as-of", "2026-11-19").output)
    assert [(r["code"], r["profitability"], r["warnings"]) for r in rows] == [
        ("X", "8000.00", "回款变慢; 货款比失衡"), ("Y", None, "")]
    assert json.loads(kacrm("report", "risk", "--warnings-only", "--format", "json").output) == []
