"""A desk process killed with SIGKILL mid-command leaves every command whole or absent."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from tests.conftest import LONG
from tests.scenarios import desk_crash

pytestmark = pytest.mark.slow

KILLS = desk_crash.KILLS if LONG else 50


def test_sigkills_at_random_points_leave_every_command_whole_and_every_call_single(
    tmp_path: Path,
) -> None:
    result = desk_crash.run(KILLS, seed=50, workdir=tmp_path)
    assert result.violations == []  # after every kill, and each desk died by the signal
    assert result.reader_holes == 0
    assert result.reader_events == result.events
    # The kills really landed among commands: some inside a transaction, work done between
    # them, and the log grew after most rounds.
    assert result.in_transaction + result.in_commit > 0
    assert result.commands_done > KILLS
    assert result.log_lengths[-1] - result.log_lengths[0] > KILLS * 5
    grew = sum(1 for before, after in pairwise(result.log_lengths) if after > before)
    assert grew >= KILLS // 2
