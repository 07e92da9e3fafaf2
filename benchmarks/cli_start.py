"""Cold start of the `clinic-queue status` command: a new interpreter per run, as a nurse sees it.

Plain commands must not import textual or websockets; this shows what that buys.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.clinic import ACTOR, APPOINTMENTS, fill, fresh_clinic
from benchmarks.report import Blocks, Table, median_ms, show_blocks
from queue_core.importer import import_appointments
from queue_core.store import Store


@dataclass(frozen=True)
class Start:
    what: str
    runs: int
    median_ms: float
    fastest_ms: float


def _entry() -> list[str]:
    """The installed console script when there is one, else the module."""
    script = Path(sys.executable).with_name("clinic-queue")
    return [str(script)] if script.exists() else [sys.executable, "-m", "clinic_queue"]


def _time(argv: list[str], runs: int, env: dict[str, str]) -> list[float]:
    times: list[float] = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - began)
    return times


def run(quick: bool = False) -> list[Start]:
    runs = 5 if quick else 21
    with tempfile.TemporaryDirectory(prefix="cq-bench-", dir=Path.cwd()) as tmp:
        path = fresh_clinic(Path(tmp) / "cli.db")
        store = Store.open(path)
        import_appointments(store, APPOINTMENTS, ACTOR)
        fill(store, "nk-pt", 50)
        store.close()
        env = {**os.environ, "CLINIC_QUEUE_DB": str(path), "COLUMNS": "120"}
        cases = [
            ("python -c pass (interpreter alone)", [sys.executable, "-c", "pass"]),
            ("clinic-queue status --json", [*_entry(), "status", "--json"]),
            ("clinic-queue status (rich table)", [*_entry(), "status"]),
        ]
        results = []
        for what, argv in cases:
            times = _time(argv, runs, env)
            results.append(Start(what, runs, median_ms(times), min(times) * 1000))
        return results


def blocks(results: list[Start]) -> Blocks:
    base = results[0]
    columns = ("command", "runs", "median ms", "fastest ms", "median vs bare interpreter")
    rows = [
        (
            r.what,
            f"{r.runs}",
            f"{r.median_ms:.0f}",
            f"{r.fastest_ms:.0f}",
            f"{r.median_ms / base.median_ms:.1f}x",
        )
        for r in results
    ]
    return {"cli-start": [Table(columns, rows, left={"command"})]}


if __name__ == "__main__":
    show_blocks(blocks(run(quick="--quick" in sys.argv)))
