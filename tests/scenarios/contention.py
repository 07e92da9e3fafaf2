"""Many desk processes and the server's writes on one file at full speed: every ticket called
exactly once, and no error reaches a caller.

Each desk process loops over its cycle (issue -> call next -> recall -> finish, two desks to a
queue) for the given seconds; one more process writes call receipts and patients' presence as
fast as it can, as the display server does for screens and phones. Then every desk calls the
rest of its queue until nobody waits, racing the other desk of that queue. Every error reaching
a caller is kept (a refusal by the clinic's rules, such as nobody waiting, is not an error);
each command's latency and each process's share of the commands show whether a writer starves.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import sqlite3
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.synchronize import Barrier
from pathlib import Path

import psycopg

from benchmarks.clinic import ACTOR, SAMPLE_CONFIG, fill
from queue_core import commands, feedback
from queue_core.config import parse_config
from queue_core.errors import QueueError, StoreBusy
from queue_core.events import EventType
from queue_core.model import Ticket
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from tests.oracle import violations

SECONDS = 60.0
DESKS = (4, 8)
BASE_DESKS = (("nk1", "nk-pt"), ("nk2", "nk-pt"), ("wk1", "wk"), ("wk2", "wk"))
EXTRA_DESKS = (("nk3", "nk-pt"), ("nk4", "nk-pt"), ("wk3", "wk"), ("wk4", "wk"))
ALREADY_WAITING = 50
CYCLE = ("issue", "call", "recall", "finish")
SCREENS = ("hall", "nk-area", "wk1-door")  # the sample clinic's registered screens


@dataclass(frozen=True)
class Worker:
    name: str
    commands: int  # completed in the timed loop
    latencies: list[float]  # of those commands
    errors: list[str]
    seconds: float  # how long the timed loop ran
    issued: list[str] = field(default_factory=list)
    called: list[str] = field(default_factory=list)  # as call next returned them, drain included


@dataclass(frozen=True)
class Contention:
    desks: int
    seconds: float
    workers: list[Worker]
    log_violations: list[str]
    waiting_before: list[str]  # the numbers already waiting when the desks began
    logged_calls: list[str]  # the ticket of every call event in the log

    @property
    def desk_workers(self) -> list[Worker]:
        return [w for w in self.workers if w.name != "server"]

    @property
    def desk_latencies(self) -> list[float]:
        return [x for w in self.desk_workers for x in w.latencies]

    @property
    def errors(self) -> list[str]:
        return [e for w in self.workers for e in w.errors]

    @property
    def issued(self) -> list[str]:
        return self.waiting_before + [n for w in self.workers for n in w.issued]

    @property
    def called(self) -> list[str]:
        return [n for w in self.workers for n in w.called]


def clinic_text(desks: int) -> str:
    """The sample clinic, with four more rooms when eight desks are wanted."""
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    for desk, queue in EXTRA_DESKS[: max(0, desks - len(BASE_DESKS))]:
        text += (
            f'\n[[desks]]\nid = "{desk}"\nname = "{desk}"\nroom = "{desk}"\nqueues = ["{queue}"]\n'
        )
    return text


def _attempt(action: Callable[[], object], errors: list[str]) -> tuple[bool, object]:
    """Run one command: whether it was done, and its answer. An error that reaches the caller
    is kept; a refusal by the rules is not an error."""
    try:
        return True, action()
    except StoreBusy as exc:
        errors.append(f"StoreBusy: {exc.message}")
    except QueueError:
        pass
    except (sqlite3.Error, psycopg.Error) as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    return False, None


def _timed(action: Callable[[], object], latencies: list[float], errors: list[str]) -> object:
    before = time.perf_counter()
    done, answer = _attempt(action, errors)
    if done:
        latencies.append(time.perf_counter() - before)
    return answer


def _drain(store: Store, desk: str, called: list[str], errors: list[str]) -> None:
    """Call next until it calls nobody: nobody waits for this desk, or an error (kept) ended it."""
    call = partial(commands.call_next, store, desk, ACTOR)
    while True:
        done, ticket = _attempt(call, errors)
        if not (done and isinstance(ticket, Ticket)):
            return
        called.append(ticket.number)


def desk_loop(
    db: str,
    desk: str,
    queue: str,
    seconds: float,
    cycle: tuple[str, ...],
    start: Barrier,
    out: str,
) -> None:
    latencies: list[float] = []
    errors: list[str] = []
    issued: list[str] = []
    called: list[str] = []
    elapsed = 0.0
    try:
        store = Store.open(db)
        actions: dict[str, Callable[[], object]] = {
            "issue": lambda: issue_ticket(store, queue, ACTOR, name="王小明"),
            "call": lambda: commands.call_next(store, desk, ACTOR),
            "recall": lambda: commands.recall(store, desk, ACTOR),
            "finish": lambda: commands.finish(store, desk, ACTOR),
        }
        start.wait()
        began = time.perf_counter()
        while time.perf_counter() - began < seconds:
            for name in cycle:
                result = _timed(actions[name], latencies, errors)
                if isinstance(result, Ticket) and name in ("issue", "call"):
                    (issued if name == "issue" else called).append(result.number)
        elapsed = time.perf_counter() - began
        _drain(store, desk, called, errors)
        store.close()
    except Exception:
        errors.append(traceback.format_exc())
    worker = Worker(desk, len(latencies), latencies, errors, elapsed, issued, called)
    Path(out).write_text(json.dumps(worker.__dict__))


def server_loop(db: str, seconds: float, start: Barrier, out: str) -> None:
    """Receipts for recent calls from 20 screens and presence from waiting patients' phones."""
    latencies: list[float] = []
    errors: list[str] = []
    rng = random.Random(6)
    elapsed = 0.0
    try:
        store = Store.open(db)
        start.wait()
        began = time.perf_counter()
        while time.perf_counter() - began < seconds:
            with store.read() as conn:
                calls = [
                    r[0]
                    for r in conn.execute(
                        "SELECT seq FROM events WHERE type = 'call' ORDER BY seq DESC LIMIT 20"
                    )
                ]
                tokens = [
                    r[0]
                    for r in conn.execute(
                        "SELECT token FROM tickets WHERE state = 'waiting'"
                        " ORDER BY id DESC LIMIT 20"
                    )
                ]
            for _ in range(20):
                if calls:
                    seq, screen = rng.choice(calls), rng.choice(SCREENS)
                    receipt = partial(feedback.record_receipt, store, seq, screen)
                    _timed(receipt, latencies, errors)
                if tokens:
                    token, status = rng.choice(tokens), rng.choice(["on_my_way", "here"])
                    presence = partial(feedback.record_presence, store, token, status)
                    _timed(presence, latencies, errors)
        elapsed = time.perf_counter() - began
        store.close()
    except Exception:
        errors.append(traceback.format_exc())
    worker = Worker("server", len(latencies), latencies, errors, elapsed)
    Path(out).write_text(json.dumps(worker.__dict__))


