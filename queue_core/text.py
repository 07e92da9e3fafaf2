"""Strings from outside, made safe once where they come in and once more where they go out.

A name, reason or actor reaches staff terminals, the audit trail and (masked) every public
screen. Control characters in it would drive the terminal that shows it (an OSC sequence sets
the title or the clipboard); format characters (zero width, bidi overrides) hide or reorder
letters a mask must see. So every stored string from outside goes through `cleaned`: NFC, no
control or format character, whitespace collapsed, a length cap refused in a clear line. What
is shown from the database goes through `printable` as well, for rows written before.
"""

from __future__ import annotations

import unicodedata

from queue_core.errors import BadPhone, NoActor, NotText, TextTooLong

NAME_LIMIT = 64  # a patient's name, as issued or imported, and the HIS's id of it
REASON_LIMIT = 200  # why a patient was called out of turn, cancelled, moved; a desk's pause
ACTOR_LIMIT = 64  # who acted, for the audit trail: a login, a staff number, screen:NAME
_DROPPED = frozenset(("Cc", "Cf"))  # controls, and format characters: zero width, bidi
ESCAPED = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))  # shown as escapes: see `printable`


def _plain(text: str) -> bool:
    """Printable ASCII with single inner spaces: nothing to change (the usual case, and fast)."""
    return text.isascii() and text.isprintable() and "  " not in text and text == text.strip()


def cleaned(text: str, field: str, limit: int) -> str:
    """`text` in NFC without control or format characters, its whitespace runs made one space
    and trimmed. A lone surrogate (no character at all) raises `NotText`, and a result longer
    than `limit` characters `TextTooLong`: a name is refused, never cut, so nobody is called by
    half of it."""
    if not _plain(text):
        for ch in text:
            if unicodedata.category(ch) == "Cs":
                raise NotText(field, ch)
        kept = (
            " " if ch.isspace() else ch
            for ch in unicodedata.normalize("NFC", text)
            if ch.isspace() or unicodedata.category(ch) not in _DROPPED
        )
        text = " ".join("".join(kept).split())
    if len(text) > limit:
        raise TextTooLong(field, limit)
    return text


def clean_name(text: str) -> str:
    return cleaned(text, "name", NAME_LIMIT)


def clean_reason(text: str) -> str:
    """Empty once cleaned is empty: a command that needs a reason refuses that itself."""
    return cleaned(text, "reason", REASON_LIMIT)


def clean_optional_reason(text: str | None) -> str | None:
    return (clean_reason(text) or None) if text is not None else None


def clean_actor(text: str) -> str:
    """Who acts; never empty, or the audit trail would say nobody did it."""
    who = cleaned(text, "actor", ACTOR_LIMIT)
    if not who:
        raise NoActor()
    return who


def phone_last4(phone: str) -> str:
    """The last 4 digits of a phone number, the only part kept (for check-in lookup). Any
    script's decimal digits count, as ASCII; fewer than 4 raises `BadPhone`; none given is ""."""
    if not phone.strip():
        return ""
    digits = "".join(str(unicodedata.decimal(ch)) for ch in phone if ch.isdecimal())
    if len(digits) < 4:
        raise BadPhone(phone)
    return digits[-4:]


def unsafe_char(text: str) -> str | None:
    """The first character `printable` would escape, for text that is refused rather than
    cleaned (a clinic's own configuration names its keys' problems)."""
    if text.isprintable():
        return None
    return next((ch for ch in text if unicodedata.category(ch) in ESCAPED), None)


def printable(text: str) -> str:
    """`text` with every control, format or surrogate character and line break written as an
    escape (`\\x1b`, `\\u202e`), for a terminal: what it shows is what was stored, and the
    terminal is never driven by it."""
    if text.isprintable():
        return text
    return "".join(_escape(ch) if unicodedata.category(ch) in ESCAPED else ch for ch in text)


def _escape(ch: str) -> str:
    point = ord(ch)
    if point < 0x100:
        return f"\\x{point:02x}"
    return f"\\u{point:04x}" if point < 0x10000 else f"\\U{point:08x}"
