"""Public surfaces show only masked names: the one masking rule, case by case."""

from __future__ import annotations

import pytest

from queue_core.masking import mask_name


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        pytest.param("张三丰", "张*丰", id="three-han-characters-keep-first-and-last"),
        pytest.param("李四", "李*", id="two-han-characters-keep-the-surname"),
        pytest.param("欧阳娜娜", "欧*娜", id="compound-surname-one-star-for-the-middle"),
        pytest.param("王", "*", id="single-character-fully-masked"),
        pytest.param(" 张 三 丰 ", "张*丰", id="spaces-inside-a-han-name-ignored"),
        pytest.param("阿依古丽·买买提", "阿*提", id="dot-separated-name-keeps-first-and-last"),
        pytest.param("John Smith", "J* S*", id="latin-name-keeps-initials"),
        pytest.param("madonna", "M*", id="single-latin-word-capitalised-initial"),
        pytest.param("Jean-Luc  Picard", "J* P*", id="latin-first-and-last-word-only"),
        pytest.param("John Ronald Reuel Tolkien", "J* T*", id="middle-names-not-counted"),
        pytest.param("12345", "*", id="no-letter-at-all"),
        pytest.param("", "", id="empty-name"),
        pytest.param(None, "", id="no-name"),
    ],
)
def test_masked_name(name: str | None, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        pytest.param("张\u200b三", "张*", id="zero-width-space-hides-no-letter"),
        pytest.param("\u200b张三", "张*", id="zero-width-space-first-is-not-shown"),
        pytest.param("张\u202e三丰", "张*丰", id="bidi-override-never-reaches-a-screen"),
        pytest.param("张\u2066三\u2069丰", "张*丰", id="bidi-isolates-dropped"),
        pytest.param("张\x1b]2;pwned\x07三", "张*三", id="terminal-escape-is-not-letters"),
        pytest.param("张\ufeff三丰", "张*丰", id="byte-order-mark-dropped"),
        pytest.param("\u00adJohn", "J*", id="soft-hyphen-is-not-an-initial"),
        pytest.param("Jose\u0301 Garci\u0301a", "J* G*", id="decomposed-accents-are-letters"),
        pytest.param("\ud800李四", "李*", id="lone-surrogate-of-an-old-row-never-raises"),
    ],
)
def test_characters_that_are_not_letters_never_reach_the_mask(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("欧阳娜娜", id="four-han"),
        pytest.param("阿依古丽·买买提", id="seven-han"),
        pytest.param("张" * 500, id="500-han"),
        pytest.param("A" * 500, id="500-latin"),
        pytest.param("Al B C D E F G H I J", id="ten-latin-words"),
    ],
)
def test_the_mask_does_not_tell_how_long_the_name_is(name: str) -> None:
    masked = mask_name(name)
    assert masked.count("*") == masked.count(" ") + 1
    assert len(masked) <= 5


def test_masked_han_name_keeps_no_middle_character() -> None:
    masked = mask_name("司马相如")
    assert masked == "司*如"
    assert "相" not in masked and "马" not in masked


@pytest.mark.parametrize("name", ["Alexandra", "Al", "Bartholomew Fitzgerald"])
def test_latin_mask_does_not_leak_name_length(name: str) -> None:
    masked = mask_name(name)
    assert all(len(part) == 2 for part in masked.split(" "))
    assert name[1:].lower() not in masked.lower()
