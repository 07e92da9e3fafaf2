"""How long a commit by another process takes to show on a desk console (no key pressed).

Runs the desk app headless on a fresh sample clinic; a second process issues walk-in tickets
one at a time and reports each commit's wall-clock time; the app side notes when the new
ticket reaches the waiting list on screen. Prints the median and p99 latency.

    .venv/bin/python -m benchmarks.tui_refresh [--samples 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import percentile
from queue_core.config import load_config
from queue_core.registration import initialise
from queue_core.store import Store
from queue_tui.app import desk_app
from queue_tui.widgets.tickets import TicketTable

ROOT = Path(__file__).resolve().parents[1]
WRITER = """
import sys, time
from queue_core.registration import issue_ticket
from queue_core.store import Store
store = Store.open(sys.argv[1])
for line in sys.stdin:
    issue_ticket(store, "nk-pt", "bench-writer", name="测试")
    print(time.time(), flush=True)
"""


async def measure(db: Path, samples: int) -> list[float]:
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
    latencies = []
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.home.query_one("#waiting", TicketTable)
            await pilot.pause(0.5)
            for shown in range(1, samples + 1):
                writer.stdin.write("go\n")
                writer.stdin.flush()
                committed = float(await asyncio.to_thread(writer.stdout.readline))
                while len(table.ticket_rows) < shown:
                    await asyncio.sleep(0.001)
                latencies.append(time.time() - committed)
    finally:
        writer.stdin.close()
        writer.wait()
        store.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        initialise(db, load_config(ROOT / "sample_data" / "clinic.toml"), "bench").close()
        latencies = sorted(asyncio.run(measure(db, args.samples)))
    p99 = percentile(latencies, 0.99)
    print(f"desk refresh after another process's commit, {len(latencies)} samples:")
    print(f"  median {statistics.median(latencies) * 1000:.1f} ms")
    print(f"  p99    {p99 * 1000:.1f} ms")
    print(f"  max    {latencies[-1] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
