"""The new-customer bonus (新客户奖励, issue 5), by `[bonus]` in config.

A customer is new in a quarter when its first order falls in that quarter. It qualifies for its
rep's bonus when all of these hold:
- it has at least `min_orders` orders within `window_months` of the first (returns not counted);
- the average gross margin of those orders is at least `min_margin_percent`, counted over the
  orders whose cost is known;
- for an industrial customer (its industry contains one of `industrial_industries`), the money
  received by the day of the first order is at least `industrial_prepay_percent` of it.
The bonus is the highest tier the orders' total within the window reaches. A test whose data is
missing (no cost at all, no industry given) is unknown, and so is the customer's qualification:
unknown is shown, never guessed. A window still running is "open": the customer may yet qualify (or fail), and the bonus shown is
what the orders have reached so far.

The new-product bonus (新产品奖励) of a rep for a quarter is `new_product_basis_points` (100 = 1 %)
of the quarter's sales of new products (order lines of SKUs first sold within the year before the
quarter ends, as the `new_product_sales` target counts them) to the rep's customers. Order lines
without a SKU cannot be told new or not: they are counted and shown, never guessed."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from peewee import fn

from schema import clock
from schema.config import BonusConfig
from schema.models import Customer, Order, OrderLine, Payment, Rep
from schema.money import percent_of
from schema.periods import add_months, quarter_bounds
from schema.reports_scope import Scope, scoped_customers

YES, NO, UNKNOWN, OPEN = "yes", "no", "unknown", "open"


@dataclass(frozen=True)
class BonusRow:
    code: str
    name: str
    owner: str
    first_order_on: dt.date
    window_ends_on: dt.date
    orders: int
    total_cents: int
    margin_percent: Decimal | None
    industrial: bool | None
    prepaid_percent: Decimal | None
    qualifies: str  # yes, no, unknown, open
    bonus_cents: int
    reasons: tuple[str, ...]  # the tests that failed or could not be told


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def new_customer_bonus(rep: Rep, config: BonusConfig, quarter: str, scope: Scope | None = None, *,
                       today: dt.date | None = None) -> list[BonusRow]:
    today = today or clock.today()
    start, end = quarter_bounds(quarter)
    customers = (scoped_customers(rep, scope)
                 .select(Customer.id, Customer.code, Customer.name, Rep.login, Customer.industry)
                 .where((Customer.first_deal_date >= start) & (Customer.first_deal_date <= end))
                 .order_by(Customer.code))
    rows = []
    for cid, code, name, login, industry in customers.tuples():
        orders = list(Order.select(Order.order_no, Order.order_date, Order.amount_cents, Order.cost_cents)
                      .where((Order.customer == cid) & (Order.amount_cents > 0)).order_by(Order.order_date, Order.id)
                      .tuples())
        if not orders:
            continue
        first_no, first_day, first_amount, _ = orders[0]
        window_end = add_months(first_day.replace(day=1), config.window_months) + \
            dt.timedelta(days=first_day.day - 1) - dt.timedelta(days=1)
        within = [o for o in orders if o[1] <= window_end]
        total = sum(o[2] for o in within)
        costed = [(amount, cost) for _, _, amount, cost in within if cost is not None]
        margin = _percent(sum(a - c for a, c in costed), sum(a for a, _ in costed)) if costed else None
        text = (industry or "").casefold()
        industrial = None if not text.strip() else any(word.casefold() in text for word in config.industrial_industries)
        prepaid = None
        if industrial:
            paid = Payment.select(fn.COALESCE(fn.SUM(Payment.amount_cents), 0)).where(
                (Payment.customer == cid) & (Payment.paid_on <= first_day)).scalar()
            prepaid = _percent(int(paid), first_amount)
        reasons, unknown = [], False
        if len(within) < config.min_orders:
            reasons.append(f"orders {len(within)} < {config.min_orders}")
        if margin is None:
            reasons.append("margin unknown (no cost)")
            unknown = True
        elif margin < config.min_margin_percent:
            reasons.append(f"margin {margin}% < {config.min_margin_percent}%")
        if industrial is None:
            reasons.append("industry unknown")
            unknown = True
        elif industrial and prepaid is not None and prepaid < config.industrial_prepay_percent:
            reasons.append(f"prepaid {prepaid}% < {config.industrial_prepay_percent}%")
        failed = [r for r in reasons if "unknown" not in r]
        if window_end >= today:  # more orders may come: only the first order's prepayment is settled
            verdict = NO if any(r.startswith("prepaid") for r in failed) else OPEN
        else:
            verdict = NO if failed else UNKNOWN if unknown else YES
        # still open and passing so far: the bonus the orders have reached, provisionally
        bonus = config.bonus_for(total) if verdict == YES or (verdict == OPEN and not reasons) else 0
        rows.append(BonusRow(code, name, login, first_day, window_end, len(within), total, margin, industrial, prepaid,
                             verdict, bonus, tuple(reasons)))
    return rows


@dataclass(frozen=True)
class ProductBonusRow:
    owner: str  # the rep's login
    rep_name: str
    sales_cents: int  # new-product sales in the quarter
    lines: int
    products: tuple[str, ...]  # the new SKUs sold
    unknown_lines: int  # the quarter's order lines without a SKU
    bonus_cents: int


def new_product_bonus(rep: Rep, config: BonusConfig, quarter: str, scope: Scope | None = None) -> list[ProductBonusRow]:
    """Per owner rep of the customers `rep` may see within `scope`: the quarter's new-product
    sales and the bonus on them, by login."""
    from schema.targets import new_products

    start, end = quarter_bounds(quarter)
    customers = scoped_customers(rep, scope).select(Customer.id)
    in_quarter = (Order.order_date >= start) & (Order.order_date <= end) & Order.customer.in_(customers)
    base = OrderLine.select().join(Order).join(Customer).join(Rep).where(in_quarter)
    sold: dict[tuple[str, str], dict] = {}
    for login, name, sku, cents, lines in (base.select(Rep.login, Rep.name, OrderLine.sku,
                                                       fn.COALESCE(fn.SUM(OrderLine.amount_cents), 0),
                                                       fn.COUNT(OrderLine.id))
                                           .where(OrderLine.sku.in_(new_products(end)))
                                           .group_by(Rep.login, Rep.name, OrderLine.sku).tuples()):
        entry = sold.setdefault((login, name), {"cents": 0, "lines": 0, "skus": []})
        entry["cents"] += int(cents)
        entry["lines"] += lines
        entry["skus"].append(sku)
    unknown = dict(((login, name), count) for login, name, count in
                   base.select(Rep.login, Rep.name, fn.COUNT(OrderLine.id)).where(OrderLine.sku == "")
                   .group_by(Rep.login, Rep.name).tuples())
    rows = []
    for key in sorted(set(sold) | set(unknown)):
        entry = sold.get(key, {"cents": 0, "lines": 0, "skus": []})
        rows.append(ProductBonusRow(key[0], key[1], entry["cents"], entry["lines"], tuple(sorted(entry["skus"])),
                                    unknown.get(key, 0),
                                    max(0, percent_of(entry["cents"], config.new_product_basis_points))))
    return rows


__all__ = ["BonusRow", "ProductBonusRow", "new_customer_bonus", "new_product_bonus"]
