"""A HIS export with hostile or broken values: refused row by row with its line, all or nothing,
or stored without the characters that would drive a staff terminal."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import Cli
from tests.cli.test_import import export
from tests.conftest import SAMPLE_CONFIG


@pytest.fixture
def clinic(tmp_path: Path) -> Cli:
    """The sample clinic, initialised, with nothing imported yet."""
    runner = Cli(tmp_path / "clinic-queue.db")
    runner.ok("init", "--config", str(SAMPLE_CONFIG))
    return runner


def export_json(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / "his.json"
    path.write_text(json.dumps(rows, ensure_ascii=True), encoding="utf-8")
    return path


def refused(cli: Cli, path: Path, lines: list[str]) -> None:
    """The import is refused with exactly these rows, one line each, and nothing is written."""
    seq = cli.status()["seq"]
    result = cli.run("import", str(path))
    assert result.code == 1 and len(result.err_lines) == 1, result.err
    assert "nothing imported" in result.err and "Traceback" not in result.err
    assert result.out.splitlines()[:-1] == lines
    assert cli.status()["seq"] == seq


def names_stored(cli: Cli) -> list[str]:
    with closing(sqlite3.connect(cli.db)) as conn:
        return [row[0] for row in conn.execute("SELECT name FROM tickets ORDER BY id")]


def test_a_150000_character_name_is_a_refused_row(clinic: Cli, tmp_path: Path) -> None:
    """It made a 300 KB `call` and a 151 KB `board` for every screen on every change."""
    rows = [
        {"external_id": "H1", "name": "张三丰", "queue": "nk-pt", "slot_start": "09:00"},
        {"external_id": "H2", "name": "张" * 150_000, "queue": "nk-pt", "slot_start": "09:30"},
    ]
    refused(
        clinic, export_json(tmp_path, rows), ["refused item 2: name is longer than 64 characters"]
    )


def test_a_name_of_65_characters_is_a_refused_row(clinic: Cli, tmp_path: Path) -> None:
    path = export(tmp_path, ["H1,张三丰,nk-pt,09:00,,,,", f"H2,{'张' * 65},nk-pt,09:30,,,,"])
    refused(clinic, path, ["refused line 3: name is longer than 64 characters"])


def test_escapes_in_an_imported_name_are_not_stored(clinic: Cli, tmp_path: Path) -> None:
    hostile = "张\x1b]2;pwned\x07三\u202e丰"
    path = export_json(
        tmp_path,
        [{"external_id": "H1\u200b", "name": hostile, "queue": "nk-pt", "slot_start": "09:00"}],
    )
    out = clinic.ok("import", str(path), "--dry-run")
    assert "\x1b" not in out and "\u202e" not in out
    clinic.ok("import", str(path))
    assert names_stored(clinic) == ["张]2;pwned三丰"]
    again = clinic.ok("import", str(path))
    assert "1 unchanged" in again  # the cleaned id is what a later import knows it by


def test_a_lone_surrogate_in_a_json_name_is_a_refused_row(clinic: Cli, tmp_path: Path) -> None:
    path = tmp_path / "his.json"
    path.write_text(
        '[{"external_id": "H1", "name": "\\ud800", "queue": "nk-pt", "slot_start": "09:00"}]',
        encoding="utf-8",
    )
    refused(clinic, path, ["refused item 1: name holds U+D800, which is not a character"])


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("name", 12345, "name must be text, not a number"),
        ("name", {"family": "张"}, "name must be text, not an object"),
        ("name", ["张", "三"], "name must be text, not an array"),
        ("queue", True, "queue must be text, not true or false"),
        ("slot_start", 930, "slot_start must be text, not a number"),
    ],
    ids=["name-number", "name-object", "name-array", "queue-bool", "slot-number"],
)
def test_a_json_value_that_is_not_text_is_a_refused_row(
    clinic: Cli, tmp_path: Path, field: str, value: object, problem: str
) -> None:
    row: dict[str, Any] = {
        "external_id": "H1",
        "name": "张三丰",
        "queue": "nk-pt",
        "slot_start": "09:00",
    }
    row[field] = value
    refused(clinic, export_json(tmp_path, [row]), [f"refused item 1: {problem}"])


def test_json_numbers_are_read_for_the_his_id_and_the_phone(clinic: Cli, tmp_path: Path) -> None:
    row = {
        "external_id": 202600001,
        "name": "张三丰",
        "queue": "nk-pt",
        "slot_start": "09:00",
        "phone": 13800138000,
    }
    clinic.ok("import", str(export_json(tmp_path, [row])))
    with closing(sqlite3.connect(clinic.db)) as conn:
        stored = conn.execute("SELECT external_id, phone_last4 FROM tickets").fetchall()
    assert stored == [("202600001", "8000")]


@pytest.mark.parametrize(
    "slot",
    [
        (date.today() + timedelta(days=400)).isoformat() + " 09:00",
        "9999-12-31 23:30",
        "0001-01-01 00:00",
    ],
    ids=["400-days-ahead", "year-9999", "year-1"],
)
def test_a_slot_more_than_a_year_away_is_a_refused_row(
    clinic: Cli, tmp_path: Path, slot: str
) -> None:
    path = export(tmp_path, [f"H1,张三丰,nk-pt,{slot},,,,"])
    refused(clinic, path, [f"refused line 2: slot_start {slot!r} is more than a year from today"])


def test_a_slot_weeks_ahead_is_booked(clinic: Cli, tmp_path: Path) -> None:
    slot = (date.today() + timedelta(days=60)).isoformat() + " 09:00"
    assert "1 added" in clinic.ok("import", str(export(tmp_path, [f"H1,张三丰,nk-pt,{slot},,,,"])))
