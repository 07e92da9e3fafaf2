"""The same desk commands on the SQLite file and on PostgreSQL, side by side in one run.

Desk commands per second from 1 and 4 desk processes (the contention scenario's desks, as
benchmarks/desk_throughput.py) and call next with 1,000 waiting (as benchmarks/call_latency.py),
first on a file, then on a PostgreSQL server started for the run from Debian's binaries
(tests/pg.py) with fsync and synchronous commit on, as a clinic's server runs: both stores make
every commit durable before the desk is answered. The server is local, on a unix socket: a
database on another host adds its network round trips to every statement.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks import call_latency, desk_throughput
from benchmarks.report import Blocks, Table, machine_line, show_blocks
from tests.pg import available, running_server

WAITING = 1_000


@dataclass(frozen=True)
class Figures:
    store: str
    throughput: list[desk_throughput.Throughput]
    latency: call_latency.Latency


def server_version(bin_dir: str = "/usr/lib/postgresql") -> str:
    found = sorted(Path(bin_dir).glob("*/bin/postgres"))
    if not found:
        return "PostgreSQL"
    done = subprocess.run([str(found[-1]), "--version"], capture_output=True, text=True)
    return done.stdout.strip() or "PostgreSQL"


def run(quick: bool = False) -> list[Figures]:
    reason = available()
    if reason is not None:
        raise SystemExit(f"postgres_store: {reason}")
    seconds, samples = (1.0, 40) if quick else (5.0, 400)
    results: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="cq-bench-", dir=Path.cwd()) as tmp:
        work = Path(tmp)
        results.append(
            Figures(
                "SQLite file",
                [desk_throughput.measure(n, seconds, work) for n in (1, 4)],
                call_latency.measure(WAITING, samples, work),
            )
        )
        with running_server(durable=True) as server:
            results.append(
                Figures(
                    "PostgreSQL",
                    [
                        desk_throughput.measure(n, seconds, work, server.fresh_database())
                        for n in (1, 4)
                    ],
                    call_latency.measure(WAITING, samples, work, server.fresh_database()),
                )
            )
    return results


def blocks(results: list[Figures], quick: bool = False) -> Blocks:
    columns = (
        "store",
        "1 desk: commands/s",
        "4 desks: commands/s",
        "4 desks: errors",
        "4 desks: median ms",
        "4 desks: p99 ms",
        f"call next, {WAITING:,} waiting: median ms",
        "p99 ms",
    )
    file = results[0]
    rows = []
    for r in results:
        one, four = r.throughput
        ratio = four.per_second / file.throughput[1].per_second
        rows.append(
            (
                r.store,
                f"{one.per_second:,.0f}",
                f"{four.per_second:,.0f} ({ratio:.2f}x the file)",
                f"{four.errors}",
                f"{four.median_ms:.2f}",
                f"{four.p99_ms:.2f}",
                f"{r.latency.median_ms:.2f}",
                f"{r.latency.p99_ms:.2f}",
            )
        )
    machine = f"{machine_line(quick)} {server_version()}, on the same machine."
    return {"postgres-store": [machine, Table(columns, rows, left=("store",))]}


def report(quick: bool = False) -> Blocks:
    return blocks(run(quick), quick)


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    show_blocks(report(quick))
