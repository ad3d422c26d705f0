"""What happens with a customer: visits (拜访记录), contracts (合同), opportunities, complaints."""
from __future__ import annotations

from peewee import BooleanField, CharField, DateField, ForeignKeyField, IntegerField, SmallIntegerField, TextField

from schema import vocab
from schema.models.archive import Contact, Customer
from schema.models.base import BaseModel, MoneyField, TrackedModel, UTCDateTimeField
from schema.models.people import Rep


class Visit(TrackedModel):
    """A logged or planned contact with a customer: visit, call, WeChat, meeting, event, training."""

    customer = ForeignKeyField(Customer, backref="visits", on_delete="CASCADE")
    rep = ForeignKeyField(Rep, backref="visits", on_delete="RESTRICT")
    at = UTCDateTimeField()
    kind = CharField(max_length=12, default="visit", choices=vocab.choices(vocab.VISIT_KINDS))
    status = CharField(max_length=12, default="planned", choices=vocab.choices(vocab.VISIT_STATUSES))
    purpose = TextField(default="")
    summary = TextField(default="")
    feedback = TextField(default="")  # customer feedback
    commitment = TextField(default="")  # 承诺 obtained
    next_step = TextField(default="")
    follow_up_on = DateField(null=True, index=True)
    follow_up_done = BooleanField(default=False)

    class Meta:
        indexes = ((("customer", "at"), False), (("rep", "at"), False), (("status", "at"), False))


# a customer's last visit done (not deleted) is one probe of this index, never a table read (migration 5)
Visit.add_index(Visit.index(Visit.customer, Visit.status, Visit.deleted_at, Visit.at, name="visit_done"))


class VisitContact(BaseModel):
    """A contact met during a visit."""

    visit = ForeignKeyField(Visit, backref="contacts_met", on_delete="CASCADE")
    contact = ForeignKeyField(Contact, backref="visits_met", on_delete="CASCADE")

    class Meta:
        indexes = ((("visit", "contact"), True),)


class Contract(TrackedModel):
    """Signed terms with a customer; the paper original is filed under `paper_archive_no`."""

    number = CharField(max_length=64, unique=True)
    title = CharField(max_length=200)
    customer = ForeignKeyField(Customer, backref="contracts", on_delete="CASCADE")
    signed_on = DateField(null=True)
    start_on = DateField(null=True)
    end_on = DateField(null=True, index=True)
    amount_cents = MoneyField(default=0)
    status = CharField(max_length=12, default="draft", choices=vocab.choices(vocab.CONTRACT_STATUSES), index=True)
    settlement_cycle = CharField(max_length=12, default="monthly", choices=vocab.choices(vocab.SETTLEMENT_CYCLES))
    payment_method = CharField(max_length=12, default="transfer", choices=vocab.choices(vocab.PAYMENT_METHODS))
    credit_days = IntegerField(default=30)
    entry_fee_cents = MoneyField(default=0)  # 进场费
    promotion_fee_cents = MoneyField(default=0)  # 促销费
    other_fee_cents = MoneyField(default=0)
    rebate_basis_points = IntegerField(default=0)  # 返点: 250 = 2.50 %
    special_terms = TextField(default="")
    customer_signatory = CharField(max_length=64, default="")
    handler = ForeignKeyField(Rep, null=True, backref="+", on_delete="SET NULL")
    approver = ForeignKeyField(Rep, null=True, backref="+", on_delete="SET NULL")
    paper_archive_no = CharField(max_length=64, default="")  # 纸质档案号
    paper_archive_location = CharField(max_length=120, default="")


class Opportunity(TrackedModel):
    """A pipeline item (销售机会) moving through the stages of the funnel."""

    customer = ForeignKeyField(Customer, backref="opportunities", on_delete="CASCADE")
    owner = ForeignKeyField(Rep, backref="opportunities", on_delete="RESTRICT")
    title = CharField(max_length=200)
    stage = CharField(max_length=16, default="build_trust", choices=vocab.choices(vocab.OPPORTUNITY_STAGES), index=True)
    amount_cents = MoneyField(default=0)
    probability_percent = SmallIntegerField(default=10)
    expected_close_on = DateField(null=True, index=True)
    product = CharField(max_length=100, default="")
    next_step = TextField(default="")
    lost_reason = TextField(default="")
    closed_on = DateField(null=True)


class Complaint(TrackedModel):
    """A complaint or feedback item, its resolution, and any discount granted (折价)."""

    customer = ForeignKeyField(Customer, backref="complaints", on_delete="CASCADE")
    contact = ForeignKeyField(Contact, null=True, backref="complaints", on_delete="SET NULL")
    handler = ForeignKeyField(Rep, null=True, backref="complaints", on_delete="SET NULL")
    received_on = DateField(index=True)
    kind = CharField(max_length=12, default="complaint", choices=vocab.choices(vocab.COMPLAINT_KINDS))
    severity = CharField(max_length=8, default="medium", choices=vocab.choices(vocab.SEVERITIES))
    subject = CharField(max_length=200)
    detail = TextField(default="")
    status = CharField(max_length=12, default="open", choices=vocab.choices(vocab.COMPLAINT_STATUSES), index=True)
    resolution = TextField(default="")
    resolved_on = DateField(null=True)
    discount_cents = MoneyField(default=0)
    discount_approved_by = ForeignKeyField(Rep, null=True, backref="+", on_delete="SET NULL")
