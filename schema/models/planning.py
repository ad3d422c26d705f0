"""Targets (销售目标) and the history of classifications (客户分类快照)."""
from __future__ import annotations

from peewee import BigIntegerField, CharField, DateField, ForeignKeyField, IntegerField

from schema import clock, vocab
from schema.models.archive import Customer
from schema.models.base import BaseModel, MoneyField, TrackedModel, UTCDateTimeField
from schema.models.people import Rep


class Target(TrackedModel):
    """A goal for a rep, customer, region, product or the team over one month, quarter or year.

    `value` is cents for money metrics and a count for `new_outlets`. A decomposed target points
    at its `parent`."""

    scope = CharField(max_length=12, choices=vocab.choices(vocab.TARGET_SCOPES))
    rep = ForeignKeyField(Rep, null=True, backref="targets", on_delete="CASCADE")
    customer = ForeignKeyField(Customer, null=True, backref="targets", on_delete="CASCADE")
    region = CharField(max_length=64, default="")
    product = CharField(max_length=100, default="")
    period = CharField(max_length=12, choices=vocab.choices(vocab.TARGET_PERIODS))
    period_start = DateField()
    period_end = DateField()
    metric = CharField(max_length=20, choices=vocab.choices(vocab.TARGET_METRICS))
    value = BigIntegerField()
    parent = ForeignKeyField("self", null=True, backref="parts", on_delete="CASCADE")
    set_by = ForeignKeyField(Rep, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = (
            (("scope", "rep", "customer", "region", "product", "period", "period_start", "metric"), False),
            (("period_start", "period_end"), False),
        )


class SegmentSnapshot(BaseModel):
    """The classification of one customer for one period, so moves between classes can be seen."""

    customer = ForeignKeyField(Customer, backref="segment_history", on_delete="CASCADE")
    period = CharField(max_length=12)  # e.g. 2026Q4
    as_of = DateField()
    abc_class = CharField(max_length=1, default="")
    segment = CharField(max_length=4, default="", choices=vocab.choices(vocab.SEGMENTS))
    strategy = CharField(max_length=8, default="", choices=vocab.choices(vocab.STRATEGIES))
    lifecycle = CharField(max_length=12, default="")
    sales_12m_cents = MoneyField(default=0)
    margin_12m_cents = MoneyField(null=True)
    months_with_orders = IntegerField(default=0)
    created_at = UTCDateTimeField(default=clock.now)

    class Meta:
        indexes = ((("customer", "period"), True), (("period", "segment"), False))
