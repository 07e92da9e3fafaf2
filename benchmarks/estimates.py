"""How honest the wait estimates are: simulated days replayed, each range checked against the
wait that followed.

Each seed plays two days of the sample clinic through the real commands (`clinic-queue
simulate`'s library call): the first with nothing learned before it, the second with the first
as its recent history. The day's log is then applied event by event to a read model loaded at
the start of the day, exactly as the display server follows it, and at each patient's check-in
(and every 30 minutes of their wait after it) the range their phone showed is set against the
time until they were in fact called. Patients never called (cancelled, not seen) have no wait
to check.

    python -m benchmarks.estimates [--quick] [--seeds 6]
    (also part of `make bench`: python -m benchmarks.run_all --only estimates)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from benchmarks.clinic import SAMPLE_CONFIG
from benchmarks.report import Blocks, Table, machine_line, show_blocks, verdict, write_blocks
from queue_core.config import load_config
from queue_core.events import Event, EventType
from queue_core.line import Line
from queue_core.model import TicketState
from queue_core.registration import initialise
from queue_core.simulation.run import simulate
from queue_core.store import parse_iso

FIRST_DAY = date(2026, 11, 2)
GOAL_INSIDE = 0.80
LATER_EVERY = timedelta(minutes=30)
ARRIVALS = (EventType.ISSUE, EventType.CHECKIN)
_STILL_TO_CALL = (TicketState.WAITING, TicketState.CALLED)


@dataclass
class Sample:
    """One range as a phone showed it, and what became of it."""

    at: datetime
    hour: int  # the clinic's local hour of `at`
    moment: str  # "check-in" or "later"
    history: bool  # the day had recent days behind it
    estimate: tuple[int, int, int] | None
    overtaken: bool = False  # someone was placed ahead of the patient after `at`
    paused: bool = False  # a desk paused between `at` and the call
    wait: float | None = None  # minutes from `at` to the call


@dataclass
class _Waiting:
    ahead: int | None
    next_look: datetime
    samples: list[Sample] = field(default_factory=list)


def replay_day(line: Line, events: Iterable[Event], history: bool) -> list[Sample]:
    """Every sample of one day: `line` stands at the day's start; `events` follow it."""
    tz = line.config.tz
    waiting: dict[int, _Waiting] = {}
    done: list[Sample] = []
    for event in events:
        line.apply(event)
        at = parse_iso(event.at)
        own = event.own_ticket()
        if event.type is EventType.PAUSE:
            for entry in waiting.values():
                for sample in entry.samples:
                    sample.paused = True
        if own is not None and event.type is EventType.CALL and own.id in waiting:
            for sample in waiting.pop(own.id).samples:
                sample.wait = (at - sample.at).total_seconds() / 60
                done.append(sample)
        elif own is not None and own.id in waiting and own.state not in _STILL_TO_CALL:
            del waiting[own.id]  # left the line uncalled: nothing to check
        estimates = line.estimates
        if own is not None and event.type in ARRIVALS and own.state is TicketState.WAITING:
            entry = waiting[own.id] = _Waiting(line.ahead_of(own.id), at + LATER_EVERY)
            local = at.astimezone(tz).hour
            entry.samples.append(Sample(at, local, "check-in", history, estimates.get(own.id)))
        for ticket_id, entry in waiting.items():
            ahead = line.ahead_of(ticket_id)
            if ahead is not None and entry.ahead is not None and ahead > entry.ahead:
                for sample in entry.samples:
                    sample.overtaken = True
            entry.ahead = ahead
            if at >= entry.next_look and ahead is not None:
                local = at.astimezone(tz).hour
                entry.samples.append(Sample(at, local, "later", history, estimates.get(ticket_id)))
                entry.next_look = at + LATER_EVERY
    return done


