"""What the daily purge costs: a store holding a month of busy days, its oldest day erased.

The sample clinic plays `--days` service days of walk-ins and appointments through real
commands (tests/scenarios/clinic_day.py); then the purge the display server runs at the start
of a day erases the one day past the 30 days kept. Erasing (one transaction, the writer gate
held) and compacting (VACUUM with the gate held, then the WAL checkpointed; on PostgreSQL,
VACUUM FULL of the clinic's tables and of pg_statistic) are timed apart: desks wait for both,
which is why the server does it as the day begins. The same month is played on the SQLite file
and on a PostgreSQL server of its own (tests/pg.py, fsync on), when one can be started.

    python -m benchmarks.purge_cost [--quick] [--days 31] [--walk-ins 300]
    (also part of `make bench`: python -m benchmarks.run_all --only purge)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from benchmarks.report import Blocks, Table, machine_line, show_blocks, write_blocks
from queue_core.closing import close_day
from queue_core.retention import compact, purge_due
from queue_core.store import Store
from tests.pg import available, running_server
from tests.scenarios.clinic_day import clinic_day_store, play_day

FIRST_DAY = date(2026, 10, 1)


@dataclass(frozen=True)
class PurgeCost:
    store: str
    days: int
    tickets: int
    events: int
    size_before: int
    size_after: int
    erased_tickets: int
    rewritten_events: int
    erase_s: float
    compact_s: float


def _size(store: Store) -> int:
    if store.backend.name == "sqlite":
        return store.path.stat().st_size
    with store.read() as conn:
        return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])


def measure(days: int, walk_ins: int, db: Path | str) -> PurgeCost:
    store, clock = clinic_day_store(db, FIRST_DAY)
    opens = clock()
    for n in range(days):
        clock.now = opens + timedelta(days=n)
        play_day(store, clock, seed=n, walk_ins=walk_ins, step_minutes=3.0)
    close_day(store, "bench")
    with store.read() as conn:
        tickets = int(conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0])
    events = store.last_seq()
    compact(store)  # the month as the store holds it, before anything is erased
    before = _size(store)
    # The morning after the month: the oldest day is one day past the retention.
    morning = opens + timedelta(days=store.config.retention_days + 1)
    started = time.perf_counter()
    done = purge_due(store, "bench", morning)
    erased = time.perf_counter()
    compact(store)
    compacted = time.perf_counter()
    after = _size(store)
    name = "SQLite file" if store.backend.name == "sqlite" else "PostgreSQL"
    store.close()
    assert done is not None and done.first_day == FIRST_DAY.isoformat(), done
    return PurgeCost(
        name,
        days,
        tickets,
        events,
        before,
        after,
        done.tickets,
        done.events,
        erased - started,
        compacted - erased,
    )


def blocks(costs: list[PurgeCost], quick: bool) -> Blocks:
    table = Table(
        (
            "store",
            "days in the store",
            "tickets",
            "events",
            "MB",
            "erased tickets",
            "events rewritten",
            "erase s",
            "compact s",
        ),
        [
            (
                cost.store,
                f"{cost.days}",
                f"{cost.tickets:,}",
                f"{cost.events:,}",
                f"{cost.size_before / 1e6:.1f}",
                f"{cost.erased_tickets:,}",
                f"{cost.rewritten_events:,}",
                f"{cost.erase_s:.2f}",
                f"{cost.compact_s:.2f}",
            )
            for cost in costs
        ],
    )
    return {"purge-cost": [table, machine_line(quick)]}


def run(quick: bool, days: int = 31, walk_ins: int = 300) -> list[PurgeCost]:
    days, walk_ins = (3, 60) if quick else (days, walk_ins)
    with tempfile.TemporaryDirectory() as folder:
        costs = [measure(days, walk_ins, Path(folder) / "month.db")]
    if available() is None:
        with running_server(durable=True) as server:
            costs.append(measure(days, walk_ins, server.fresh_database()))
    return costs


def report(quick: bool) -> Blocks:
    return blocks(run(quick), quick)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="three short days, print only")
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--walk-ins", type=int, default=300)
    args = parser.parse_args(argv)
    costs = run(args.quick, args.days, args.walk_ins)
    found = blocks(costs, args.quick)
    (show_blocks if args.quick else write_blocks)(found)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
