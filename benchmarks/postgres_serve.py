"""The display server's push on the SQLite file and on PostgreSQL, side by side in one run, and
how soon the screens are current again after PostgreSQL restarts under the server.

For each store, a `clinic-queue serve` process of its own with 20 screens and 500 phones (each
its own ticket in one long line, as benchmarks/server_load.py), and a desk call about every
second from this process: commit -> the first message of that commit at each screen and each
phone. The server tails the file through inotify, and PostgreSQL through LISTEN/NOTIFY
(docs/scaling.md). PostgreSQL is started for the run from Debian's binaries (tests/pg.py) with
fsync and synchronous commit on, on a unix socket.

Then PostgreSQL is stopped and started again while the server and every client stay up: the
recovery is from `pg_ctl start` returning to every screen having the first call committed
after it (the desk retries its call until the database takes it, as a nurse presses again).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.clinic import ACTOR, fresh_clinic
from benchmarks.postgres_store import server_version
from benchmarks.report import Blocks, Table, machine_line, show_blocks
from benchmarks.server_common import (
    HEAD,
    QUEUE,
    Fleet,
    ServerProcess,
    call_after_restart,
    clients_of,
    commit_loop,
    latencies_ms,
    phone_tokens,
    wait_caught_up,
)
from benchmarks.server_load import Stats
from queue_core.backend import DATA_DIR_ENV
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.pg import PgServer, available, running_server

DISPLAYS = 20
PHONES = 500
GAP_S = (0.8, 1.2)
RESTARTS = 3
RECOVERY_LIMIT_S = 60.0


@dataclass(frozen=True)
class Push:
    store: str
    commits: int
    screen: Stats
    phone: Stats
    recoveries_s: list[float]  # PostgreSQL only: one per restart


def _line(target: Path | str, waiting: int) -> Store:
    store = Store.open(fresh_clinic(target))
    for i in range(waiting):
        priority = "elderly" if i % 20 == 19 else None
        issue_ticket(store, QUEUE, ACTOR, name=f"患者{i:05d}", priority=priority)
    return store


def _recover(store: Store, screens: Fleet, pg: PgServer, index: int) -> float:
    back = call_after_restart(store, pg, "nk1" if index % 2 else "nk2")
    current = screens.wait_current(store.last_seq(), RECOVERY_LIMIT_S)
    if current is None:
        raise RuntimeError("the screens did not catch up after the restart")
    return current - back / 1e9


def measure(
    name: str, target: Path | str, workdir: Path, commits: int, pg: PgServer | None = None
) -> Push:
    store = _line(target, HEAD + PHONES + commits + RESTARTS + 50)
    tokens = [t for _, t in phone_tokens(store, PHONES)]
    server = ServerProcess(target)
    server.start()
    screens = Fleet(workdir, server.base, ["/ws/display"] * DISPLAYS, 1)
    crowd = Fleet(workdir, server.base, [f"/ws/ticket/{t}" for t in tokens], 1)
    recoveries: list[float] = []
    try:
        screens.ready()
        crowd.ready()
        time.sleep(1.0)
        since = store.last_seq()
        samples = commit_loop(store, commits, GAP_S, random.Random(1))
        wait_caught_up(server.port, samples[-1][0])
        time.sleep(1.0)
        if pg is not None:
            recoveries = [_recover(store, screens, pg, i) for i in range(RESTARTS)]
        shown = clients_of(screens.finish())
        phoned = clients_of(crowd.finish())
    finally:
        screens.kill()
        crowd.kill()
        server.stop()
        store.close()
    screen = Stats.of(latencies_ms(shown, samples, since))
    phone = Stats.of(latencies_ms(phoned, samples, since))
    return Push(name, commits, screen, phone, recoveries)


def run(quick: bool = False) -> list[Push]:
    reason = available()
    if reason is not None:
        raise SystemExit(f"postgres_serve: {reason}")
    commits = 10 if quick else 60
    with tempfile.TemporaryDirectory(prefix="cq-bench-", dir=Path.cwd()) as tmp:
        work = Path(tmp)
        os.environ[DATA_DIR_ENV] = str(work)  # the server's files on PostgreSQL
        results = [measure("SQLite file", work / "push.db", work, commits)]
        with running_server(durable=True) as pg:
            results.append(measure("PostgreSQL", pg.fresh_database(), work, commits, pg))
    return results


def blocks(results: list[Push], quick: bool = False) -> Blocks:
    columns = (
        "store",
        "calls",
        "screens: median ms",
        "screens: p99 ms",
        f"{PHONES} phones: median ms",
        "phones: p99 ms",
        f"database restart -> screens current, s ({RESTARTS} restarts)",
    )
    rows = []
    for r in results:
        recovery = (
            ", ".join(f"{s:.2f}" for s in r.recoveries_s) if r.recoveries_s else "(no server)"
        )
        rows.append(
            (
                r.store,
                f"{r.commits}",
                f"{r.screen.median:.1f}",
                f"{r.screen.p99:.1f}",
                f"{r.phone.median:.1f}",
                f"{r.phone.p99:.1f}",
                recovery,
            )
        )
    machine = f"{machine_line(quick)} {server_version()}, on the same machine."
    return {"postgres-serve": [machine, Table(columns, rows, left=("store",))]}


def report(quick: bool = False) -> Blocks:
    return blocks(run(quick), quick)


if __name__ == "__main__":
    show_blocks(report("--quick" in sys.argv))
