"""How long `call_next` takes with 100, 1,000 and 10,000 patients waiting in the queue.

Each sample is one real command on a real file: it finishes the desk's previous patient,
picks the head of the line and calls it, all in one fsync'd transaction. A walk-in is issued
(untimed) after each call so the line keeps its length.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.clinic import ACTOR, fill, fresh_clinic
from benchmarks.report import Blocks, Table, median_ms, percentile_ms, show_blocks
from queue_core import commands
from queue_core.registration import issue_ticket
from queue_core.store import Store

SIZES = (100, 1_000, 10_000)
DESK, QUEUE = "nk1", "nk-pt"


@dataclass(frozen=True)
class Latency:
    waiting: int
    samples: int
    median_ms: float
    p99_ms: float


def measure(waiting: int, samples: int, workdir: Path, database: str | None = None) -> Latency:
    """On a file in `workdir`, or on the empty PostgreSQL `database` when given."""
    store = Store.open(fresh_clinic(database or workdir / f"latency-{waiting}.db"))
    fill(store, QUEUE, waiting)
    times: list[float] = []
    for _ in range(samples):
        began = time.perf_counter()
        commands.call_next(store, DESK, ACTOR)
        times.append(time.perf_counter() - began)
        issue_ticket(store, QUEUE, ACTOR, name="王小明")
    store.close()
    return Latency(waiting, samples, median_ms(times), percentile_ms(times, 0.99))


def run(quick: bool = False) -> list[Latency]:
    samples = 40 if quick else 400
    with tempfile.TemporaryDirectory(prefix="cq-bench-", dir=Path.cwd()) as tmp:
        return [measure(n, samples, Path(tmp)) for n in SIZES]


def blocks(results: list[Latency]) -> Blocks:
    smallest = results[0]
    columns = ("waiting", "samples", "median ms", "p99 ms", "median vs 100 waiting")
    rows = [
        (
            f"{r.waiting:,}",
            f"{r.samples}",
            f"{r.median_ms:.2f}",
            f"{r.p99_ms:.2f}",
            f"{r.median_ms / smallest.median_ms:.2f}x",
        )
        for r in results
    ]
    return {"call-latency": [Table(columns, rows)]}


if __name__ == "__main__":
    show_blocks(blocks(run(quick="--quick" in sys.argv)))
