"""How long another desk's commit takes to show on a desk console (no key pressed).

The desk console of 内科1诊室 runs headless (Textual's test driver) on the sample clinic with
150 patients waiting. A second process plays the other desks and the triage desk, one commit
at a time and a fifth of a second apart (a clinic's desks commit seconds apart; back to back,
each sample would also wait for the previous one's repaint): a walk-in joins the end of the
line, then 内科2诊室 calls the head, and so on. Each commit's wall-clock time is reported by that
process; the console side notes when its waiting list holds the new number of rows (Textual
repaints it on its next refresh). Reported: median, p99 and max.

    python -m benchmarks.desk_refresh [--samples 200] [--waiting 150] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.report import ROOT, Blocks, Table, percentile, show_blocks
from queue_core.config import load_config
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from queue_tui.app import desk_app, tune_collector
from queue_tui.widgets.tickets import TicketTable

GOAL_P99_MS = 50.0
PACE_S = 0.2
# The other desks: odd lines issue a walk-in, even lines call at desk nk2; each prints the
# wall-clock time right after its commit.
WRITER = """
import sys, time
from queue_core import commands
from queue_core.registration import issue_ticket
from queue_core.store import Store
store = Store.open(sys.argv[1])
for index, _ in enumerate(sys.stdin):
    if index % 2 == 0:
        issue_ticket(store, "nk-pt", "bench-triage", name="测试")
    else:
        commands.call_next(store, "nk2", "bench-desk2")
    print(time.time(), flush=True)
"""


@dataclass(frozen=True)
class Refresh:
    waiting: int
    samples: list[float]  # seconds from commit to the console's list holding the change

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.samples, 0.99) * 1000

    @property
    def max_ms(self) -> float:
        return max(self.samples) * 1000


async def measure(db: Path, samples: int, waiting: int) -> list[float]:
    tune_collector()  # as `clinic-queue desk` does
    store = Store.open(db)
    app = desk_app(store, "nk1", "bench-desk")
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)],
        cwd=ROOT,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert writer.stdin is not None and writer.stdout is not None
    latencies: list[float] = []
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.screen.query_one("#waiting", TicketTable)
            while table.row_count != waiting:
                await pilot.pause(0.05)
            for index in range(samples):
                await asyncio.sleep(PACE_S)
                expected = waiting + 1 if index % 2 == 0 else waiting
                writer.stdin.write("go\n")
                writer.stdin.flush()
                committed = float(await asyncio.to_thread(writer.stdout.readline))
                while table.row_count != expected:
                    await asyncio.sleep(0.0005)
                latencies.append(time.time() - committed)
    finally:
        writer.stdin.close()
        writer.wait()
        store.close()
    return latencies


def run(quick: bool = False, samples: int = 200, waiting: int = 150) -> Refresh:
    samples = 20 if quick else samples
    with tempfile.TemporaryDirectory(prefix="cq-desk-") as tmp:
        db = Path(tmp) / "bench.db"
        initialise(db, load_config(ROOT / "sample_data" / "clinic.toml"), "bench").close()
        store = Store.open(db)
        for i in range(waiting):
            issue_ticket(store, "nk-pt", "bench", name=f"患者{i:03d}")
        store.close()
        return Refresh(waiting, asyncio.run(measure(db, samples, waiting)))


def blocks(result: Refresh) -> Blocks:
    row = (
        f"{len(result.samples)}",
        f"{result.median_ms:.1f} ms",
        f"{result.p99_ms:.1f} ms",
        f"{result.max_ms:.1f} ms",
    )
    return {"desk-refresh": [Table(("samples", "median", "p99", "max"), [row])]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--waiting", type=int, default=150)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    show_blocks(blocks(run(args.quick, args.samples, args.waiting)))


if __name__ == "__main__":
    main()
