"""Public surfaces show only masked names: the one masking rule, case by case."""

from __future__ import annotations

import pytest

from queue_core.masking import mask_name


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        pytest.param("张三丰", "张*丰", id="three-han-characters-keep-first-and-last"),
        pytest.param("李四", "李*", id="two-han-characters-keep-the-surname"),
        pytest.param("欧阳娜娜", "欧**娜", id="compound-surname-masks-the-middle"),
        pytest.param("王", "*", id="single-character-fully-masked"),
        pytest.param(" 张 三 丰 ", "张*丰", id="spaces-inside-a-han-name-ignored"),
        pytest.param("阿依古丽·买买提", "阿*****提", id="dot-separated-name-masks-the-middle"),
        pytest.param("John Smith", "J* S*", id="latin-name-keeps-initials"),
        pytest.param("madonna", "M*", id="single-latin-word-capitalised-initial"),
        pytest.param("Jean-Luc  Picard", "J* L* P*", id="hyphen-splits-latin-words"),
        pytest.param("", "", id="empty-name"),
        pytest.param(None, "", id="no-name"),
    ],
)
def test_masked_name(name: str | None, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize("name", ["Alexandra", "Al", "Bartholomew Fitzgerald"])
def test_latin_mask_does_not_leak_name_length(name: str) -> None:
    masked = mask_name(name)
    assert all(len(part) == 2 for part in masked.split(" "))
    assert name[1:].lower() not in masked.lower()


def test_masked_han_name_keeps_no_middle_character() -> None:
    name = "司马相如"
    masked = mask_name(name)
    assert len(masked) == len(name)
    assert "相" not in masked and "马" not in masked
