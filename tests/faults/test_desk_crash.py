"""Scenario 1, short: 50 SIGKILLs of a desk process at random points leave a sound file."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import faults_crash

pytestmark = pytest.mark.slow

KILLS = 50


def test_fifty_sigkills_leave_every_command_whole_and_every_call_single(tmp_path: Path) -> None:
    result = faults_crash.run(KILLS, seed=50, workdir=tmp_path)
    assert result.violations == []
    assert result.reader_holes == 0
    # The kills really landed among commands: some inside a transaction, and work was done.
    assert result.in_transaction + result.in_commit > 0
    assert result.commands_done > KILLS
    assert result.reader_events == result.events
