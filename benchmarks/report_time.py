"""What a report of a busy day costs: reading its events, building the figures and fairness,
and printing them, on a day of about 2,000 tickets played through real commands.

The sample clinic plays one day of walk-ins and appointments (tests/scenarios/clinic_day.py);
then `clinic-queue report`'s steps are timed apart, each repeated: the read of the day's events
out of the file, `build` (journeys, groups and the fairness check of every call), and each
output format written to memory.

    python -m benchmarks.report_time [--quick] [--walk-ins 1900] [--runs 7]
    (also part of `make bench`: python -m benchmarks.run_all --only report)
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from benchmarks.report import Blocks, Table, machine_line, show_blocks, write_blocks
from clinic_queue.reporting import write
from queue_core.closing import close_day
from queue_core.insight.reader import day_events
from queue_core.insight.report import build
from queue_core.store import Store
from tests.scenarios.clinic_day import clinic_day_store, play_day

DAY = date(2026, 11, 23)


@dataclass(frozen=True)
class Step:
    what: str
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def worst(self) -> float:
        return max(self.seconds)


@dataclass(frozen=True)
class ReportCost:
    tickets: int
    events: int
    calls: int
    overtakes: int
    flagged: int
    steps: list[Step]


def _timed(action: Callable[[], object], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return seconds


def measure(walk_ins: int, runs: int, workdir: Path) -> ReportCost:
    store, clock = clinic_day_store(workdir / "day.db", DAY)
    play_day(store, clock, seed=18, walk_ins=walk_ins, step_minutes=2.0)
    close_day(store, "bench")
    store.close()
    store = Store.open(workdir / "day.db")
    config, day = store.config, DAY.isoformat()
    events = day_events(store, day, day)
    report = build(events, config, day, day)
    steps = [
        Step("read the day's events", _timed(lambda: day_events(store, day, day), runs)),
        Step("build (figures + fairness)", _timed(lambda: build(events, config, day, day), runs)),
    ]
    for form in ("table", "csv", "json"):
        steps.append(
            Step(
                f"write {form}",
                _timed(lambda f=form: write(report, config, f, io.StringIO()), runs),
            )
        )
    total = [
        sum(parts) for parts in zip(*(s.seconds for s in steps[:2]), steps[2].seconds, strict=True)
    ]
    steps.append(Step("read + build + table", total))
    store.close()
    return ReportCost(
        tickets=report.total.patients,
        events=len(events),
        calls=report.total.calls,
        overtakes=len(report.fairness.overtakes),
        flagged=len(report.fairness.flagged),
        steps=steps,
    )


def blocks(cost: ReportCost, runs: int, quick: bool) -> Blocks:
    whole = cost.steps[-1]
    table = Table(
        ("step", "median s", "worst s", "share of the whole"),
        [
            (s.what, f"{s.median:.3f}", f"{s.worst:.3f}", f"{s.median / whole.median:.0%}")
            for s in cost.steps
        ],
        left=("step",),
    )
    line = (
        f"{cost.tickets:,} tickets in the line, {cost.events:,} events, {cost.calls:,} calls, "
        f"{cost.overtakes:,} overtakes ({cost.flagged} flagged); {runs} runs of each step; "
        f"{whole.median / cost.tickets * 1000 * 1000:.2f} ms per 1,000 tickets."
    )
    return {"report-time": [table, line, machine_line(quick)]}


def run(quick: bool, walk_ins: int = 1900, runs: int = 7) -> tuple[ReportCost, int]:
    with tempfile.TemporaryDirectory() as folder:
        runs = 3 if quick else runs
        return measure(200 if quick else walk_ins, runs, Path(folder)), runs


def report(quick: bool) -> Blocks:
    cost, runs = run(quick)
    return blocks(cost, runs, quick)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short day, print only")
    parser.add_argument("--walk-ins", type=int, default=1900)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    cost, runs = run(args.quick, args.walk_ins, args.runs)
    found = blocks(cost, runs, args.quick)
    (show_blocks if args.quick else write_blocks)(found)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
