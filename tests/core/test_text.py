"""Strings from outside: what is stored of them, what is refused, and how they are shown."""

from __future__ import annotations

import pytest

from queue_core.errors import BadPhone, NoActor, NotText, TextTooLong
from queue_core.text import (
    NAME_LIMIT,
    clean_actor,
    clean_name,
    clean_reason,
    phone_last4,
    printable,
)

OSC_TITLE = "\x1b]2;pwned\x07"
OSC_CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x1b\\"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param("张三丰", "张三丰", id="a-plain-han-name-as-given"),
        pytest.param("  John   Smith ", "John Smith", id="whitespace-collapsed-and-trimmed"),
        pytest.param(f"张{OSC_TITLE}三", "张]2;pwned三", id="osc-title-loses-its-controls"),
        pytest.param(f"李{OSC_CLIPBOARD}四", "李]52;c;cm0gLXJmIH4=\\四", id="osc-52-clipboard"),
        pytest.param("王\x9b31m五", "王31m五", id="c1-control-csi"),
        pytest.param("张\u200b三", "张三", id="zero-width-space"),
        pytest.param("\u202e张三", "张三", id="bidi-override"),
        pytest.param("张\u2066三\u2069", "张三", id="bidi-isolates"),
        pytest.param("\ufeff张三", "张三", id="byte-order-mark"),
        pytest.param("张\t三\n丰\u3000", "张 三 丰", id="tabs-newlines-wide-spaces-are-spaces"),
        pytest.param("Jose\u0301", "José", id="nfc-composes-accents"),
        pytest.param("\x1b\x07\u200b", "", id="nothing-but-controls-is-empty"),
    ],
)
def test_a_name_is_stored_without_controls_or_format_characters(raw: str, stored: str) -> None:
    assert clean_name(raw) == stored


def test_a_name_over_the_limit_is_refused_never_cut() -> None:
    assert clean_name("张" * NAME_LIMIT) == "张" * NAME_LIMIT
    with pytest.raises(TextTooLong) as refused:
        clean_name("张" * (NAME_LIMIT + 1))
    assert refused.value.message == (
        f"The name is longer than {NAME_LIMIT} characters; nothing was changed."
    )
    assert (refused.value.code, refused.value.params["field"]) == ("text_too_long", "name")


def test_the_limit_counts_what_is_kept() -> None:
    assert clean_name("张" + "\u200b" * 500 + "三") == "张三"


def test_a_lone_surrogate_is_refused_as_no_character() -> None:
    with pytest.raises(NotText) as refused:
        clean_name("张\ud800三")
    assert refused.value.message == (
        "The name holds U+D800, which is not a character; nothing was changed."
    )


def test_a_reason_is_cleaned_and_capped_too() -> None:
    assert clean_reason("急诊\x1b[2J") == "急诊[2J"
    with pytest.raises(TextTooLong, match="reason is longer than 200"):
        clean_reason("x" * 201)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param("nurse-li", "nurse-li", id="a-login"),
        pytest.param("nurse\x1b[31mred", "nurse[31mred", id="escapes-dropped"),
        pytest.param("工号 1024", "工号 1024", id="a-staff-number-in-chinese"),
    ],
)
def test_an_actor_is_cleaned(raw: str, stored: str) -> None:
    assert clean_actor(raw) == stored


@pytest.mark.parametrize("raw", ["", "   ", "\x1b\x07"])
def test_an_actor_that_says_nobody_is_refused(raw: str) -> None:
    with pytest.raises(NoActor):
        clean_actor(raw)


@pytest.mark.parametrize(
    ("raw", "last4"),
    [
        pytest.param("138-0013-8000", "8000", id="dashes"),
        pytest.param("+86 138 0013 8000", "8000", id="country-code-and-spaces"),
        pytest.param("１３８００１３８０００", "8000", id="full-width-digits-as-ascii"),
        pytest.param("", "", id="none-given"),
    ],
)
def test_a_phone_keeps_its_last_four_digits(raw: str, last4: str) -> None:
    assert phone_last4(raw) == last4


@pytest.mark.parametrize("raw", ["abc", "12", "²³⁴⁵"])
def test_a_phone_with_fewer_than_four_digits_is_refused(raw: str) -> None:
    with pytest.raises(BadPhone, match="fewer than 4 digits"):
        phone_last4(raw)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        pytest.param("张三丰", "张三丰", id="plain-text-unchanged"),
        pytest.param(f"by{OSC_TITLE}", "by\\x1b]2;pwned\\x07", id="c0-controls-escaped"),
        pytest.param("\x9b31m", "\\x9b31m", id="c1-controls-escaped"),
        pytest.param("a\u202eb", "a\\u202eb", id="format-characters-escaped"),
        pytest.param("a\ud800", "a\\ud800", id="a-lone-surrogate-escaped"),
        pytest.param("\U000e0041", "\\U000e0041", id="a-tag-character-escaped"),
        pytest.param("a\nb", "a\\x0ab", id="a-line-break-escaped"),
        pytest.param("张\u3000三", "张\u3000三", id="wide-space-is-no-control"),
    ],
)
def test_printable_shows_what_was_stored_without_driving_the_terminal(
    stored: str, shown: str
) -> None:
    assert printable(stored) == shown
