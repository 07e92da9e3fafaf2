"""A clinic file as an editor on a desk PC may save it, or with values no clinic means: `init`
takes the first and refuses the others in one line naming the key, exit 2, nothing stored."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.cli.test_cli import PUBLIC_URL, Cli, with_public_url

SAMPLE_TEXT = with_public_url(PUBLIC_URL)


def clinic_file(tmp_path: Path, old: str = "", new: str = "") -> Path:
    assert SAMPLE_TEXT.count(old) >= 1, old
    path = tmp_path / "clinic.toml"
    path.write_text(SAMPLE_TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """Notepad on Windows saves UTF-8 with a BOM; it was 'not valid TOML (line 1, column 1)'."""
    path = tmp_path / "clinic.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SAMPLE_TEXT.encode())
    cli = Cli(tmp_path / "clinic-queue.db")
    assert cli.ok("init", "--config", str(path)).startswith("Initialised")
    assert cli.queue("nk-pt")["name"] == "内科普通号"


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            "alert_ahead = 3",
            "alert_ahead = 9223372036854775807",
            "clinic.alert_ahead: must be at most 99",
        ),
        ('name = "内科普通号"', 'name = ""', "queues[0].name: must not be empty"),
        ('name = "内科普通号"', 'name = "   "', "queues[0].name: must not be empty"),
        ('room = "1"', 'room = ""', "desks[0].room: must not be empty"),
        (
            'room = "1"',
            'room = "1\\u001b]2;pwned\\u0007"',
            "desks[0].room: holds U+001B, a control or format character",
        ),
        (
            'name = "老年人"',
            'name = "老\\u202e年人"',
            "priority[0].name: holds U+202E, a control or format character",
        ),
        (
            'name = "内科普通号"',
            f'name = "{"内" * 65}"',
            "queues[0].name: longer than 64 characters",
        ),
        (
            "requeue_behind = 2",
            "requeue_behind = 100000",
            "queues[0].requeue_behind: must be at most 999",
        ),
        (
            "max_ahead = 20",
            "max_ahead = 9223372036854775807",
            "priority[4].max_ahead: must be at most 999",
        ),
    ],
    ids=[
        "alert-ahead-int64",
        "queue-name-empty",
        "queue-name-blank",
        "room-empty",
        "room-with-an-osc",
        "priority-name-with-a-bidi-override",
        "queue-name-over-64",
        "requeue-behind-huge",
        "max-ahead-int64",
    ],
)
def test_a_value_no_clinic_means_is_refused_in_one_line(
    tmp_path: Path, old: str, new: str, says: str
) -> None:
    path = clinic_file(tmp_path, old, new)
    cli = Cli(tmp_path / "clinic-queue.db")
    refused = cli.run("init", "--config", str(path))
    assert (refused.code, refused.out) == (2, "")
    assert refused.err_lines == [f"clinic-queue: {path}: {says}"]
    assert cli.run("status").code == 2  # nothing was set up


def test_a_database_set_up_before_the_limits_still_opens_and_init_replaces_it(
    tmp_path: Path,
) -> None:
    """Refusing the stored configuration would lock the clinic out of its own queue, init
    included."""
    path = clinic_file(tmp_path)
    cli = Cli(tmp_path / "clinic-queue.db")
    cli.ok("init", "--config", str(path))
    number = cli.ticket("nk-pt")
    with closing(sqlite3.connect(cli.db)) as conn, conn:
        conn.execute(
            "UPDATE settings SET value = ? WHERE key = 'config'",
            (SAMPLE_TEXT.replace("alert_ahead = 3", "alert_ahead = 1000"),),
        )
    assert cli.waiting("nk-pt") == [number]
    assert cli.ok("init", "--config", str(path)).startswith("Initialised")
    assert cli.waiting("nk-pt") == [number]
