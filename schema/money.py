"""Money: integer cents (分) inside, `Decimal` at the edges, never float."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_cents(value: Decimal | int | str) -> int:
    """Exact conversion of an amount in yuan to integer cents; more than two decimals is an error."""
    amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{value} has more than two decimals")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    """Integer cents back to a two-decimal `Decimal` in yuan."""
    return (Decimal(cents) / 100).quantize(CENT)


def format_money(cents: int, *, grouping: bool = False) -> str:
    """'1234.50' (or '1,234.50' with grouping): the text form of money in exports and screens."""
    whole, part = divmod(abs(cents), 100)  # integers all the way: exact, and fast for a million rows
    return f"{'-' if cents < 0 else ''}{whole:,d}.{part:02d}" if grouping else f"{'-' if cents < 0 else ''}{whole}.{part:02d}"


def parse_money(text: str) -> int:
    """A user-typed amount ('1,234.5', '¥ 1234', '-50') to cents; raises ValueError with a reason."""
    cleaned = text.strip().replace(",", "").replace("¥", "").replace("￥", "").replace(" ", "")
    try:
        return to_cents(Decimal(cleaned))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None


def percent_of(cents: int, basis_points: int) -> int:
    """`basis_points`/10000 of an amount, rounded half up to the cent (rebates, shares)."""
    return int((Decimal(cents) * basis_points / 10000).quantize(Decimal(1), ROUND_HALF_UP))
