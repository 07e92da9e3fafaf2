"""Hostile strings at the command line: what is stored of them, what is refused in one line, and
what an administrator's terminal gets when `events` and `status` print them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.cli.test_cli import PUBLIC_URL, Cli, with_public_url
from tests.conftest import ROOT

OSC_TITLE = "\x1b]2;pwned\x07"  # sets the title of the terminal that prints it
OSC_CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x1b\\"  # puts `rm -rf ~` on its clipboard
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\u200b")  # what no printed line may carry


@pytest.fixture
def clinic(tmp_path: Path) -> Cli:
    config = tmp_path / "clinic.toml"
    config.write_text(with_public_url(PUBLIC_URL), encoding="utf-8")
    runner = Cli(tmp_path / "clinic-queue.db")
    runner.ok("init", "--config", str(config))
    return runner


def raw_in(text: str) -> list[str]:
    return [ch for ch in RAW if ch in text]


def test_escapes_in_an_actor_are_never_stored_nor_printed(clinic: Cli) -> None:
    clinic.ok("ticket", "nk-pt", "--actor", f"nurse{OSC_TITLE}")
    clinic.ok("call", "nk1", "--actor", f"li{OSC_CLIPBOARD}\u202e")
    table = clinic.ok("events")
    assert raw_in(table) == []
    actors = [e["actor"] for e in clinic.events()[-2:]]
    assert actors == ["nurse]2;pwned", "li]52;c;cm0gLXJmIH4=\\"]


def test_a_name_with_escapes_is_stored_without_them(clinic: Cli) -> None:
    number = clinic.ticket("nk-pt", "--name", f"张{OSC_TITLE}\u200b三\u202e")
    with closing(sqlite3.connect(clinic.db)) as conn:
        [(name,)] = conn.execute("SELECT name FROM tickets WHERE number = ?", (number,))
    assert name == "张]2;pwned三"
    assert raw_in(clinic.ok("status")) == [] and raw_in(clinic.ok("status", "--json")) == []


def test_rows_stored_before_are_printed_escaped(clinic: Cli) -> None:
    """A database may hold what was stored before input was cleaned: the CLI shows it as
    escapes, and `--json` readers still get the stored text back."""
    clinic.ok("ticket", "nk-pt")
    stored = f"old{OSC_TITLE}\x9b31m\u202e"
    with closing(sqlite3.connect(clinic.db)) as conn, conn:
        conn.execute("UPDATE events SET actor = ?, reason = ?", (stored, stored))
    table = clinic.ok("events")
    assert raw_in(table) == []
    assert "by old\\x1b]2;pwned\\x07\\x9b31m\\u202e" in table
    lines = clinic.ok("events", "--json")
    assert raw_in(lines) == []
    assert {json.loads(line)["actor"] for line in lines.splitlines()} == {stored}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--name", "张" * 65], "The name is longer than 64 characters; nothing was changed."),
        (["--phone", "abc"], "The phone 'abc' has fewer than 4 digits; nothing was changed."),
        (["--phone", "12"], "The phone '12' has fewer than 4 digits; nothing was changed."),
    ],
    ids=["name-over-64", "phone-abc", "phone-12"],
)
def test_a_ticket_with_a_bad_name_or_phone_is_refused_in_one_line(
    clinic: Cli, args: list[str], says: str
) -> None:
    seq = clinic.status()["seq"]
    refused = clinic.run("ticket", "nk-pt", *args)
    assert (refused.code, refused.err_lines, refused.out) == (1, [f"clinic-queue: {says}"], "")
    assert clinic.status()["seq"] == seq


def test_a_reason_over_200_characters_is_refused_and_nothing_is_cancelled(clinic: Cli) -> None:
    number = clinic.ticket("nk-pt")
    refused = clinic.run("cancel", number, "--reason", "走" * 201)
    assert refused.code == 1
    assert refused.err_lines == [
        "clinic-queue: The reason is longer than 200 characters; nothing was changed."
    ]
    assert clinic.waiting("nk-pt") == [number]


def test_a_reason_of_only_invisible_characters_is_no_reason(clinic: Cli) -> None:
    clinic.ticket("nk-pt")
    number = clinic.ticket("nk-pt")
    refused = clinic.run("call", "nk1", "--ticket", number, "--reason", "\u200b\u200b")
    assert refused.code == 1
    assert refused.err_lines == [
        "clinic-queue: A reason is required to call a patient out of turn."
    ]


@pytest.mark.parametrize(
    ("actor", "says"),
    [("x" * 65, "actor is longer than 64 characters"), ("\x1b\x07", "actor is empty")],
    ids=["too-long", "nothing-but-controls"],
)
def test_a_bad_actor_is_a_usage_error_before_anything_is_done(
    clinic: Cli, actor: str, says: str
) -> None:
    seq = clinic.status()["seq"]
    refused = clinic.run("ticket", "nk-pt", "--actor", actor)
    assert refused.code == 2 and len(refused.err_lines) == 1
    assert refused.err_lines[0].endswith(f"argument --actor: {says}")
    assert clinic.status()["seq"] == seq


def test_an_argument_that_is_not_utf8_is_one_line_exit_2(clinic: Cli) -> None:
    """As Python hands over `--name $'\\xff\\xfe'`: the bytes kept as lone surrogates."""
    seq = clinic.status()["seq"]
    refused = clinic.run("ticket", "nk-pt", "--name", "张\udcff\udcfe")
    assert (refused.code, refused.out) == (2, "")
    assert refused.err_lines == [
        "clinic-queue: argument 6 (张\\xff\\xfe) is not UTF-8 text; nothing was done"
    ]
    assert clinic.status()["seq"] == seq


@pytest.mark.slow
def test_process_an_argument_that_is_not_utf8_is_one_line_never_a_traceback(clinic: Cli) -> None:
    """张三 in GBK, typed in a terminal that speaks GBK to a UTF-8 system."""
    name = os.fsdecode(b"\xd5\xc5\xc8\xfd")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "clinic_queue",
            "--db",
            str(clinic.db),
            "ticket",
            "nk-pt",
            "--name",
            name,
        ],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        "clinic-queue: argument 6 (\\xd5\\xc5\\xc8\\xfd) is not UTF-8 text; nothing was done"
    ]
