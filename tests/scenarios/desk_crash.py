"""A desk process killed with SIGKILL at random points, over and over: no half command stays.

Each round forks a desk process that runs random real commands (every desk action, check-ins,
walk-ins, receipts, presence) on the sample clinic, and kills it a random few milliseconds after
it began. A separate reader process tails the event log the whole time, as the display server
does. After every kill the file must pass every check of `tests.oracle`, and at the end every
event the reader saw must still be in the log, unchanged, with no hole between them.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import random
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event as StopFlag
from pathlib import Path

from benchmarks.clinic import ACTOR, APPOINTMENTS, fill, fresh_clinic
from queue_core import commands, feedback
from queue_core.errors import QueueError
from queue_core.importer import import_appointments
from queue_core.registration import check_in, issue_ticket, set_priority
from queue_core.store import Store
from tests.oracle import violations

KILLS = 1_000
DESKS = ("nk1", "nk2", "nk-zj", "wk1", "wk2")
QUEUES = ("nk-pt", "nk-zj", "wk")


@dataclass(frozen=True)
class CrashResult:
    kills: int
    in_transaction: int  # kills after BEGIN IMMEDIATE, before COMMIT was issued
    in_commit: int  # kills while COMMIT (and its fsync) was running
    commands_done: int
    events: int
    calls: int
    reader_events: int
    reader_holes: int
    violations: list[str]
    seconds: float
    log_lengths: list[int]  # events in the log once prepared, then after every kill


def _pick(store: Store, states: tuple[str, ...], rng: random.Random) -> tuple[str, str] | None:
    """A random ticket of today in one of `states`: (number, token)."""
    with store.read() as conn:
        rows = conn.execute(
            f"SELECT number, token FROM tickets WHERE day = ? AND state IN"
            f" ({','.join('?' * len(states))}) ORDER BY id DESC LIMIT 40",
            (store.today(), *states),
        ).fetchall()
    if not rows:
        return None
    row = rng.choice(rows)
    return str(row[0]), str(row[1])


def _last_call(store: Store) -> int | None:
    with store.read() as conn:
        row = conn.execute("SELECT MAX(seq) FROM events WHERE type = 'call'").fetchone()
    return int(row[0]) if row[0] is not None else None


def random_command(store: Store, rng: random.Random) -> Callable[[], object] | None:
    """One real command of a busy clinic, chosen at random; None when nothing fits right now."""
    desk = rng.choice(DESKS)
    roll = rng.randrange(16)
    if roll < 3:
        queue = rng.choice(QUEUES)
        priority = rng.choice([None, None, None, "elderly", "emergency"])
        return lambda: issue_ticket(store, queue, "triage", name="测试者", priority=priority)
    if roll < 6:
        return lambda: commands.call_next(store, desk, "nurse")
    picks: dict[int, tuple[tuple[str, ...], Callable[[str, str], object]]] = {
        6: (("registered",), lambda n, _: check_in(store, n, "triage")),
        7: (("waiting", "missed"), lambda n, _: commands.call_ticket(store, desk, n, "急诊", "dr")),
        8: (("missed",), lambda n, _: commands.requeue(store, n, "nurse")),
        9: (("called",), lambda _n, _t: commands.send_away(store, desk, "nurse")),
        10: (("away",), lambda n, _: commands.come_back(store, n, "nurse")),
        11: (
            ("waiting",),
            lambda n, _: commands.transfer(
                store, n, commands.transfer_target(store.config, rng.choice(QUEUES)), "nurse"
            ),
        ),
        12: (("waiting", "registered"), lambda n, _: commands.cancel(store, n, "离开", "nurse")),
        13: (("waiting",), lambda n, _: set_priority(store, n, "disabled", "triage")),
        14: (("waiting", "called"), lambda _, t: feedback.record_presence(store, t, "here")),
    }
    if roll in picks:
        states, action = picks[roll]
        ticket = _pick(store, states, rng)
        return (lambda: action(*ticket)) if ticket else None
    other = rng.randrange(5)
    if other == 0:
        return lambda: commands.recall(store, desk, "nurse")
    if other == 1:
        return lambda: commands.skip(store, desk, "nurse")
    if other == 2:
        return lambda: commands.finish(store, desk, "nurse")
    if other == 3:
        call = _last_call(store)
        screen = rng.choice(("hall", "nk-area", "wk1-door"))
        return (lambda: feedback.record_receipt(store, call, screen)) if call else None
    return lambda: (commands.pause if rng.random() < 0.5 else commands.resume)(store, desk, "nurse")


def desk_process(
    db: str, seed: int, ready: StopFlag, phase: Synchronized[int], done: Synchronized[int]
) -> None:
    """Run random commands until killed, noting where each is: 1 in its transaction, 2 in COMMIT."""
    rng = random.Random(seed)
    store = Store.open(Path(db))

    def note(statement: str) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):
            phase.value = 1
        elif statement == "COMMIT" and phase.value == 1:
            phase.value = 2

    store.conn.set_trace_callback(note)
    ready.set()
    while True:
        command = random_command(store, rng)
        if command is None:
            continue
        with contextlib.suppress(QueueError):
            command()
        phase.value = 0
        done.value += 1


def reader_process(db: str, stop: StopFlag, out: str) -> None:
    """Tail the log as the display server does; note every seq seen and every hole."""
    store = Store.open(Path(db))
    seen: list[list[object]] = []
    holes = 0
    last = 0
    while not stop.is_set():
        for event in store.events_since(last):
            if event.seq != last + 1:
                holes += 1
            last = event.seq
            seen.append([event.seq, event.type, event.ticket, event.at])
        time.sleep(0.001)
    store.close()
    Path(out).write_text(json.dumps({"seen": seen, "holes": holes}))


def _reader_mismatch(db: Path, seen: list[list[object]]) -> list[str]:
    store = Store.open(db)
    final = {e.seq: [e.seq, e.type, e.ticket, e.at] for e in store.events_since(0)}
    store.close()
    changed = [row for row in seen if final.get(int(str(row[0]))) != row]
    return (
        [f"the reader saw {len(changed)} events that are not in the final log"] if changed else []
    )


def prepare(workdir: Path) -> Path:
    """The sample clinic with today's appointments imported and a line already waiting."""
    db = fresh_clinic(workdir / "crash.db")
    store = Store.open(db)
    import_appointments(store, APPOINTMENTS, ACTOR)
    for queue in QUEUES:
        fill(store, queue, 20)
    store.close()
    return db


