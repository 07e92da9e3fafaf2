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

from benchmarks.report import median_ms, percentile_ms
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


def measure(processes: int, seconds: float, workdir: Path) -> Throughput:
    played = contention.play(processes, seconds, workdir, cycle=CYCLE, server=False)
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


def markdown(results: list[Throughput]) -> str:
    one = next(r for r in results if r.processes == 1)
    lines = [
        "### Desk commands per second (goal: >= 2,000/s total, 0 busy errors)",
        "",
        "Each process is one desk (nk1, wk1, nk2, wk2: two desks per queue) looping issue ->",
        "call next -> finish on one shared file, each command one `BEGIN IMMEDIATE`",
        "transaction with its event and an fsync'd commit;",
        f"{contention.ALREADY_WAITING} patients already wait in each queue.",
        "",
        "| processes | commands | seconds | commands/s | vs 1 process | errors "
        "| fewest by one desk | command median ms | p99 ms | slowest ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.processes} | {r.commands:,} | {r.seconds:.1f} | {r.per_second:,.0f} "
            f"| {r.per_second / one.per_second:.2f}x | {r.errors} | {r.slowest_desk:,} "
            f"| {r.median_ms:.2f} | {r.p99_ms:.2f} | {r.max_ms:.1f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(run(quick="--quick" in sys.argv)))
