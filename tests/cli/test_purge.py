"""`clinic-queue purge` as an administrator runs it: what it says it erased, and an audit that
still answers by day and ticket number."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from queue_core import commands
from queue_core.config import parse_config
from queue_core.registration import initialise, issue_ticket
from queue_core.slips import write_slip
from queue_core.store import Store
from tests.cli.test_cli import Cli
from tests.conftest import ACTOR, SAMPLE_CONFIG, SteppingClock

NAME = "欧阳锋锐"


def test_purge_erases_the_days_past_the_retention_and_the_audit_stays(
    tmp_path: Path, clock: SteppingClock
) -> None:
    db = tmp_path / "clinic-queue.db"
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    config = parse_config(text.replace("[clinic]\n", "[clinic]\nretention_days = 0\n", 1))
    initialise(db, config, ACTOR, now=clock()).close()
    store = Store.open(db, clock=clock)
    issue_ticket(store, "nk-pt", ACTOR, name="李四")
    late = issue_ticket(store, "nk-pt", ACTOR, name=NAME, phone="13912344321")
    commands.call_ticket(store, "nk1", late.number, "emergency", "nurse-wang")
    day = store.today()
    store.close()
    write_slip(tmp_path / "tickets", day, late.number, f"/t/{late.token}")
    cli = Cli(db)  # the commands' clock is the real one: 2026-11-23 is long past

    out = cli.ok("purge", "--actor", "admin").splitlines()

    assert out[0].startswith(f"Erased the personal data of {day}")
    assert out[0].endswith(": 2 tickets, 5 events rewritten.")
    assert out[1:] == [
        "Removed 1 slip file.",
        "Compacted: no erased byte is left in the file or its WAL.",
    ]
    assert list((tmp_path / "tickets").iterdir()) == []
    raw = db.read_bytes()
    assert NAME.encode() not in raw and late.token.encode() not in raw
    audit = [
        json.loads(line)
        for line in cli.ok("events", "--day", day, "--ticket", late.number, "--json").splitlines()
    ]
    [call] = [e for e in audit if e["type"] == "call"]
    assert (call["actor"], call["reason"], call["out_of_turn"]) == ("nurse-wang", "emergency", True)
    [purge] = [e for e in cli.events() if e["type"] == "purge"]
    assert (purge["actor"], purge["first_day"], purge["tickets"]) == ("admin", day, 2)
    again = cli.ok("purge").splitlines()
    assert again[0].startswith("Nothing to erase: the clinic keeps 0 days of personal data.")


def test_slips_that_cannot_be_removed_are_one_line_after_the_data_is_erased(
    tmp_path: Path, clock: SteppingClock
) -> None:
    db = tmp_path / "clinic-queue.db"
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    config = parse_config(text.replace("[clinic]\n", "[clinic]\nretention_days = 0\n", 1))
    initialise(db, config, ACTOR, now=clock()).close()
    with closing(Store.open(db, clock=clock)) as store:
        issue_ticket(store, "nk-pt", ACTOR, name=NAME)
    (tmp_path / "tickets").write_text("not a folder")
    cli = Cli(db)
    refused = cli.run("purge")
    assert refused.code == 1 and refused.out == ""
    assert refused.err_lines == [
        f"clinic-queue: The personal data due was erased from the file, but the slips in"
        f" {tmp_path / 'tickets'} could not be removed (Not a directory); fix the folder's"
        " permissions and run 'clinic-queue purge' again."
    ]
    assert NAME.encode() not in db.read_bytes()


@pytest.mark.slow
def test_a_reader_holding_the_wal_leaves_a_warning_and_the_next_purge_finishes(
    tmp_path: Path, clock: SteppingClock
) -> None:
    db = tmp_path / "clinic-queue.db"
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    config = parse_config(text.replace("[clinic]\n", "[clinic]\nretention_days = 0\n", 1))
    initialise(db, config, ACTOR, now=clock()).close()
    with closing(Store.open(db, clock=clock)) as store:
        ticket = issue_ticket(store, "nk-pt", ACTOR, name=NAME)
    wal = db.with_name(db.name + "-wal")
    cli = Cli(db)
    with closing(sqlite3.connect(db)) as shell:  # a sqlite3 shell left inside a transaction
        shell.execute("BEGIN")
        shell.execute("SELECT COUNT(*) FROM events").fetchone()
        held = cli.run("purge")
    assert held.code == 0 and held.out.startswith("Erased the personal data of")
    assert held.err_lines == [
        "clinic-queue: warning: readers kept the WAL from being checkpointed; erased bytes stay"
        " in it until the next purge."
    ]
    finished = cli.ok("purge").splitlines()
    assert finished[-1] == "Compacted: no erased byte is left in the file or its WAL."
    raw = db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert NAME.encode() not in raw and ticket.token.encode() not in raw
