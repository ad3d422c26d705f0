"""Money: orders, payments, their allocations, the ledger postings and credit alerts.

Nothing here is ever edited or deleted once posted; a mistake is reversed by a new posting.
These tables take a million rows per file: each index is paid on every insert, so only the
lookups the screens, reports and checks make are indexed (a composite index starting with the
customer also serves lookups by customer alone)."""
from __future__ import annotations

from peewee import CharField, DateField, DecimalField, ForeignKeyField, IntegerField, TextField

from schema import clock, vocab
from schema.models.archive import Customer
from schema.models.base import BaseModel, MoneyField, UTCDateTimeField
from schema.models.people import Rep
from schema.models.system import IngestedFile


class Order(BaseModel):
    """An ERP sales document (订单). A negative amount is a return or credit note."""

    order_no = CharField(max_length=64, unique=True)
    customer = ForeignKeyField(Customer, backref="orders", on_delete="RESTRICT", index=False)  # (customer, date) indexes
    order_date = DateField()  # reports by period read the table through; an index costs every insert
    due_date = DateField()
    amount_cents = MoneyField()
    cost_cents = MoneyField(null=True)
    # still open (cached): for an order, the part not yet paid; for a return (negative amount),
    # the part of its credit not yet used against orders (so <= 0)
    open_cents = MoneyField(default=0)
    currency = CharField(max_length=3, default="CNY")
    content_hash = CharField(max_length=64, default="")  # to tell a repeated line from a clash (32 hex)
    source_file = ForeignKeyField(IngestedFile, null=True, backref="orders", on_delete="RESTRICT", index=False)
    source_line = IntegerField(null=True)
    created_at = UTCDateTimeField(default=clock.now)

    class Meta:
        # a customer's orders, open ones oldest due first (FIFO, aging); by customer and order date
        # they are few enough to sort, so no second composite index is paid on every insert. With
        # the open amount in it, the sums of what is open and overdue read the index alone.
        indexes = ((("customer", "due_date", "open_cents"), False),)


# the customers holding an unused return: a few rows, so the index costs nothing at import
Order.add_index(Order.index(Order.customer, name="order_credit", where=Order.open_cents < 0))


class OrderLine(BaseModel):
    """An optional line of an order: product detail (the order's amount stays authoritative)."""

    order = ForeignKeyField(Order, backref="lines", on_delete="CASCADE")
    line_no = IntegerField()
    sku = CharField(max_length=64, default="", index=True)
    product = CharField(max_length=200, default="")
    qty = DecimalField(max_digits=18, decimal_places=4, null=True, auto_round=False)
    unit_price = DecimalField(max_digits=18, decimal_places=6, null=True, auto_round=False)
    amount_cents = MoneyField(null=True)
    cost_cents = MoneyField(null=True)


class Payment(BaseModel):
    """Money received (回款); allocated to orders, the rest kept as unapplied credit (预收)."""

    payment_ref = CharField(max_length=64, unique=True)
    customer = ForeignKeyField(Customer, backref="payments", on_delete="RESTRICT", index=False)
    paid_on = DateField(index=True)
    amount_cents = MoneyField()
    unapplied_cents = MoneyField(default=0)  # not yet allocated (cached)
    method = CharField(max_length=12, default="transfer", choices=vocab.choices(vocab.PAYMENT_METHODS))
    order_no = CharField(max_length=64, default="")  # the order the bank line names, if any
    currency = CharField(max_length=3, default="CNY")
    content_hash = CharField(max_length=64, default="")
    source_file = ForeignKeyField(IngestedFile, null=True, backref="payments", on_delete="RESTRICT", index=False)
    source_line = IntegerField(null=True)
    created_at = UTCDateTimeField(default=clock.now)

    class Meta:
        indexes = ((("customer", "paid_on"), False),)


# the customers holding unapplied money (预收)
Payment.add_index(Payment.index(Payment.customer, name="payment_unapplied", where=Payment.unapplied_cents > 0))


class PaymentAllocation(BaseModel):
    """Part of a credit applied to an order (核销): the credit is a payment, or a return (a negative
    order) used against what is still open. Exactly one of `payment` and `credit_order` is set."""

    payment = ForeignKeyField(Payment, null=True, backref="allocations", on_delete="RESTRICT")
    credit_order = ForeignKeyField(Order, null=True, backref="credit_allocations", on_delete="RESTRICT")
    order = ForeignKeyField(Order, backref="allocations", on_delete="RESTRICT")
    amount_cents = MoneyField()
    created_at = UTCDateTimeField(default=clock.now)


class Adjustment(BaseModel):
    """A manual correction to a customer's ledger (调整), + or -, by a manager with a reason. A
    mistaken one is undone by another that names it in `reverses`; none is edited or deleted."""

    customer = ForeignKeyField(Customer, backref="adjustments", on_delete="RESTRICT", index=False)
    posted_on = DateField()
    amount_cents = MoneyField()
    reverses = ForeignKeyField("self", null=True, backref="reversed_by", on_delete="RESTRICT", index=False)
    reason = TextField()
    created_by = ForeignKeyField(Rep, null=True, backref="+", on_delete="SET NULL", index=False)
    created_at = UTCDateTimeField(default=clock.now)

    class Meta:
        indexes = ((("customer", "posted_on"), False),)


# The ledger (往来明细) is the view `posting` (migration 3) over the documents themselves: each
# order, return, payment and adjustment is one posting of its own amount (a payment's negated), so
# a posting can never go missing or be doubled, and a million-line order file writes each order once.
class Posting(BaseModel):
    """One row of the `posting` view (read only): + raises the receivable (order), - lowers it
    (return, payment); an adjustment either way. Exactly one of the three document ids is set."""

    customer = ForeignKeyField(Customer, backref="postings", index=False)
    posted_on = DateField()
    kind = CharField(max_length=12, choices=vocab.choices(vocab.LEDGER_KINDS))
    amount_cents = MoneyField()
    order = ForeignKeyField(Order, null=True, backref="+", index=False)
    payment = ForeignKeyField(Payment, null=True, backref="+", index=False)
    adjustment = ForeignKeyField(Adjustment, null=True, backref="+", index=False)
    reason = TextField()
    source_file = ForeignKeyField(IngestedFile, null=True, backref="+", index=False)
    created_at = UTCDateTimeField()

    class Meta:
        table_name = "posting"
        primary_key = False


class Alert(BaseModel):
    """A credit-control alert for the owner rep and managers: over the limit, or long overdue."""

    customer = ForeignKeyField(Customer, backref="alerts", on_delete="CASCADE")
    kind = CharField(max_length=16, choices=vocab.choices(vocab.ALERT_KINDS), index=True)
    amount_cents = MoneyField()
    order = ForeignKeyField(Order, null=True, backref="alerts", on_delete="SET NULL")
    details = TextField(default="")
    raised_at = UTCDateTimeField(default=clock.now, index=True)
    acknowledged_by = ForeignKeyField(Rep, null=True, backref="+", on_delete="SET NULL")
    acknowledged_at = UTCDateTimeField(null=True)
    resolved_at = UTCDateTimeField(null=True)
