"""docs/benchmarks.md is prose with marked places for rows; the benchmarks' renderer fills only
those places, and a block without one fails before anything is written."""

from __future__ import annotations

import re

import pytest

from benchmarks.report import DOC, Table, fill, render


def test_every_place_in_the_doc_opens_and_closes_once_in_order() -> None:
    text = DOC.read_text(encoding="utf-8")
    markers = re.findall(r"<!-- ([a-z-]+):(begin|end) -->", text)
    names = [name for name, side in markers if side == "begin"]
    assert len(names) == len(set(names))
    assert markers == [(name, side) for name in names for side in ("begin", "end")]


def test_rows_render_as_a_table_with_figures_right_aligned() -> None:
    table = Table(("command", "runs", "median ms"), [("status", "21", "118")], left={"command"})
    assert render([table, "Machine: here."]) == (
        "| command | runs | median ms |\n|---|---:|---:|\n| status | 21 | 118 |\n\nMachine: here."
    )


def test_filling_replaces_only_the_rows_between_the_markers() -> None:
    text = "Prose before.\n\n<!-- floor:begin -->\nold rows\n<!-- floor:end -->\n\nProse after.\n"
    filled = fill(text, {"floor": ["new rows"]})
    assert filled == text.replace("old rows", "new rows")


def test_a_block_without_its_place_fails_before_anything_is_written() -> None:
    text = "<!-- floor:begin -->\nold\n<!-- floor:end -->\n"
    with pytest.raises(KeyError, match="no place for 'ceiling'"):
        fill(text, {"floor": ["new"], "ceiling": ["rows"]})
