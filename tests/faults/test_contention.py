"""Scenario 2, short: four desks and the server writing at once; nobody sees an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import faults_contention

pytestmark = pytest.mark.slow


def test_four_desks_and_the_server_at_full_speed_surface_no_error(tmp_path: Path) -> None:
    (result,) = faults_contention.run(seconds=3.0, desks=(4,))
    assert result.errors == []
    assert result.log_violations == []
    # Every writer got through the gate, the server's receipts and presence included.
    assert [w.name for w in result.workers] == ["nk1", "nk2", "wk1", "wk2", "server"]
    assert all(w.commands > 0 for w in result.workers)
