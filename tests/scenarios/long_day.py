"""A whole clinic day at accelerated speed; the log, the board and the phones agree all day.

`clinic_day.play_day` plays the sample clinic's day through real commands. Every simulated
hour, and at closing, the read model loaded from the tables must equal the one built from the
event log alone (`tests.oracle.read_model_problems`). At closing the file passes the oracle.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from queue_core.store import Store
from tests.oracle import read_model_problems, violations
from tests.scenarios.clinic_day import DayStats, clinic_day_store, play_day

DAY = date(2026, 11, 23)
WALK_INS = 300


@dataclass
class DayResult:
    stats: DayStats
    checkpoints: int = 0
    boards_equal: int = 0
    views_checked: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def checkpoint(store: Store, result: DayResult) -> None:
    result.checkpoints += 1
    found = read_model_problems(store)
    result.boards_equal += found.board_equal
    result.views_checked += found.views
    result.problems += [f"{store.now():%H:%M}: {p}" for p in found.problems]


def run(seed: int = 1, walk_ins: int = WALK_INS, workdir: Path | None = None) -> DayResult:
    with tempfile.TemporaryDirectory(prefix="cq-day-", dir=workdir or Path.cwd()) as tmp:
        db = Path(tmp) / "day.db"
        store, clock = clinic_day_store(db, DAY)
        result = DayResult(DayStats())
        began = time.perf_counter()

        def every_hour(now: datetime) -> None:
            if now.minute == 0:
                checkpoint(store, result)

        result.stats = play_day(store, clock, seed, walk_ins, on_step=every_hour)
        checkpoint(store, result)
        result.seconds = time.perf_counter() - began
        store.close()
        found, _ = violations(db)
        result.problems += found
        return result
