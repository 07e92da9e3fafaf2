"""Four desk processes on one queue, calling as fast as they can: nobody twice, nothing lost."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from queue_core.config import parse_config
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, MORNING
from tests.core.processes import desk_caller
from tests.oracle import violations

pytestmark = pytest.mark.slow

TICKETS = 1000
DESKS = ("d1", "d2", "d3", "d4")
ONE_QUEUE = "\n".join(
    [
        '[clinic]\nname = "一号队列"\ntimezone = "Asia/Shanghai"',
        '[[queues]]\nid = "q"\nname = "内科"\nprefix = "A"',
        *(f'[[desks]]\nid = "{d}"\nname = "{d}"\nqueues = ["q"]' for d in DESKS),
        '[[priority]]\nid = "elderly"\nname = "老年人"\nmax_ahead = 3',
    ]
)


def test_four_desk_processes_call_every_ticket_exactly_once(tmp_path: Path) -> None:
    db = tmp_path / "one-queue.db"
    initialise(db, parse_config(ONE_QUEUE), ACTOR, now=MORNING).close()
    store = Store.open(db, clock=lambda: MORNING)
    issued = [
        issue_ticket(store, "q", ACTOR, priority="elderly" if i % 7 == 0 else None).number
        for i in range(TICKETS)
    ]
    first_call_seq = store.last_seq() + 1
    store.close()

    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(DESKS) + 1)
    results: multiprocessing.Queue[tuple[str, list[str], list[str]]] = context.Queue()
    workers = [
        context.Process(
            target=desk_caller, args=(str(db), desk, MORNING.isoformat(), start, results)
        )
        for desk in DESKS
    ]
    for worker in workers:
        worker.start()
    start.wait(timeout=60)
    reports = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0

    errors = [e for _, _, errs in reports for e in errs]
    assert errors == []
    called = [number for _, numbers, _ in reports for number in numbers]
    assert len(called) == TICKETS
    assert sorted(called) == sorted(issued)
    # SQLite's lock is not fair: one desk may take most calls, but they must have contended.
    share = {desk: len(numbers) for desk, numbers, _ in reports}
    assert sum(1 for n in share.values() if n) >= 2, share

    store = Store.open(db)
    events = store.events_since(first_call_seq - 1)
    store.close()
    calls = [e.ticket for e in events if e.type == "call"]
    assert sorted(calls) == sorted(issued)  # type: ignore[type-var]
    assert violations(db)[0] == []