def play(
    desks: int,
    seconds: float,
    workdir: Path,
    cycle: tuple[str, ...] = CYCLE,
    server: bool = True,
    database: str | None = None,
) -> Contention:
    """One run: `desks` desk processes on their `cycle`, with the server's writer if `server`,
    on a file in `workdir`, or on the PostgreSQL `database` (an empty one) when given."""
    db: Path | str = database or workdir / f"contention-{desks}.db"
    initialise(db, parse_config(clinic_text(desks)), ACTOR).close()
    store = Store.open(db)
    for queue in ("nk-pt", "wk"):
        fill(store, queue, ALREADY_WAITING)
    with store.read() as conn:
        waiting = [str(r[0]) for r in conn.execute("SELECT number FROM tickets ORDER BY id")]
    store.close()
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(desks + server)
    chosen = (BASE_DESKS + EXTRA_DESKS)[:desks]
    outs = [workdir / f"worker-{desks}-{i}.json" for i in range(desks + server)]
    processes = [
        context.Process(target=desk_loop, args=(str(db), d, q, seconds, cycle, start, str(outs[i])))
        for i, (d, q) in enumerate(chosen)
    ]
    if server:
        processes.append(
            context.Process(target=server_loop, args=(str(db), seconds, start, str(outs[-1])))
        )
    for process in processes:
        process.start()
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a writer process failed with exit code {process.exitcode}")
    workers = [Worker(**json.loads(o.read_text())) for o in outs]
    found, _ = violations(db)
    store = Store.open(db)
    calls = [str(e.ticket) for e in store.events_since(0) if e.type is EventType.CALL]
    store.close()
    return Contention(desks, seconds, workers, found, waiting, calls)


def run(
    seconds: float = SECONDS,
    desks: tuple[int, ...] = DESKS,
    workdir: Path | None = None,
    databases: Callable[[], str] | None = None,
) -> list[Contention]:
    """One run per number of desks; `databases` gives each an empty PostgreSQL database."""
    with tempfile.TemporaryDirectory(prefix="cq-contention-", dir=workdir or Path.cwd()) as tmp:
        return [
            play(n, seconds, Path(tmp), database=databases() if databases else None) for n in desks
        ]
