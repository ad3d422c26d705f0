"""The customer archive (客户档案): the customer's four-part file, its contacts and evaluations."""
from __future__ import annotations

from peewee import BooleanField, CharField, DateField, ForeignKeyField, IntegerField, SmallIntegerField, TextField

from schema import vocab
from schema.models.base import MoneyField, TrackedModel
from schema.models.people import Rep
from schema.pinyin import pinyin_keys


class Customer(TrackedModel):
    """A company (or person) we sell to. `code` is the key in ERP files; `owner` is one Rep."""

    # basic (基础资料)
    code = CharField(max_length=32, unique=True)
    name = CharField(max_length=200, index=True)
    name_pinyin = CharField(max_length=600, default="", index=True)  # search keys (migration 2)
    name_initials = CharField(max_length=200, default="", index=True)
    short_name = CharField(max_length=64, default="", index=True)  # prefix search (migration 4)
    address = CharField(max_length=300, default="")
    phone = CharField(max_length=40, default="")
    website = CharField(max_length=200, default="")
    legal_rep = CharField(max_length=64, default="")  # 法人
    proprietor = CharField(max_length=64, default="")  # 所有者
    general_manager = CharField(max_length=64, default="")  # 经营管理者
    founded = DateField(null=True)  # 创业时间
    org_form = CharField(max_length=16, default="", choices=vocab.choices(vocab.ORG_FORMS))
    industry = CharField(max_length=64, default="", index=True)  # 业种
    registered_capital_cents = MoneyField(null=True)
    employees = IntegerField(null=True)
    annual_revenue_cents = MoneyField(null=True)
    first_deal_date = DateField(null=True)  # derived: the first order's date
    # characteristics (客户特征)
    service_area = TextField(default="")
    sales_capacity = TextField(default="")
    growth_potential = TextField(default="")
    philosophy = TextField(default="")  # business philosophy and policy notes
    management_style = TextField(default="")
    # business status (业务状况)
    competitor_relation = TextField(default="")
    attitude_to_us = TextField(default="")
    staff_quality = TextField(default="")
    # trading status (交易现状)
    credit_rating = CharField(max_length=8, default="")
    credit_limit_cents = MoneyField(default=0)  # 0: no limit set
    credit_days = IntegerField(default=30)  # 账期
    settlement_method = CharField(max_length=16, default="", choices=vocab.choices(vocab.SETTLEMENT_METHODS))
    trade_terms = TextField(default="")
    reputation = TextField(default="")
    credit_incidents = TextField(default="")
    # classification
    lifecycle = CharField(max_length=12, default="prospect", choices=vocab.choices(vocab.LIFECYCLES), index=True)
    nature = CharField(max_length=12, default="company", choices=vocab.choices(vocab.NATURES))
    channel = CharField(max_length=16, default="", choices=vocab.choices(vocab.CHANNELS))
    region = CharField(max_length=64, default="", index=True)
    route = IntegerField(null=True)  # 路序: position on a visiting route
    grade = CharField(max_length=1, default="C", choices=vocab.choices(vocab.GRADES), index=True)
    purchase_potential_cents = MoneyField(null=True)  # 采购潜力 per year, entered by the rep
    abc_class = CharField(max_length=1, default="")  # computed (section 5)
    segment = CharField(max_length=4, default="", choices=vocab.choices(vocab.SEGMENTS))  # computed
    strategy = CharField(max_length=8, default="", choices=vocab.choices(vocab.STRATEGIES))  # computed
    # prospect assessment, each 1-5 (预期贡献 factors and 意向度)
    score_strength = SmallIntegerField(null=True)
    score_management = SmallIntegerField(null=True)
    score_network = SmallIntegerField(null=True)
    score_purchasing_power = SmallIntegerField(null=True)
    score_marketing = SmallIntegerField(null=True)
    score_growth = SmallIntegerField(null=True)
    score_advantage = SmallIntegerField(null=True)
    intent = SmallIntegerField(null=True)
    # ownership and the cached ledger figure (kept in the posting's transaction)
    owner = ForeignKeyField(Rep, backref="customers", on_delete="RESTRICT")
    balance_cents = MoneyField(default=0)  # 应收余额 = sum of ledger entries
    notes = TextField(default="")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.name_pinyin, self.name_initials = pinyin_keys(self.name or "")
        return super().save(*args, **kwargs)


class Contact(TrackedModel):
    """A person at the customer, with a role in the buying centre and a relationship stage."""

    customer = ForeignKeyField(Customer, backref="contacts", on_delete="CASCADE")
    name = CharField(max_length=64, index=True)
    title = CharField(max_length=64, default="")
    department = CharField(max_length=64, default="")
    buying_role = CharField(max_length=16, default="user", choices=vocab.choices(vocab.BUYING_ROLES))
    stage = CharField(max_length=12, default="acquainted", choices=vocab.choices(vocab.RELATIONSHIP_STAGES))
    phone = CharField(max_length=40, default="")
    mobile = CharField(max_length=40, default="", index=True)
    email = CharField(max_length=120, default="")
    wechat = CharField(max_length=64, default="")
    # a lunar birthday (农历) falls on another solar date every year, so month/day are kept as given
    birthday_calendar = CharField(max_length=5, default="solar", choices=vocab.choices(vocab.CALENDARS))
    birthday_month = SmallIntegerField(null=True)
    birthday_day = SmallIntegerField(null=True)
    birth_year = SmallIntegerField(null=True)
    hobbies = TextField(default="")
    family_notes = TextField(default="")
    personality_notes = TextField(default="")
    is_primary = BooleanField(default=False)


class Evaluation(TrackedModel):
    """Customer evaluation (客户考核) for one period: ability, attitude and results, one band."""

    customer = ForeignKeyField(Customer, backref="evaluations", on_delete="CASCADE")
    period = CharField(max_length=16)  # e.g. 2026, 2026Q3, 2026-07
    ability_score = SmallIntegerField()  # 0-100
    attitude_score = SmallIntegerField()
    results_score = SmallIntegerField()
    score = SmallIntegerField()  # weighted
    band = CharField(max_length=12, choices=vocab.choices(vocab.EVALUATION_BANDS))
    notes = TextField(default="")
    evaluated_by = ForeignKeyField(Rep, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        indexes = ((("customer", "period"), True),)
