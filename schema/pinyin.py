"""Pinyin keys of Chinese names, so that a rep can find 中国石化 by typing `zgsh` or `zhongguo`."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=65536)
def pinyin_keys(name: str) -> tuple[str, str]:
    """(full pinyin without spaces, initials), lower case; Latin letters and digits pass through."""
    from pypinyin import lazy_pinyin  # a third of a second to load: only when a name is written

    syllables = [s.lower() for s in lazy_pinyin(name, errors=lambda text: list(text)) if s.strip()]
    full = "".join(s for s in syllables if s.isalnum())
    initials = "".join(s[0] for s in syllables if s[:1].isalnum())
    return full, initials
