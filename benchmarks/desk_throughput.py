"""Desk commands per second from 1 and from 4 processes sharing one database file.

Each process is one desk of the contention scenario (tests/scenarios/contention.py) on the
cycle issue -> call next -> finish, each command its own BEGIN IMMEDIATE transaction with an
fsync'd commit, and no server writing beside them. Errors reaching a desk (StoreBusy,
"database is locked") are counted, not hidden.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.report import Blocks, Table, median_ms, percentile_ms, show_blocks
from tests.scenarios import contention

CYCLE = ("issue", "call", "finish")


@dataclass(frozen=True)
class Throughput:
    processes: int
    commands: int
    errors: int
    seconds: float
    slowest_desk: int  # commands done by the desk that got the fewest: starvation shows here
    median_ms: float
    p99_ms: float
    max_ms: float

    @property
    def per_second(self) -> float:
        return self.commands / self.seconds


def measure(
    processes: int, seconds: float, workdir: Path, database: str | None = None
) -> Throughput:
    """On a file in `workdir`, or on the empty PostgreSQL `database` when given."""
    played = contention.play(
        processes, seconds, workdir, cycle=CYCLE, server=False, database=database
    )
    desks = played.desk_workers
    latencies = played.desk_latencies
    return Throughput(
        processes,
        sum(w.commands for w in desks),
        len(played.errors),
        max(w.seconds for w in desks),
        min(w.commands for w in desks),
        median_ms(latencies),
        percentile_ms(latencies, 0.99),
        max(latencies) * 1000,
    )


def run(quick: bool = False) -> list[Throughput]:
    seconds = 1.0 if quick else 5.0
    with tempfile.TemporaryDirectory(prefix="cq-bench-", dir=Path.cwd()) as tmp:
        return [measure(n, seconds, Path(tmp)) for n in (1, 4)]


def blocks(results: list[Throughput]) -> Blocks:
    one = next(r for r in results if r.processes == 1)
    columns = (
        "processes",
        "commands",
        "seconds",
        "commands/s",
        "vs 1 process",
        "errors",
        "fewest by one desk",
        "command median ms",
        "p99 ms",
        "slowest ms",
    )
    rows = [
        (
            f"{r.processes}",
            f"{r.commands:,}",
            f"{r.seconds:.1f}",
            f"{r.per_second:,.0f}",
            f"{r.per_second / one.per_second:.2f}x",
            f"{r.errors}",
            f"{r.slowest_desk:,}",
            f"{r.median_ms:.2f}",
            f"{r.p99_ms:.2f}",
            f"{r.max_ms:.1f}",
        )
        for r in results
    ]
    return {"desk-throughput": [Table(columns, rows)]}


if __name__ == "__main__":
    show_blocks(blocks(run(quick="--quick" in sys.argv)))
