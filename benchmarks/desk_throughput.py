"""Desk commands per second from 1 and from 4 processes sharing one database file.

Each process is one desk: it issues a walk-in for its queue, calls the next patient and
finishes the visit, over and over, each command its own BEGIN IMMEDIATE transaction with an
fsync'd commit. Busy refusals (StoreBusy, "database is locked") are counted, not hidden.
"""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from pathlib import Path

from benchmarks.clinic import ACTOR, fill, fresh_clinic
from benchmarks.report import median_ms, percentile_ms
from queue_core import commands
from queue_core.errors import StoreBusy
from queue_core.registration import issue_ticket
from queue_core.store import Store

# Two desks share each queue, as in the sample clinic: their calls really compete.
DESKS = (("nk1", "nk-pt"), ("wk1", "wk"), ("nk2", "nk-pt"), ("wk2", "wk"))
ALREADY_WAITING = 50


@dataclass(frozen=True)
class DeskRun:
    commands: int
    busy: int
    seconds: float
    latencies: list[float]


@dataclass(frozen=True)
class Throughput:
    processes: int
    commands: int
    busy: int
    seconds: float
    slowest_desk: int  # commands done by the desk that got the fewest: starvation shows here
    median_ms: float
    p99_ms: float
    max_ms: float

    @property
    def per_second(self) -> float:
        return self.commands / self.seconds


def desk_loop(path: str, desk: str, queue: str, seconds: float, start: Barrier) -> DeskRun:
    """One desk process: issue, call next, finish until the time is up."""
    store = Store.open(path)
    done = busy = 0
    latencies: list[float] = []
    actions: tuple[Callable[[], object], ...] = (
        lambda: issue_ticket(store, queue, ACTOR, name="王小明"),
        lambda: commands.call_next(store, desk, ACTOR),
        lambda: commands.finish(store, desk, ACTOR),
    )
    start.wait()
    began = time.perf_counter()
    deadline = began + seconds
    while time.perf_counter() < deadline:
        for action in actions:
            before = time.perf_counter()
            try:
                action()
                done += 1
                latencies.append(time.perf_counter() - before)
            except StoreBusy:
                busy += 1
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                busy += 1
    elapsed = time.perf_counter() - began
    store.close()
    return DeskRun(done, busy, elapsed, latencies)


def _worker(path: str, desk: str, queue: str, seconds: float, start: Barrier, out: str) -> None:
    run = desk_loop(path, desk, queue, seconds, start)
    Path(out).write_text(json.dumps(run.__dict__))


def measure(processes: int, seconds: float, workdir: Path) -> Throughput:
    path = fresh_clinic(workdir / f"throughput-{processes}.db")
    store = Store.open(path)
    for queue in sorted({q for _, q in DESKS}):
        fill(store, queue, ALREADY_WAITING)
    store.close()
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(processes)
    outs = [workdir / f"desk-{processes}-{i}.txt" for i in range(processes)]
    workers = [
        context.Process(target=_worker, args=(str(path), *DESKS[i], seconds, start, str(outs[i])))
        for i in range(processes)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
        if w.exitcode != 0:
            raise RuntimeError(f"a desk process failed with exit code {w.exitcode}")
    runs = [DeskRun(**json.loads(o.read_text())) for o in outs]
    latencies = [x for r in runs for x in r.latencies]
    return Throughput(
        processes,
        sum(r.commands for r in runs),
        sum(r.busy for r in runs),
        max(r.seconds for r in runs),
        min(r.commands for r in runs),
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
        f"transaction with its event and an fsync'd commit; {ALREADY_WAITING} patients already",
        "wait in each queue.",
        "",
        "| processes | commands | seconds | commands/s | vs 1 process | busy errors "
        "| fewest by one desk | command median ms | p99 ms | slowest ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.processes} | {r.commands:,} | {r.seconds:.1f} | {r.per_second:,.0f} "
            f"| {r.per_second / one.per_second:.2f}x | {r.busy} | {r.slowest_desk:,} "
            f"| {r.median_ms:.2f} | {r.p99_ms:.2f} | {r.max_ms:.1f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(run(quick="--quick" in sys.argv)))
