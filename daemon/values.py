"""The cell parsers, which live in `schema.values` so that the archive form reads typed text with
the same rules as dropped files; kept here under their old name for the daemon's modules."""
from __future__ import annotations

from schema.values import (MAX_CENTS, BadValue, canonical, parse_amount, parse_date, parse_decimal,  # noqa: F401
                           parse_int, parse_money, parse_price, parse_qty, parse_text, show)
