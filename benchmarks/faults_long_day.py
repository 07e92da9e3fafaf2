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

from benchmarks.faults_checks import violations
from queue_core.board import public_board
from queue_core.config import ClinicConfig
from queue_core.events import Event
from queue_core.line import Line
from queue_core.model import DeskState, Ticket
from queue_core.replay import replay
from queue_core.store import Store
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


def line_from_log(events: list[Event], config: ClinicConfig, day: str) -> Line:
    """The read model as the log alone tells it: the replayed rows, not the tables."""
    tables = replay(events)
    tickets = [Ticket.from_row(r) for r in tables["tickets"].values()]
    desks = [DeskState.from_row(r) for r in tables["desks"].values()]
    seq = events[-1].seq if events else 0
    return Line(config, seq, day, (t for t in tickets if t.day == day), desks)


def view_problems(live: Line, rebuilt: Line) -> tuple[int, list[str]]:
    """Every ticket's phone view from the tables' read model against the log's."""
    problems = []
    tickets = [t for t in live.tickets.values() if t.day == live.day]
    for ticket in tickets:
        got, want = live.view(ticket), rebuilt.view(rebuilt.tickets.get(ticket.id, ticket))
        shown = {"state": got.state, "ahead": got.ahead, "desk": got.desk, "room": got.room}
        told = {"state": want.state, "ahead": want.ahead, "desk": want.desk, "room": want.room}
        if shown != told:
            problems.append(f"{ticket.number}: phone shows {shown}, the log says {told}")
    return len(tickets), problems


def checkpoint(store: Store, result: DayResult) -> None:
    result.checkpoints += 1
    # The day is played in this process, so nothing commits between these two reads.
    events = store.events_since(0)
    live = Line.load(store)
    rebuilt = line_from_log(events, store.config, store.today())
    if public_board(live.board, limit=None) == public_board(rebuilt.board, limit=None):
        result.boards_equal += 1
    else:
        result.problems.append(f"{store.now():%H:%M}: the public board differs from the log's")
    checked, problems = view_problems(live, rebuilt)
    result.views_checked += checked
    result.problems += [f"{store.now():%H:%M}: {p}" for p in problems]


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
