"""A purge while a desk process writes at full speed: the old days are erased from the file,
today's work goes on through it, and the file stays one the log rebuilds."""

from __future__ import annotations

import time
from contextlib import closing
from pathlib import Path

import pytest

from queue_core import commands
from queue_core.config import parse_config
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from tests.cli.test_backup_restore import WRITER, child, stop
from tests.cli.test_cli import Cli
from tests.conftest import ACTOR, SAMPLE_CONFIG, SteppingClock
from tests.oracle import violations

pytestmark = pytest.mark.slow

NAME = "欧阳锋锐"


def test_a_purge_beside_a_writing_desk_erases_the_old_days_and_loses_nothing(
    tmp_path: Path, clock: SteppingClock
) -> None:
    db = tmp_path / "clinic-queue.db"
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    config = parse_config(text.replace("[clinic]\n", "[clinic]\nretention_days = 0\n", 1))
    initialise(db, config, ACTOR, now=clock()).close()
    tokens = []
    with closing(Store.open(db, clock=clock)) as store:
        for _ in range(3):  # three earlier days, each with a patient called
            ticket = issue_ticket(store, "nk-pt", ACTOR, name=NAME, phone="13912344321")
            commands.call_next(store, "nk1", ACTOR)
            tokens.append(ticket.token)
            clock.advance(days=1)
    cli = Cli(db)
    writer = child(WRITER, db)  # today, on the real clock
    try:
        with closing(Store.open(db)) as desk:
            before = desk.last_seq()
            out = cli.ok("purge").splitlines()
            time.sleep(0.3)
            during = desk.last_seq()
        assert writer.poll() is None  # no error reached the desk
    finally:
        stop(writer)
    assert out[0].startswith("Erased the personal data of 2026-11-23 to ")
    assert out[-1] == "Compacted: no erased byte is left in the file or its WAL."
    assert during > before  # the desk kept writing
    wal = db.with_name(db.name + "-wal")
    raw = db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert NAME.encode() not in raw
    assert not [t for t in tokens if t.encode() in raw]
    problems, facts = violations(db)
    assert problems == [] and facts.events >= during
