"""Code that runs in other processes for the concurrency test.

Spawned processes import this module afresh, so it holds only plain functions and no fixtures.
"""

from __future__ import annotations

import traceback
from datetime import datetime
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

from queue_core import commands
from queue_core.errors import NobodyWaiting
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
