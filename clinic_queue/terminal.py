"""What the CLI prints of stored or typed text, made safe for the terminal that shows it.

Names, reasons and actors are cleaned where they come in (queue_core/text.py), but a database
may hold rows from before, and a refusal may quote what was typed: so every line is escaped on
its way out as well, and an administrator's terminal is never driven by what it prints.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from queue_core.text import ESCAPED, printable

_SURROGATES = range(0xD800, 0xE000)
_UNDECODED = range(0xDC80, 0xDD00)  # how Python keeps the bytes of an argument not in UTF-8


def shown(text: str) -> str:
    """`text` line by line through `printable`: its line breaks stay, nothing else unsafe."""
    return "\n".join(printable(line) for line in text.split("\n"))


def _json_escape(ch: str) -> str:
    if unicodedata.category(ch) not in ESCAPED:
        return ch
    point = ord(ch)
    if point < 0x10000:
        return f"\\u{point:04x}"
    point -= 0x10000
    return f"\\u{0xD800 + (point >> 10):04x}\\u{0xDC00 + (point & 0x3FF):04x}"


def json_line(value: Any) -> str:
    """One JSON document on one line, Chinese as it is; controls, format characters and lone
    surrogates as `\\u` escapes (JSON itself escapes only C0), so any JSON reader gets the
    stored text back and the terminal gets none of it raw."""
    text = json.dumps(value, ensure_ascii=False)
    if text.isprintable():
        return text
    return "".join(_json_escape(ch) for ch in text)


def undecodable(argument: str) -> bool:
    return any(ord(ch) in _SURROGATES for ch in argument)


def as_typed(argument: str) -> str:
    """An argument that is not UTF-8, with the bytes it could not decode shown as `\\xff`."""
    return "".join(
        f"\\x{ord(ch) - 0xDC00:02x}" if ord(ch) in _UNDECODED else printable(ch) for ch in argument
    )
