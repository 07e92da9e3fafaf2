"""The words of a call and the clips that say it, as tables."""

from __future__ import annotations

import pytest

from queue_core.config import ConfigError, parse_config
from queue_core.voice_text import (
    TEMPLATES,
    clip_set,
    clips_of,
    parse_voice,
    said_name,
    said_text,
    spell,
    text_of,
)


@pytest.mark.parametrize(
    ("value", "lang", "spelled"),
    [
        ("A012", "zh", "A 零 一 二"),
        ("A012", "en", "A zero one two"),
        ("B7", "zh", "B 七"),
        ("K-3", "en", "K - three"),
    ],
)
def test_a_number_is_spelled_a_character_at_a_time(value: str, lang: str, spelled: str) -> None:
    assert spell(value, lang) == spelled


@pytest.mark.parametrize(
    ("lang", "shown", "said"),
    [
        ("zh", "请 A012 号 到 3 诊室就诊", "请 A 零 一 二 号 到 3 诊室就诊"),
        ("en", "Number A012, please go to room 3", "Number A zero one two, please go to room 3"),
    ],
)
def test_the_default_templates_shown_and_said(lang: str, shown: str, said: str) -> None:
    assert text_of(TEMPLATES[lang], "A012", "3") == shown
    assert said_text(TEMPLATES[lang], lang, "A012", "3") == said


@pytest.mark.parametrize(
    ("room", "rooms", "names"),
    [
        ("3", frozenset(), ["请", "A", "0", "1", "2", "号-到", "3", "诊室就诊"]),
        ("12", frozenset(), ["请", "A", "0", "1", "2", "号-到", "1", "2", "诊室就诊"]),
        ("12", frozenset({"room-12"}), ["请", "A", "0", "1", "2", "号-到", "room-12", "诊室就诊"]),
    ],
)
def test_clips_follow_the_template_in_order(
    room: str, rooms: frozenset[str], names: list[str]
) -> None:
    assert [c.name for c in clips_of(TEMPLATES["zh"], "zh", "A012", room, rooms)] == names


def test_english_clips_are_phrases_and_spelled_words() -> None:
    clips = clips_of(TEMPLATES["en"], "en", "b9", "5", frozenset())
    assert [(c.name, c.text) for c in clips] == [
        ("number", "Number"),
        ("B", "B"),
        ("9", "nine"),
        ("please-go-to-room", "please go to room"),
        ("5", "five"),
    ]


def test_the_clip_set_is_digits_letters_phrases_then_unspellable_rooms() -> None:
    names = [c.name for c in clip_set(TEMPLATES["zh"], ["3", "B2", "内科一"], "zh")]
    assert names[:10] == list("0123456789")
    assert names[10:36] == [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    assert names[36:] == ["请", "号-到", "诊室就诊", "room-内科一"]


@pytest.mark.parametrize(
    ("masked", "said"), [("张*", "张"), ("欧阳**", "欧阳"), ("*", ""), (None, "")]
)
def test_a_said_name_never_has_a_mask_character(masked: str | None, said: str) -> None:
    assert said_name(masked) == said


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ({"engine": "festival"}, "voice.engine: must be one of auto, espeak-ng, clips, none"),
        ({"engine": "clips"}, 'voice.clips: the voice folder is required with engine = "clips"'),
        ({"speed": 20}, "voice.speed: must be between 50 and 200 (per cent)"),
        ({"volume": True}, "voice.volume: expected int"),
        ({"languages": ["fr"]}, "voice.languages: a list of distinct values from zh, en"),
        ({"templates": {"zh": "请到 {room}"}}, "voice.templates.zh: must contain {number}"),
        ({"templates": {"zh": "{number} {date}"}}, "voice.templates.zh: unknown field {date}"),
        (
            {"templates": {"zh": "{name} {number}"}},
            "voice.templates.zh: {name} is said only with voice.say_names = true"
            " (docs/configuration.md)",
        ),
        ({"pitch": 3}, "voice.pitch: unknown key"),
    ],
)
def test_every_bad_voice_key_is_one_clear_problem(table: dict[str, object], problem: str) -> None:
    assert parse_voice(table)[1] == [problem]


def test_a_clinic_file_with_a_bad_voice_table_names_the_key() -> None:
    text = '[clinic]\nname = "x"\n[voice]\nspeed = 500\n'
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "c.toml")
    assert "c.toml: voice.speed: must be between 50 and 200 (per cent)" in str(caught.value)


def test_names_are_said_only_where_the_clinic_chose_it() -> None:
    voice, problems = parse_voice({"say_names": True, "templates": {"zh": "请 {name} {number} 号"}})
    assert problems == []
    assert voice.template("zh") == "请 {name} {number} 号"
    assert voice.template("en") == TEMPLATES["en"]
