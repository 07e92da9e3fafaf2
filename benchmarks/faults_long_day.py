"""Scenario 6: a whole clinic day at accelerated speed; the log, the board and the phones agree.

`clinic_day.play_day` plays the sample clinic's day through real commands. Every simulated
hour, and at closing, the read model loaded from the tables must equal the one built from the
event log alone (replayed rows): the public board, and every ticket's phone view (its state, its
desk and room when called, a waiting patient's `ahead`). At closing the file passes
`faults_checks`.

    python -m benchmarks.faults_long_day [--seed 1] [--walk-ins 300]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from queue_core.store import Store
from tests.oracle import read_model_problems, violations
from tests.scenarios.clinic_day import DayStats, clinic_day_store, play_day

DAY = date(2026, 11, 23)
CHECK_EVERY_MINUTES = 60


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


def run(seed: int = 1, walk_ins: int = 300, workdir: Path | None = None) -> DayResult:
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


def markdown(result: DayResult) -> str:
    done = result.stats.done
    counted = ", ".join(f"{name} {count:,}" for name, count in done.most_common())
    refused = ", ".join(f"{n} {c}" for n, c in result.stats.refused.most_common()) or "none"
    return "\n".join(
        [
            "### Long day: a whole clinic day, accelerated (goal: 0 mismatches)",
            "",
            "The sample clinic from 07:30 to 18:00 in one-minute steps (`clinic_day.py`):",
            f"commands applied: {counted}. Refused by the rules (and left unchanged): {refused}.",
            "Every simulated hour and at closing: the public board read from the tables ==",
            "the board rebuilt from the event log; every ticket's phone view (state, desk,",
            "room, patients ahead) == the rebuilt board; at closing, the checks of the crash",
            "scenario.",
            "",
            "| events | checkpoints | boards equal | phone views checked | mismatches "
            "| wall seconds for the day |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {result.stats.events:,} | {result.checkpoints} | {result.boards_equal} "
            f"| {result.views_checked:,} | {len(result.problems)} | {result.seconds:.1f} |",
            *([""] + [f"- {p}" for p in result.problems[:10]] if result.problems else []),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--walk-ins", type=int, default=300)
    args = parser.parse_args()
    print(markdown(run(args.seed, args.walk_ins)))


if __name__ == "__main__":
    main()