def run(seeds: int, workdir: Path) -> list[Sample]:
    config = load_config(SAMPLE_CONFIG)
    samples: list[Sample] = []
    for seed in range(1, seeds + 1):
        path = workdir / f"seed{seed}.db"
        start = datetime.combine(FIRST_DAY, time(6, 0), config.tz) - timedelta(days=1)
        store = initialise(path, config, "bench", now=start)
        try:
            for n in range(2):
                day = FIRST_DAY + timedelta(days=n)
                morning = datetime.combine(day, time(6, 0), config.tz)
                line = Line.load(store, morning)
                first = line.seq
                simulate(store, day, seed * 10 + n, today=day.isoformat())
                samples.extend(replay_day(line, store.events_since(first), history=n > 0))
        finally:
            store.close()
    return samples


def _row(label: str, group: Sequence[Sample]) -> list[str]:
    shown = [s for s in group if s.estimate is not None]
    inside = [s for s in shown if _inside(s)]
    errors = [abs(_wait(s) - s.estimate[0]) for s in shown if s.estimate is not None]
    above = sum(1 for s in shown if s.estimate is not None and _wait(s) > s.estimate[2])
    misses = len(shown) - len(inside)
    return [
        label,
        f"{len(group)}",
        f"{len(group) - len(shown)}",
        f"{len(inside) / len(shown):.0%}" if shown else "—",
        f"{statistics.median(errors):.1f}" if errors else "—",
        f"{statistics.quantiles(errors, n=10)[-1]:.1f}" if len(errors) > 1 else "—",
        f"{above}/{misses}",
        f"{sum(1 for s in shown if not _inside(s) and (s.overtaken or s.paused))}/{misses}",
    ]


def _wait(sample: Sample) -> float:
    assert sample.wait is not None
    return sample.wait


def _inside(sample: Sample) -> bool:
    assert sample.estimate is not None
    return sample.estimate[1] <= _wait(sample) <= sample.estimate[2]


COLUMNS = (
    "samples",
    "checked",
    "no estimate",
    "inside the range",
    "median |error| min",
    "p90 |error| min",
    "misses: waited longer",
    "misses: overtaken or a pause",
)


def blocks(samples: list[Sample], seeds: int, quick: bool) -> Blocks:
    rows = []
    for moment in ("check-in", "later"):
        for history in (False, True):
            group = [s for s in samples if s.moment == moment and s.history == history]
            label = f"{moment}, {'with' if history else 'no'} recent days"
            rows.append(_row(label, group))
    calm = [s for s in samples if s.moment == "check-in" and not s.paused]
    rows.append(_row("check-in, no desk paused before the call", calm))
    rows.append(_row("all", samples))
    hours = []
    check_in = [s for s in samples if s.moment == "check-in"]
    for hour in sorted({s.hour for s in check_in}):
        hours.append(_row(f"{hour:02d}:00", [s for s in check_in if s.hour == hour]))
    shown = [s for s in check_in if s.estimate is not None]
    share = sum(1 for s in shown if _inside(s)) / len(shown) if shown else 0.0
    goal = (
        f"- Inside the range shown at check-in: {share:.0%} of {len(shown)} "
        f"(goal {GOAL_INSIDE:.0%}): {verdict(share >= GOAL_INSIDE)}."
    )
    return {
        "estimates-machine": [
            machine_line(quick),
            f"{seeds} seeds × 2 days of the sample clinic (`python -m benchmarks.estimates"
            f" --seeds {seeds}`)",
        ],
        "estimates": [Table(COLUMNS, rows, left=("samples",))],
        "estimates-hours": [Table(("check-in hour", *COLUMNS[1:]), hours, left=("check-in hour",))],
        "estimates-goals": [goal],
    }


def report(quick: bool, seeds: int | None = None) -> Blocks:
    count = seeds or (1 if quick else 6)
    with tempfile.TemporaryDirectory() as directory:
        samples = run(count, Path(directory))
    return blocks(samples, count, quick)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one seed, print only")
    parser.add_argument("--seeds", type=int, default=None)
    args = parser.parse_args(argv)
    result = report(args.quick, args.seeds)
    if args.quick:
        show_blocks(result)
    else:
        write_blocks(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
