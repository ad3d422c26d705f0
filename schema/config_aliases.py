"""Header aliases of the files the daemon ingests (DESIGN §4): for each kind of file, each field
and the column titles an ERP or a bank may give it. A site's config.toml adds names to a field;
the built-ins below always stay."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Mapping, Sequence

KINDS = ("orders", "payments", "customers")

# The fields a file of that kind must carry; the daemon also tells the kind of a file by them.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "orders": ("order_no", "customer_code", "order_date", "amount"),
    "payments": ("payment_ref", "customer_code", "paid_on", "amount"),
    "customers": ("code",),
}

Aliases = dict[str, tuple[str, ...]]  # field -> header names (the field name itself is implied)

BUILTIN_ALIASES: dict[str, Aliases] = {
    "orders": {
        "order_no": ("订单号", "单号", "单据编号", "order number"),
        "customer_code": ("客户编码", "客户代码", "customer id"),
        "order_date": ("订单日期", "日期", "date"),
        "amount": ("金额", "订单金额", "价税合计", "total"),
        "due_date": ("到期日", "due"),
        "cost": ("成本",),
        "sku": ("物料编码", "item code"),
        "product": ("产品", "product name"),
        "qty": ("数量", "quantity"),
        "unit_price": ("单价", "price"),
        "currency": ("币种",),
    },
    "payments": {
        "payment_ref": ("流水号", "回款单号", "交易流水号", "reference", "payment reference"),
        "order_no": ("订单号", "order number"),
        "customer_code": ("客户编码", "客户代码", "customer id"),
        "paid_on": ("回款日期", "到账日期", "日期", "交易日期", "payment date", "date"),
        "amount": ("金额", "回款金额"),
        "method": ("方式", "结算方式", "payment method"),
        "currency": ("币种",),
    },
    "customers": {
        "code": ("客户编码", "客户代码", "customer code", "customer_code"),
        "name": ("客户名称", "customer name"),
        "owner": ("客户经理", "rep"),
        "short_name": ("简称",),
        "address": ("地址",),
        "phone": ("电话",),
        "region": ("区域",),
        "industry": ("行业", "业种"),
        "credit_limit": ("信用额度",),
        "credit_days": ("账期", "账期（天）"),
        "grade": ("等级",),
        "channel": ("渠道",),
        "website": ("网址", "网站"),
        "legal_rep": ("法人", "法定代表人"),
        "proprietor": ("所有者",),
        "general_manager": ("经营管理者", "总经理"),
        "founded": ("创业时间", "成立日期"),
        "org_form": ("组织形式",),
        "registered_capital": ("注册资本",),
        "employees": ("员工人数",),
        "annual_revenue": ("年营业额",),
        "credit_rating": ("信用等级",),
        "settlement_method": ("结算方式",),
        "lifecycle": ("客户状态", "生命周期"),
        "nature": ("客户性质",),
        "route": ("路序",),
        "purchase_potential": ("采购潜力", "采购潜力/年"),
        "notes": ("备注",),
        # the rest of the archive (DESIGN §3): characteristics, business and trading status, scores
        "service_area": ("服务区域",),
        "sales_capacity": ("销售能力",),
        "growth_potential": ("发展潜力",),
        "philosophy": ("经营理念与方针", "经营理念"),
        "management_style": ("经营风格", "管理风格"),
        "competitor_relation": ("与竞争者关系", "与竞争对手关系"),
        "attitude_to_us": ("对我方态度", "对我公司态度"),
        "staff_quality": ("员工素质",),
        "trade_terms": ("交易条件",),
        "reputation": ("信誉",),
        "credit_incidents": ("信用事故",),
        "score_strength": ("实力", "实力 1-5"),
        "score_management": ("管理", "管理 1-5"),
        "score_network": ("网络", "网络 1-5"),
        "score_purchasing_power": ("购买力", "购买力 1-5"),
        "score_marketing": ("营销", "营销 1-5"),
        "score_growth": ("成长", "成长 1-5"),
        "score_advantage": ("优势", "优势 1-5"),
        "intent": ("意向度", "意向度 1-5"),
    },
}


class AliasClash(ValueError):
    """A header name given to one field that already stands for another field of the same kind."""

    def __init__(self, alias: str, owner: str):
        super().__init__(f'"{alias}" already names the field {owner}')
        self.alias, self.owner = alias, owner


def normalize_header(text: str) -> str:
    """The form a column title is compared in: full-width folded (NFKC), case-folded, trimmed,
    inner whitespace collapsed, a stray byte-order mark dropped."""
    text = unicodedata.normalize("NFKC", text.replace("\ufeff", ""))
    return " ".join(text.casefold().split())


def _english_forms(name: str) -> tuple[str, ...]:
    """order_no -> order_no, order no, order-no, orderno."""
    return (name, name.replace("_", " "), name.replace("_", "-"), name.replace("_", ""))


@dataclass(frozen=True)
class AliasConfig:
    """Per kind of file, field -> header aliases (built-ins plus the site's). Read-only."""

    orders: Aliases = field(default_factory=lambda: dict(BUILTIN_ALIASES["orders"]))
    payments: Aliases = field(default_factory=lambda: dict(BUILTIN_ALIASES["payments"]))
    customers: Aliases = field(default_factory=lambda: dict(BUILTIN_ALIASES["customers"]))

    def fields(self, kind: str) -> Aliases:
        """Field -> aliases of one kind of file ("orders", "payments" or "customers")."""
        if kind not in KINDS:
            raise KeyError(kind)
        return getattr(self, kind)

    def lookup(self, kind: str) -> dict[str, str]:
        """`normalize_header(title)` -> field name, for every name a column of `kind` may have:
        the field itself, its spaced and hyphenated forms, and every alias."""
        table: dict[str, str] = {}
        for name, aliases in self.fields(kind).items():
            for title in (*_english_forms(name), *aliases):
                table.setdefault(normalize_header(title), name)
        return table

    def field_for(self, kind: str, header: str) -> str | None:
        """The field a column title stands for in a file of `kind`, or None."""
        return self.lookup(kind).get(normalize_header(header))

    def with_aliases(self, kind: str, extra: Mapping[str, Sequence[str]]) -> AliasConfig:
        """A copy with `extra` aliases added to the fields of `kind`. Raises KeyError for an
        unknown field and AliasClash for a name that already stands for another field."""
        current = self.fields(kind)
        merged = dict(current)
        taken = self.lookup(kind)
        for name, aliases in extra.items():
            if name not in current:
                raise KeyError(name)
            added = list(merged[name])
            for alias in aliases:
                key = normalize_header(alias)
                owner = taken.get(key)
                if owner is not None and owner != name:
                    raise AliasClash(alias, owner)
                taken[key] = name
                if owner is None and alias not in added:
                    added.append(alias)
            merged[name] = tuple(added)
        return _replace(self, kind, merged)


def _replace(config: AliasConfig, kind: str, table: Aliases) -> AliasConfig:
    parts = {name: getattr(config, name) for name in KINDS}
    parts[kind] = table
    return AliasConfig(**parts)
