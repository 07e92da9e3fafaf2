"""Scenario 6 through the server, short: a clinic day at speed while ~100 phone connections come
and go and two screens watch; every phone's and screen's last view must be the board's."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.server_long_day import SCREENS, Plan, run

# The server runs as a process of its own, as in the benchmark.
pytestmark = pytest.mark.slow

# Every other simulated minute from 07:30 to 18:00 (315 steps), a phone opened every ~3 steps.
SHORT_DAY = Plan(
    walk_ins=60,
    step_minutes=2.0,
    pace_seconds=0.01,
    opens_per_step=0.3,
    mean_open_steps=8.0,
    screens=SCREENS[:2],
    processes=1,
)


def test_phones_coming_and_going_all_day_end_up_showing_the_board(tmp_path: Path) -> None:
    day = run(SHORT_DAY, seed=3, workdir=tmp_path)
    assert day.problems == []
    assert day.opened >= 100 and day.closed >= 50
    assert day.opened > day.tickets  # links were reopened, resuming with ?since=
    assert day.checkpoints >= 10
    assert day.phone_views >= day.tickets and day.screen_boards == 2 * day.checkpoints
    assert day.reconnects == 0
