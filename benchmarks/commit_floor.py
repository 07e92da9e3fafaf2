"""The cheapest real command (pause / resume a desk): what any write costs before its own work.

It is nearly all the fsync of the commit (synchronous=FULL), so it bounds how many commands
per second one shared file can take, whatever the number of desk processes.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.clinic import ACTOR, fresh_clinic
from benchmarks.report import Blocks, Table, median_ms, percentile_ms, show_blocks
from queue_core import commands
from queue_core.store import Store


@dataclass(frozen=True)
class Floor:
    samples: int
    median_ms: float
    p99_ms: float

    @property
    def ceiling_per_second(self) -> float:
        return 1000 / self.median_ms


def run(quick: bool = False) -> Floor:
    samples = 200 if quick else 2_000
    with tempfile.TemporaryDirectory(prefix="cq-bench-", dir=Path.cwd()) as tmp:
        store = Store.open(fresh_clinic(Path(tmp) / "floor.db"))
        times: list[float] = []
        for i in range(samples):
            action = commands.pause if i % 2 == 0 else commands.resume
            began = time.perf_counter()
            action(store, "nk1", ACTOR)
            times.append(time.perf_counter() - began)
        store.close()
    return Floor(samples, median_ms(times), percentile_ms(times, 0.99))


def blocks(result: Floor) -> Blocks:
    columns = ("samples", "median ms", "p99 ms", "ceiling for one file (1 / median)")
    row = (
        f"{result.samples:,}",
        f"{result.median_ms:.3f}",
        f"{result.p99_ms:.3f}",
        f"{result.ceiling_per_second:,.0f}/s",
    )
    return {"commit-floor": [Table(columns, [row])]}


if __name__ == "__main__":
    show_blocks(blocks(run(quick="--quick" in sys.argv)))
