"""What a call says, per language, and the clips a recorded voice says it with: pure.

A template holds `{number}` and `{room}` (and `{name}` only where a clinic chose to say names:
`[voice] say_names`). The ticket number is spelled a character at a time, so every engine says
"A 零 一 二" and never "A twelve"; a voice folder (docs/voice.md) holds one clip per digit,
letter, phrase of the templates and room name, assembled in the order the template gives.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ENGINES = ("auto", "espeak-ng", "clips", "none")
LANGUAGES = ("zh", "en")
TEMPLATES = {
    "zh": "请 {number} 号 到 {room} 诊室就诊",
    "en": "Number {number}, please go to room {room}",
}
FIELDS = {"number", "room", "name"}
DIGITS_ZH = dict(zip("0123456789", "零一二三四五六七八九", strict=True))
_WORDS_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
DIGITS_EN = dict(zip("0123456789", _WORDS_EN, strict=True))
# What a number or a room may be spelled with, clip by clip: 0-9 and A-Z.
SPELLABLE = set(string.digits + string.ascii_uppercase)
_FIELD = re.compile(r"\{(\w*)\}")
_NOT_WORD = re.compile(r"[^\w]+")
KEYS = {"engine", "clips", "languages", "templates", "speed", "volume", "say_names"}


@dataclass(frozen=True)
class VoiceConfig:
    """The `[voice]` table (docs/configuration.md)."""

    engine: str = "auto"
    clips: str = ""  # a voice folder; relative: from the database's directory
    languages: tuple[str, ...] = LANGUAGES
    templates: tuple[tuple[str, str], ...] = tuple(TEMPLATES.items())
    speed: int = 100  # per cent of the engine's normal rate
    volume: int = 100  # per cent
    say_names: bool = False

    def template(self, lang: str) -> str:
        return dict(self.templates).get(lang, TEMPLATES[lang])


@dataclass(frozen=True)
class Clip:
    """One recorded piece: `name` is its file's stem, `text` what it says."""

    name: str
    text: str


def parse_voice(table: Any) -> tuple[VoiceConfig, list[str]]:
    """The `[voice]` table and its problems, each naming its key."""
    if table is None:
        return VoiceConfig(), []
    if not isinstance(table, dict):
        return VoiceConfig(), ["voice: expected a table ([voice])"]
    problems = [f"voice.{k}: unknown key" for k in sorted(set(table) - KEYS)]

    def take(key: str, kind: type, default: Any) -> Any:
        value = table.get(key, default)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            problems.append(f"voice.{key}: expected {kind.__name__}")
            return default
        return value

    engine = take("engine", str, "auto")
    if engine not in ENGINES:
        problems.append(f"voice.engine: must be one of {', '.join(ENGINES)}")
    clips = take("clips", str, "")
    if engine == "clips" and not clips.strip():
        problems.append('voice.clips: the voice folder is required with engine = "clips"')
    langs = take("languages", list, list(LANGUAGES))
    if not langs or any(x not in LANGUAGES for x in langs) or len(set(langs)) != len(langs):
        problems.append(f"voice.languages: a list of distinct values from {', '.join(LANGUAGES)}")
        langs = list(LANGUAGES)
    speed = take("speed", int, 100)
    if not 50 <= speed <= 200:
        problems.append("voice.speed: must be between 50 and 200 (per cent)")
    volume = take("volume", int, 100)
    if not 10 <= volume <= 200:
        problems.append("voice.volume: must be between 10 and 200 (per cent)")
    say_names = take("say_names", bool, False)
    templates = dict(TEMPLATES)
    given = take("templates", dict, {})
    for lang, text in given.items():
        if lang not in LANGUAGES:
            problems.append(f"voice.templates.{lang}: unknown language")
        elif not isinstance(text, str) or not text.strip():
            problems.append(f"voice.templates.{lang}: expected a non-empty string")
        else:
            problems += [f"voice.templates.{lang}: {p}" for p in template_problems(text, say_names)]
            templates[lang] = text
    config = VoiceConfig(
        engine, clips, tuple(langs), tuple(templates.items()), speed, volume, say_names
    )
    return config, problems


def template_problems(template: str, say_names: bool) -> list[str]:
    names = _FIELD.findall(template)
    problems = [f"unknown field {{{n}}}" for n in names if n not in FIELDS]
    if "number" not in names:
        problems.append("must contain {number}")
    if "name" in names and not say_names:
        problems.append("{name} is said only with voice.say_names = true (docs/configuration.md)")
    return problems


def said_name(masked: str | None) -> str:
    """The name as a call may say it: the masked name without its mask characters (the family
    name), never a star read out as "星号"."""
    return "".join(c for c in masked or "" if c.isalpha())


def spell(value: str, lang: str) -> str:
    """A number as an engine should say it: one character at a time, digits as words."""
    digits = DIGITS_ZH if lang == "zh" else DIGITS_EN
    return " ".join(digits.get(c, c) for c in value if not c.isspace())


def text_of(template: str, number: str, room: str, name: str = "") -> str:
    """The call as shown and written (the `text` of a `call` message)."""
    return _fill(template, {"number": number, "room": room, "name": name})


def said_text(template: str, lang: str, number: str, room: str, name: str = "") -> str:
    """The call as an engine is given it: the number spelled out."""
    return " ".join(
        _fill(template, {"number": spell(number, lang), "room": room, "name": name}).split()
    )


def _fill(template: str, values: Mapping[str, str]) -> str:
    return _FIELD.sub(lambda m: values.get(m.group(1), ""), template)


def phrase_name(text: str) -> str:
    """A phrase's clip name: its words joined by `-`, lower case (`please-go-to-room`)."""
    return _NOT_WORD.sub("-", text).strip("-").lower()


def clips_of(template: str, lang: str, number: str, room: str, rooms: frozenset[str]) -> list[Clip]:
    """The clips that say one call, in order: phrases of the template as written, the number a
    character at a time, the room as its own clip when the folder has one (`room-<room>`),
    otherwise spelled. `{name}` has no clips: a recorded voice cannot say every name."""
    out: list[Clip] = []
    pos = 0
    for m in _FIELD.finditer(template):
        out += _phrases(template[pos : m.start()])
        pos = m.end()
        if m.group(1) == "number":
            out += _spelled(number, lang)
        elif m.group(1) == "room":
            key = room_name(room)
            out += [Clip(key, room)] if key in rooms else _spelled(room, lang)
    out += _phrases(template[pos:])
    return out


def room_name(room: str) -> str:
    return "room-" + phrase_name(room)


def _phrases(text: str) -> list[Clip]:
    name = phrase_name(text)
    return [Clip(name, text.strip(" ,.，。"))] if name else []


def _spelled(value: str, lang: str) -> list[Clip]:
    digits = DIGITS_ZH if lang == "zh" else DIGITS_EN
    return [Clip(c, digits.get(c, c)) for c in value.upper() if not c.isspace()]


def clip_set(template: str, rooms: list[str], lang: str) -> list[Clip]:
    """Every clip a folder needs for one language: digits 0-9, letters A-Z, the phrases of its
    template, then each room name that is not spelled from digits and letters."""
    out = _spelled("0123456789" + string.ascii_uppercase, lang)
    for piece in _FIELD.split(template)[::2]:
        out += _phrases(piece)
    out += [Clip(room_name(r), r) for r in rooms if not set(r.upper()) <= SPELLABLE]
    return list({c.name: c for c in out}.values())
