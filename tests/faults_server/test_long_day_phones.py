"""The long day through the server: a clinic day at speed while phone connections come and go
and screens watch; every phone's and screen's last view must be the board's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import LONG
from tests.scenarios.server_day import FULL, SHORT, run

# The server runs as a process of its own, as in the benchmark.
pytestmark = pytest.mark.slow

PLAN = FULL if LONG else SHORT


def test_phones_coming_and_going_all_day_end_up_showing_the_board(tmp_path: Path) -> None:
    day = run(PLAN, seed=3, workdir=tmp_path)
    assert day.problems == []
    assert day.opened >= 100 and day.closed >= 50
    assert day.opened > day.tickets  # links were reopened, resuming with ?since=
    assert day.checkpoints >= 10
    assert day.phone_views >= day.tickets
    assert day.screen_boards == len(PLAN.screens) * day.checkpoints
    assert day.reconnects == 0
