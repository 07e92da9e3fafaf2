"""One masking rule for every public surface (screens, feeds, CLI status): PIPL-style names."""

from __future__ import annotations

import unicodedata


def _is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F") and ch.isalpha()


def mask_name(name: str | None) -> str:
    """张三丰 -> 张*丰, 李四 -> 李*, 欧阳娜娜 -> 欧**娜, John Smith -> J* S*, Madonna -> M*.

    Latin names keep only initials with a single star each, so the mask does not leak the
    length of a name either.
    """
    if not name:
        return ""
    cleaned = " ".join(name.split())
    if any(_is_cjk(ch) for ch in cleaned):
        chars = [ch for ch in cleaned if not ch.isspace() and ch not in "·•."]
        if len(chars) == 1:
            return "*"
        if len(chars) == 2:
            return chars[0] + "*"
        return chars[0] + "*" * (len(chars) - 2) + chars[-1]
    words = [w for w in cleaned.replace("-", " ").split(" ") if w]
    return " ".join(w[0].upper() + "*" for w in words)
