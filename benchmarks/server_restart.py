"""The server is killed (SIGKILL, then SIGTERM) under 20 screens and 5,000 phones.

Desks keep working while it is down (two calls land in the log), then it is started again on
the same port at once. Clients reconnect as the pages do (backoff with jitter, `?since=`).
Figures: seconds until the last client has seen the newest event, and, over the whole run,
messages missed or received twice by any client.
"""

from __future__ import annotations

import random
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.report import Blocks, Table, show_blocks
from benchmarks.server_common import (
    HEAD,
    Fleet,
    ServerProcess,
    call_at,
    calm,
    clients_of,
    clinic_with_line,
    commit_loop,
    phone_tokens,
    wait_caught_up,
)
from tests.scenarios.restart import check_clients

DISPLAYS = 20
GOAL_S = 5.0
LIMIT_S = 60.0


@dataclass(frozen=True)
class Restart:
    signal_name: str
    stop_s: float  # from the signal to the old process gone
    from_kill_s: float | None  # from the signal to the last client current
    from_ready_s: float | None  # from the new server listening to the last client current


@dataclass(frozen=True)
class Outcome:
    displays: int
    phones: int
    restarts: list[Restart]
    reconnects: int
    missed: int
    duplicated: int
    wrong_place: int


def run(quick: bool = False) -> Outcome:
    phones = 300 if quick else 5_000
    with tempfile.TemporaryDirectory(prefix="cq-server-", dir=Path.cwd()) as tmp:
        workdir = Path(tmp)
        db = workdir / "restart.db"
        store = clinic_with_line(db, HEAD + phones + 50)
        pairs = phone_tokens(store, phones)
        ids = {token: ticket_id for ticket_id, token in pairs}
        if not quick:
            calm()
        server = ServerProcess(db)
        server.start()
        screens = Fleet(workdir, server.base, ["/ws/display"] * DISPLAYS, 1)
        crowd = Fleet(
            workdir, server.base, [f"/ws/ticket/{t}" for _, t in pairs], -(-phones // 1000)
        )
        rng = random.Random(3)
        restarts: list[Restart] = []
        try:
            screens.ready()
            crowd.ready()
            commit_loop(store, 2, (0.2, 0.3), rng)
            for signum in (signal.SIGKILL, signal.SIGTERM):
                wait_caught_up(server.port, store.last_seq())
                killed = time.time()
                stop_s = server.stop(signum)
                for index in range(2):
                    call_at(store, index)  # the desks work on while the server is down
                target = store.last_seq()
                ready = server.start()
                current = [f.wait_current(target, LIMIT_S) for f in (screens, crowd)]
                last = None if None in current else max(c for c in current if c is not None)
                restarts.append(
                    Restart(
                        signal.Signals(signum).name,
                        stop_s,
                        None if last is None else last - killed,
                        None if last is None else last - ready,
                    )
                )
                commit_loop(store, 2, (0.2, 0.3), rng)
            wait_caught_up(server.port, store.last_seq())
            time.sleep(1.0)
            clients = clients_of(screens.finish()) + clients_of(crowd.finish())
        finally:
            screens.kill()
            crowd.kill()
            server.stop()
        missed, duplicated, wrong = check_clients(store, clients, ids)
        store.close()
    reconnects = sum(c["opens"] - 1 for c in clients)
    return Outcome(DISPLAYS, phones, restarts, reconnects, missed, duplicated, wrong)


def _seconds(value: float | None) -> str:
    return "never (60 s)" if value is None else f"{value:.2f}"


def blocks(outcome: Outcome) -> Blocks:
    columns = (
        "signal",
        "old process gone s",
        "last client current, from the signal s",
        "from the new server listening s",
    )
    rows = [
        (r.signal_name, f"{r.stop_s:.2f}", _seconds(r.from_kill_s), _seconds(r.from_ready_s))
        for r in outcome.restarts
    ]
    return {
        "server-restart": [
            Table(columns, rows, left={"signal"}),
            f"Over both restarts: {outcome.reconnects:,} reconnections; display event messages "
            f"missed: {outcome.missed}; messages received twice: {outcome.duplicated}; phones "
            f"whose last shown place differs from the board: {outcome.wrong_place}.",
        ]
    }


if __name__ == "__main__":
    show_blocks(blocks(run(quick="--quick" in sys.argv)))
