"""A desk process killed with SIGKILL mid-command leaves every command whole or absent."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import pytest

from queue_core.config import ClinicConfig
from queue_core.registration import initialise
from queue_core.store import Store
from tests.conftest import ACTOR, ROOT
from tests.oracle import violations

pytestmark = pytest.mark.slow

KILLS = 20


def _start(db: Path, seed: int) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.core.processes", str(db), str(seed)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    ready = child.stdout.readline()
    assert ready.strip() == "ready", child.stderr.read() if child.stderr else ready
    return child


def test_sigkill_in_the_middle_of_commands_loses_no_half_command(
    tmp_path: Path, sample_config: ClinicConfig
) -> None:
    db = tmp_path / "crash.db"
    initialise(db, sample_config, ACTOR).close()
    rng = random.Random(20261123)
    seqs = [0]
    for round_ in range(KILLS):
        child = _start(db, seed=round_)
        time.sleep(rng.uniform(0.05, 0.4))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
        assert violations(db)[0] == [], f"after kill {round_ + 1}"
        store = Store.open(db)
        seqs.append(store.last_seq())
        store.close()
    # The processes did real work between kills, so the kills landed among commands.
    assert seqs[-1] > KILLS * 5
    assert sum(1 for before, after in pairwise(seqs) if after > before) >= KILLS // 2
