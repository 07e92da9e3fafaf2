"""How fast a simulated day runs, and its dry-run replay: seconds per day and events per second.

Each day is the sample clinic's, generated from its seed and played through the real commands
into a fresh file (`clinic-queue simulate`); then the same day is replayed under the same rules
into a temporary file (`clinic-queue replay`), which also reads the day's figures twice.

    python -m benchmarks.simulated_day [--quick] [--days 9]
    (also part of `make bench`: python -m benchmarks.run_all --only simulate)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from benchmarks.report import Blocks, Table, machine_line, percentile, show_blocks, write_blocks
from queue_core.config import load_config
from queue_core.registration import initialise
from queue_core.simulation.dry_run import dry_run
from queue_core.simulation.run import simulate
from queue_core.store import Store

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2026, 11, 23)


@dataclass(frozen=True)
class Day:
    seed: int
    patients: int
    events: int
    simulate_s: float
    replay_s: float
    same_order: bool


def measure(seed: int, folder: Path) -> Day:
    config = load_config(ROOT / "sample_data" / "clinic.toml")
    path = folder / f"day-{seed}.db"
    initialise(path, config, "bench").close()
    store = Store.open(path)
    started = time.perf_counter()
    result = simulate(store, DAY, seed, today=DAY.isoformat())
    simulated = time.perf_counter()
    run = dry_run(store, DAY.isoformat(), config)
    replayed = time.perf_counter()
    store.close()
    return Day(
        seed,
        len(result.plan.patients),
        result.events,
        simulated - started,
        replayed - simulated,
        run.old.calls == run.new.calls,
    )


def run(quick: bool, days: int = 9) -> list[Day]:
    with tempfile.TemporaryDirectory() as folder:
        return [measure(seed, Path(folder)) for seed in range(2 if quick else days)]


def blocks(found: list[Day], quick: bool) -> Blocks:
    sim = [d.simulate_s for d in found]
    rep = [d.replay_s for d in found]
    rate = [d.events / d.simulate_s for d in found]
    table = Table(
        ("what", "days", "events per day", "median s", "p99 s", "median events/s"),
        [
            (
                "simulate a day",
                f"{len(found)}",
                f"{statistics.median(d.events for d in found):,.0f}",
                f"{statistics.median(sim):.2f}",
                f"{percentile(sim, 0.99):.2f}",
                f"{statistics.median(rate):,.0f}",
            ),
            (
                "replay it (dry run)",
                f"{len(found)}",
                "",
                f"{statistics.median(rep):.2f}",
                f"{percentile(rep, 0.99):.2f}",
                "",
            ),
        ],
        left={"what"},
    )
    same = sum(d.same_order for d in found)
    ratio = statistics.median(rep) / statistics.median(sim)
    line = (
        f"Patients per day: median {statistics.median(d.patients for d in found):.0f}. "
        f"Replay over simulate (medians): {ratio:.2f}. "
        f"Replays calling the same tickets in the same order: {same} of {len(found)}."
    )
    return {"simulated-day": [table, line, machine_line(quick)]}


def report(quick: bool) -> Blocks:
    return blocks(run(quick), quick)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="two days, print only")
    parser.add_argument("--days", type=int, default=9)
    args = parser.parse_args(argv)
    found = blocks(run(args.quick, args.days), args.quick)
    (show_blocks if args.quick else write_blocks)(found)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
