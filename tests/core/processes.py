"""Code that runs in other processes for the concurrency and crash tests.

Spawned processes import this module afresh, so it holds only plain functions and no fixtures.
"""

from __future__ import annotations

import random
import sys
import traceback
from datetime import datetime
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

from queue_core import commands
from queue_core.errors import NobodyWaiting, QueueError
from queue_core.registration import issue_ticket
from queue_core.store import Store

WORKER = "worker"


def desk_caller(
    db: str, desk: str, at: str, start: Barrier, results: Queue[tuple[str, list[str], list[str]]]
) -> None:
    """Call next as fast as possible until nobody is waiting; report calls and any error text.

    All desks pass `start` together, so the calls really contend for the one queue.
    """
    called: list[str] = []
    errors: list[str] = []
    moment = datetime.fromisoformat(at)
    try:
        store = Store.open(Path(db), clock=lambda: moment)
        start.wait()
        while True:
            try:
                called.append(commands.call_next(store, desk, WORKER).number)
            except NobodyWaiting:
                break
        store.close()
    except BaseException:
        errors.append(traceback.format_exc())
    results.put((desk, called, errors))


def busy_clinic(db: str, seed: int) -> None:
    """Run random desk commands forever (until killed), printing 'ready' once it has begun."""
    rng = random.Random(seed)
    store = Store.open(Path(db))
    desks = ["nk1", "nk2", "nk-zj", "wk1", "wk2"]
    print("ready", flush=True)
    while True:
        desk = rng.choice(desks)
        action = rng.randrange(8)
        try:
            if action < 3:
                queue = rng.choice(["nk-pt", "nk-zj", "wk"])
                priority = rng.choice([None, None, None, "elderly"])
                issue_ticket(store, queue, WORKER, name="测试者", priority=priority)
            elif action == 3:
                commands.call_next(store, desk, WORKER)
            elif action == 4:
                commands.skip(store, desk, WORKER)
            elif action == 5:
                missed = _some(store, "missed")
                if missed:
                    commands.requeue(store, missed, WORKER)
            elif action == 6:
                commands.finish(store, desk, WORKER)
            else:
                commands.recall(store, desk, WORKER)
        except QueueError:
            pass


def _some(store: Store, state: str) -> str | None:
    with store.read() as conn:
        row = conn.execute(
            "SELECT number FROM tickets WHERE state = ? AND day = ? ORDER BY random() LIMIT 1",
            (state, store.today()),
        ).fetchone()
    return str(row[0]) if row else None


if __name__ == "__main__":
    busy_clinic(sys.argv[1], int(sys.argv[2]))
