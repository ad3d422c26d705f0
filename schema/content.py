"""The content hash of a line of a dropped file (DESIGN §4, exactly once): what tells a line sent
again, which is skipped, from another line with the same key, which is a clash.

The hash is the first 32 hex digits of sha256 over "name:length:text" of every value the line
gave (sorted, so the order of the columns does not matter; length-prefixed, so no value can fake
a boundary; a date as its ordinal, money in cents), then the kind. An empty optional cell and a
missing column give no part: they hash alike. The hashes are stored: changing this form makes
every line sent again look like a clash.

An order line that gave only its number, customer, date and amount (a plain line: nearly every
line of a big file) is stored without its hash, as "": the order's own columns hold all it said,
and `plain_order_hash` makes the hash from them when a line with the same number comes (rarely).
Anything that changes those columns of such an order (a merge moves it to another customer)
first stores its hash (`plain_order_hash`)."""
from __future__ import annotations

import hashlib
from datetime import date

HASH_DIGITS = 32  # 128 bits: a million lines a file stay far from a collision, at half the bytes


def content_hash(kind: str, parts: list[str]) -> str:
    """The hash of a line of `kind` whose values gave `parts` ("name:length:text", any order)."""
    parts.sort()
    parts.append(kind)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:HASH_DIGITS]


def plain_order_hash(order_no: str, customer_code: str, order_date: date, amount_cents: int) -> str:
    """The hash of an order line that gave these four values and no other: what reading such a
    line in full gives (daemon.records), made from what the order table holds of it."""
    amount, day = str(amount_cents), str(order_date.toordinal())
    return content_hash("orders", [f"amount:{len(amount)}:{amount}",
                                   f"customer_code:{len(customer_code)}:{customer_code}",
                                   f"order_date:{len(day)}:{day}", f"order_no:{len(order_no)}:{order_no}"])


__all__ = ["HASH_DIGITS", "content_hash", "plain_order_hash"]
