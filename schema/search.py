"""Finding customers as a rep types: code, name, short name, pinyin initials and full pinyin
(`zgsh` finds 中国石化), contact names and mobile numbers — always through the access rule."""
from __future__ import annotations

from dataclasses import dataclass

from peewee import fn

from schema import access
from schema.models import Contact, Customer, Rep


@dataclass(frozen=True)
class CustomerRow:
    id: int
    code: str
    name: str
    grade: str
    region: str
    owner: str
    balance_cents: int
    credit_limit_cents: int



def search_customers(rep: Rep, text: str = "", *, limit: int = 200, offset: int = 0,
                     order: str = "code") -> list[CustomerRow]:
    """One page of the customers `rep` may see that match `text` (all when empty)."""
    query = (access.visible_customers(rep).join(Rep, on=(Customer.owner == Rep.id))
             .select(Customer.id, Customer.code, Customer.name, Customer.grade, Customer.region, Rep.login,
                     Customer.balance_cents, Customer.credit_limit_cents))
    text = text.strip()
    if text:
        folded = text.lower()
        contacts = Contact.select(Contact.customer).where(
            (Contact.name.startswith(text) | Contact.mobile.startswith(text)) & Contact.deleted_at.is_null())
        query = query.where(Customer.code.startswith(text) | Customer.name.contains(text)
                            | Customer.short_name.startswith(text)
                            | Customer.name_initials.startswith(folded) | Customer.name_pinyin.startswith(folded)
                            | Customer.id.in_(contacts))
    ordering = {"code": Customer.code, "name": Customer.name_pinyin, "balance": Customer.balance_cents.desc(),
                "grade": Customer.grade}[order]
    query = query.order_by(ordering, Customer.id).limit(limit).offset(offset)
    return [CustomerRow(*row) for row in query.tuples()]


def count_customers(rep: Rep) -> int:
    return access.visible_customers(rep).select(fn.COUNT(Customer.id)).scalar()