def run(kills: int = KILLS, seed: int = 20261123, workdir: Path | None = None) -> CrashResult:
    with tempfile.TemporaryDirectory(prefix="cq-crash-", dir=workdir or Path.cwd()) as tmp:
        return _run(kills, seed, Path(tmp))


def _run(kills: int, seed: int, tmp: Path) -> CrashResult:
    db = prepare(tmp)
    rng = random.Random(seed)
    fork = multiprocessing.get_context("fork")
    spawn = multiprocessing.get_context("spawn")
    stop = spawn.Event()
    reader = spawn.Process(target=reader_process, args=(str(db), stop, str(tmp / "reader.json")))
    reader.start()
    began = time.perf_counter()
    problems: list[str] = []
    in_transaction = in_commit = commands_done = 0
    log_lengths = [violations(db)[1].events]
    for round_ in range(kills):
        ready = fork.Event()
        counts = fork.RawValue("i", 0), fork.RawValue("i", 0)
        desk = fork.Process(target=desk_process, args=(str(db), seed + round_, ready, *counts))
        desk.start()
        ready.wait(timeout=30)
        time.sleep(rng.uniform(0.002, 0.03))
        desk.kill()
        desk.join(timeout=30)
        if desk.exitcode != -signal.SIGKILL:
            problems.append(f"kill {round_ + 1}: desk exited with {desk.exitcode}")
        in_transaction += counts[0].value == 1
        in_commit += counts[0].value == 2
        commands_done += counts[1].value
        found, facts = violations(db)
        problems += [f"after kill {round_ + 1}: {p}" for p in found]
        log_lengths.append(facts.events)
    stop.set()
    reader.join(timeout=60)
    seconds = time.perf_counter() - began
    report = json.loads((tmp / "reader.json").read_text())
    _, facts = violations(db)
    problems += _reader_mismatch(db, report["seen"])
    return CrashResult(
        kills,
        in_transaction,
        in_commit,
        commands_done,
        facts.events,
        facts.calls,
        len(report["seen"]),
        report["holes"],
        problems,
        seconds,
        log_lengths,
    )
