"""Orders, payments and the ledger of the demo (DESIGN §4), made in memory one customer at a time.

Each customer gets 18 months of orders (a few returns among them) and payments that follow its way
of paying (prompt, slow, monthly lump sums, a bad payer who stopped, a prepayer with credit left).
The documents are then posted in date order — on one day, orders before payments — and settled
with `schema.ledger.allocate`, the ledger's own pure function, step by step as `post_order`,
`settle_order` and `post_payment` do: so the rows are exactly what posting them one by one through
the ledger would have written, only inserted in bulk. Money is integer cents throughout."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kacrm_tui.demo.archive import Account
from kacrm_tui.demo.context import DAY, WAN, YUAN, Demo, Weighted, round_to
from schema.ledger import OpenItem, allocate

SEASON = (90, 80, 100, 100, 105, 105, 95, 95, 105, 110, 110, 125)  # percent of the usual, by month
METHODS = Weighted.of((("transfer", 70), ("bill", 15), ("cheque", 10), ("cash", 5)))
ORDERS_PER_MONTH = {"A": (100, 35), "B": (92, 0), "C": (60, 0)}  # percent chance of one order, of a second
MIN_ORDER, MAX_ORDER = 8_000 * YUAN, 500_000 * YUAN


@dataclass(slots=True)
class Document:
    """An order (amount > 0), a return (amount < 0) or a payment, while it is made and settled."""

    date: dt.date
    amount: int
    rank: int = 0  # on one day: orders 0, payments 1, a prepayer's top-up 2 (after the day's payments)
    id: int = 0
    number: str = ""
    due: dt.date | None = None
    cost: int | None = None
    names: str = ""  # a payment: the order number it names
    method: str = ""
    source: "Document | None" = None  # a return: the order it takes back
    item: OpenItem | None = None  # an order: what is still open of it
    credit: int = 0  # a payment or a return: what is not yet used
    stamp: str = ""


@dataclass
class Trade:
    """The rows of one batch of customers, in `rows.COLUMNS` order."""

    orders: list[tuple] = field(default_factory=list)
    payments: list[tuple] = field(default_factory=list)
    allocations: list[tuple] = field(default_factory=list)


class TradeMaker:
    def __init__(self, demo: Demo, overdue_days: int):
        self.demo = demo
        self.overdue_days = overdue_days
        self.year_ago = demo.today - dt.timedelta(days=365)

    # --- orders ---------------------------------------------------------------------------------
    def _orders(self, account: Account) -> list[Document]:
        demo, rng, today = self.demo, self.demo.rng, self.demo.today
        if account.lifecycle == "new":
            start = account.since + dt.timedelta(days=rng.randrange(3, 20))
        else:
            start = max(account.since, demo.window_start) + dt.timedelta(days=rng.randrange(0, 20))
        end = today - dt.timedelta(days=rng.randrange(120, 270)) if account.lifecycle == "dormant" else today
        first, second = ORDERS_PER_MONTH[account.grade]
        trend = rng.randrange(-20, 31)  # percent a year
        cents_style = rng.randrange(10, 45)  # percent of orders with exact cents
        low, high = account.industry.margin
        used: set[dt.date] = set()
        documents: list[Document] = []

        def free_day(day: dt.date) -> dt.date | None:
            day = demo.weekday(day)
            for _ in range(5):
                if day in used:
                    day = demo.weekday(day + DAY)
                    continue
                return day if start <= day <= end else None
            return None

        def amount_of(scale: int) -> int:
            if rng.random() * 100 < cents_style:
                return min(MAX_ORDER, scale + rng.randrange(100))
            return round_to(scale, 100 * YUAN if rng.random() < 0.75 else 10 * YUAN)

        year, month, index = start.year, start.month, 0
        while (year, month) <= (end.year, end.month):
            count = (rng.random() * 100 < first) + (rng.random() * 100 < second)
            if account.lifecycle == "new" and not documents:
                count = max(count, 1)
            for _ in range(count):
                day = free_day(dt.date(year, month, rng.randrange(1, 29)))
                if day is None:
                    continue
                percent = rng.randrange(60, 141) * SEASON[month - 1] * (1200 + trend * index) // 120_000
                amount = amount_of(min(MAX_ORDER, max(MIN_ORDER, account.scale * percent // 100)))
                used.add(day)
                cost = None if rng.random() < 0.08 else amount * rng.randrange(low, high) // 1000
                documents.append(Document(day, amount, cost=cost))
                if rng.random() < 0.03:  # a return of part of it
                    back = free_day(day + dt.timedelta(days=rng.randrange(3, 25)))
                    if back is not None and back <= today:
                        used.add(back)
                        part = -round_to(amount * rng.randrange(5, 31) // 100, 100 * YUAN)
                        cost_back = None if cost is None else part * rng.randrange(low, high) // 1000
                        documents.append(Document(back, part, cost=cost_back, source=documents[-1]))
            index += 1
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        documents.sort(key=lambda d: d.date)
        for doc in documents:
            doc.id = demo.new_id("order")
            doc.due = doc.date + dt.timedelta(days=account.credit_days)
            prefix = "XS" if doc.amount > 0 else "TH"
            doc.number = f"{prefix}-{doc.date.year}{doc.date.month:02d}{doc.date.day:02d}-{doc.id:08d}"
        return documents

    # --- payments -------------------------------------------------------------------------------
    def _payments(self, account: Account, orders: list[Document]) -> list[Document]:
        demo, rng, today = self.demo, self.demo.rng, self.demo.today
        profile = account.profile
        favourite = METHODS.draw(rng)
        owed = {id(doc): doc.amount for doc in orders if doc.amount > 0}
        for doc in orders:
            if doc.source is not None:
                owed[id(doc.source)] += doc.amount
        sales = [doc for doc in orders if doc.amount > 0]
        payments: list[Document] = []

        def pay(day: dt.date, amount: int, names: str = "", rank: int = 1) -> None:
            """Banks credit on working days; what falls after today has not happened yet (the
            top-up is kept on its day rather than moved past today)."""
            shifted = demo.weekday(day)
            day = shifted if rank == 1 or shifted <= today else day
            if day <= today and (amount > 0 or rank == 2):
                method = favourite if rng.random() < 0.8 else METHODS.draw(rng)
                payments.append(Document(day, amount, rank=rank, names=names, method=method))

        if not sales:
            return payments
        if profile == "prepay" and rng.random() < 0.5:  # a deposit before the first order
            pay(sales[0].date - dt.timedelta(days=rng.randrange(3, 15)), round_to(account.scale * 2, WAN))
        if profile == "lump":
            self._lump_sums(sales, owed, pay)
        else:
            delay = {"prompt": (-10, 13), "prepay": (-15, 6), "slow": (20, 81), "bad": (0, 31)}[profile]
            stop = today - dt.timedelta(days=rng.randrange(150, 300)) if profile == "bad" else None
            unpaid: list[Document] = []
            index = 0
            while index < len(sales):
                doc = sales[index]
                index += 1
                due_now = owed[id(doc)]
                day = max(doc.due + dt.timedelta(days=rng.randrange(*delay)), doc.date + DAY)
                if due_now <= 0:
                    continue
                if stop is not None and day > stop:
                    unpaid.append(doc)
                elif profile in ("prompt", "prepay") and index < len(sales) and rng.random() < 0.2:
                    later = sales[index]  # two orders paid together, on the later one's day
                    index += 1
                    later_day = later.due + dt.timedelta(days=rng.randrange(*delay))
                    pay(max(day, later_day), due_now + max(0, owed[id(later)]))
                elif profile == "slow" and rng.random() < 0.25:
                    part = round_to(due_now * 60 // 100, 100 * YUAN)
                    pay(day, part, doc.number)
                    pay(day + dt.timedelta(days=rng.randrange(20, 41)), due_now - part)
                else:
                    pay(day, due_now, doc.number if rng.random() < 0.45 else "")
            if stop is not None:  # a bad payer now and then pays a little of what is overdue
                day, paid = stop + dt.timedelta(days=rng.randrange(30, 70)), 0
                while day <= today:
                    overdue = sum(owed[id(doc)] for doc in unpaid if doc.due < day) - paid
                    part = round_to(overdue * rng.randrange(5, 26) // 100, 1000 * YUAN)
                    pay(day, part)
                    paid += part
                    day += dt.timedelta(days=rng.randrange(45, 91))
        if profile == "prepay":  # tops up beyond what is owed: credit is left for the next orders
            day = max(sales[-1].date, today - dt.timedelta(days=rng.randrange(3, 25)))
            pay(day, rng.randrange(2, 21) * WAN, rank=2)
        payments.sort(key=lambda d: (d.date, d.rank))
        for doc in payments:
            doc.id = demo.new_id("payment")
            doc.number = f"BK{doc.date.year}{doc.date.month:02d}{doc.date.day:02d}{doc.id:08d}"
        return payments

    def _lump_sums(self, sales: list[Document], owed: dict[int, int], pay) -> None:
        """Once a month, on the 25th, what fell due since the last time, rounded up to 1,000 yuan."""
        rng, today = self.demo.rng, self.demo.today
        year, month = sales[0].date.year, sales[0].date.month
        previous, carried, step = dt.date.min, 0, 1000 * YUAN
        while (year, month) <= (today.year, today.month):
            cut = dt.date(year, month, 25)
            carried += sum(owed[id(doc)] for doc in sales if previous < doc.due <= cut)
            if carried > 0 and rng.random() >= 0.1:  # now and then a month is skipped
                pay(cut, -(-carried // step) * step)
                carried = 0
            previous = cut
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    # --- posting --------------------------------------------------------------------------------
    def make(self, account: Account, out: Trade) -> None:
        """Make and settle the customer's documents; append their rows to `out`."""
        orders = self._orders(account)
        payments = self._payments(account, orders)
        events = sorted(orders + payments, key=lambda d: (d.date, d.rank, d.id))
        demo, customer = self.demo, account.id
        open_orders: dict[int, OpenItem] = {}  # by order id, oldest first
        credits: list[Document] = []  # payments with unapplied cents, by (paid_on, id)
        returns: list[Document] = []  # returns with unused credit, by (order_date, id)
        by_number: dict[str, Document] = {}
        balance = 0

        def applied(source: Document, pairs: list[tuple[int, int]], stamp: str) -> None:
            payment, credit_order = (source.id, None) if source.rank else (None, source.id)
            for order_id, cents in pairs:
                out.allocations.append((demo.new_id("allocation"), payment, credit_order, order_id, cents, stamp))
                if open_orders[order_id].open_cents == 0:
                    del open_orders[order_id]

        for doc in events:
            doc.stamp = stamp = demo.stamp(doc.date)
            if doc.rank == 2:  # the top-up: what is owed now, plus the credit the prepayer leaves
                doc.amount += max(0, balance)
            if doc.rank == 0 and doc.amount > 0:  # post_order, then settle_order: standing credits first
                doc.item = item = OpenItem(doc.id, doc.due, doc.amount)
                open_orders[doc.id] = item
                by_number[doc.number] = doc
                for credit in credits + returns:
                    if item.open_cents == 0:
                        break
                    pairs, left = allocate(credit.credit, [item])
                    credit.credit = left
                    applied(credit, pairs, stamp)
                credits = [c for c in credits if c.credit > 0]
                returns = [r for r in returns if r.credit > 0]
            elif doc.rank == 0:  # a return: a credit against the open orders before it
                pairs, left = allocate(-doc.amount, list(open_orders.values()))
                doc.credit = left
                applied(doc, pairs, stamp)
                if left:
                    returns.append(doc)
            else:  # post_payment: the named order first, then oldest due first
                named = by_number.get(doc.names)
                preferred = named.id if named is not None and named.id in open_orders else None
                pairs, left = allocate(doc.amount, list(open_orders.values()), preferred)
                doc.credit = left
                applied(doc, pairs, stamp)
                if left:
                    credits.append(doc)
            signed = -doc.amount if doc.rank else doc.amount
            balance += signed
        for doc in orders:
            still_open = doc.item.open_cents if doc.item is not None else -doc.credit
            out.orders.append((doc.id, doc.number, customer, doc.date.isoformat(), doc.due.isoformat(), doc.amount,
                               doc.cost, still_open, "CNY", "", None, None, doc.stamp))
        for doc in payments:
            out.payments.append((doc.id, doc.number, customer, doc.date.isoformat(), doc.amount, doc.credit,
                                 doc.method, doc.names, "CNY", "", None, None, doc.stamp))
        self._account_figures(account, orders, balance)

    def _account_figures(self, account: Account, orders: list[Document], balance: int) -> None:
        rng = self.demo.rng
        account.balance = balance
        account.first_deal = next((doc.date for doc in orders if doc.amount > 0), None)
        account.sales_12m = sum(doc.amount for doc in orders if doc.date > self.year_ago)
        monthly = max(account.sales_12m // 12, account.scale)
        limit = monthly * (account.credit_days + 30) * rng.randrange(120, 201) // 3000
        account.credit_limit = -(-limit // WAN) * WAN
        potential = max(account.sales_12m, account.scale * 12) * rng.randrange(110, 500) // 100
        account.row["purchase_potential_cents"] = round_to(potential, 10 * WAN)
        if account.profile == "bad" and balance > WAN:  # a bad payer is over its limit
            below = balance * rng.randrange(55, 86) // 100 // WAN * WAN
            account.credit_limit = min(account.credit_limit, max(WAN, below))

