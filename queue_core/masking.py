"""One masking rule for every public surface (screens, feeds, CLI status): PIPL-style names.

The mask is made of letters only, read after NFC: spaces, digits, punctuation, control and
format characters (zero width, bidi overrides) are not letters, so none of them can hide a
letter from the mask or pass through it to a screen. It has a fixed length, one star, so it
does not tell how long the name is either: a Han name shows its first and last letter
(张*丰, 欧*娜; 李* and * for shorter ones), other names the initials of their first and last
word (J* S*, M*). It does not rely on names having been cleaned at input (queue_core/text.py):
a row stored before then gets the same mask.
"""

from __future__ import annotations

import unicodedata

STAR = "*"


def _is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _initial(word: str) -> str:
    upper = word[0].upper()
    return (upper if len(upper) == 1 else word[0]) + STAR  # ß stays one letter


def mask_name(name: str | None) -> str:
    """张三丰 -> 张*丰, 李四 -> 李*, 欧阳娜娜 -> 欧*娜, 王 -> *, John Smith -> J* S*,
    Jean-Luc Picard -> J* P*, Madonna -> M*; a name with no letter at all -> *."""
    if not name:
        return ""
    text = unicodedata.normalize("NFC", name)
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return STAR
    if any(_is_cjk(ch) for ch in letters):
        if len(letters) == 1:
            return STAR
        return letters[0] + STAR + (letters[-1] if len(letters) > 2 else "")
    words = "".join(ch if ch.isalpha() else " " for ch in text).split()
    return " ".join(_initial(w) for w in (words if len(words) == 1 else [words[0], words[-1]]))
