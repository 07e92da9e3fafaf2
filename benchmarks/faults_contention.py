"""Scenario 2: 4 and 8 desk processes plus the server's receipts and presence, all at full speed.

Each desk process loops issue -> call next -> (recall) -> finish on its queue; one more process
writes call receipts and patients' presence as fast as it can, as the display server does for
screens and phones. Every error reaching a caller is counted (a refusal by the clinic's rules,
such as nobody waiting, is not an error); the figures are desk-command latency and each
process's share of the commands, which shows whether any writer starves.

    python -m benchmarks.faults_contention [--seconds 60] [--desks 4 8]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sqlite3
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.synchronize import Barrier
from pathlib import Path

from benchmarks.clinic import ACTOR, SAMPLE_CONFIG, fill
from benchmarks.report import median_ms, percentile_ms
from queue_core import commands, feedback
from queue_core.config import parse_config
from queue_core.errors import QueueError, StoreBusy
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from tests.oracle import violations

SECONDS = 60.0
BASE_DESKS = (("nk1", "nk-pt"), ("nk2", "nk-pt"), ("wk1", "wk"), ("wk2", "wk"))
EXTRA_DESKS = (("nk3", "nk-pt"), ("nk4", "nk-pt"), ("wk3", "wk"), ("wk4", "wk"))
ALREADY_WAITING = 50


@dataclass(frozen=True)
class Worker:
    name: str
    commands: int
    latencies: list[float]
    errors: list[str]


@dataclass(frozen=True)
class Contention:
    desks: int
    seconds: float
    workers: list[Worker]
    log_violations: list[str]

    @property
    def desk_latencies(self) -> list[float]:
        return [x for w in self.workers if w.name != "server" for x in w.latencies]

    @property
    def errors(self) -> list[str]:
        return [e for w in self.workers for e in w.errors]


def clinic_text(desks: int) -> str:
    """The sample clinic, with four more rooms when eight desks are wanted."""
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    for desk, queue in EXTRA_DESKS[: max(0, desks - len(BASE_DESKS))]:
        text += (
            f'\n[[desks]]\nid = "{desk}"\nname = "{desk}"\nroom = "{desk}"\nqueues = ["{queue}"]\n'
        )
    return text


def _timed(
    action: Callable[[], object], latencies: list[float], errors: list[str]
) -> object | None:
    """Run one command; an error that reaches the caller is kept, a rules refusal is not."""
    before = time.perf_counter()
    try:
        result = action()
    except StoreBusy as exc:
        errors.append(f"StoreBusy: {exc.message}")
        return None
    except QueueError:
        return None
    except sqlite3.Error as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
        return None
    latencies.append(time.perf_counter() - before)
    return result


def desk_loop(db: str, desk: str, queue: str, seconds: float, start: Barrier, out: str) -> None:
    latencies: list[float] = []
    errors: list[str] = []
    try:
        store = Store.open(Path(db))
        cycle: tuple[Callable[[], object], ...] = (
            lambda: issue_ticket(store, queue, ACTOR, name="王小明"),
            lambda: commands.call_next(store, desk, ACTOR),
            lambda: commands.recall(store, desk, ACTOR),
            lambda: commands.finish(store, desk, ACTOR),
        )
        start.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            for action in cycle:
                _timed(action, latencies, errors)
        store.close()
    except Exception:
        errors.append(traceback.format_exc())
    Path(out).write_text(json.dumps(Worker(desk, len(latencies), latencies, errors).__dict__))


def server_loop(db: str, seconds: float, start: Barrier, out: str) -> None:
    """Receipts for recent calls from 20 screens and presence from waiting patients' phones."""
    latencies: list[float] = []
    errors: list[str] = []
    rng = random.Random(6)
    try:
        store = Store.open(Path(db))
        start.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
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
                    seq, screen = rng.choice(calls), f"tv-{rng.randrange(20)}"
                    receipt = partial(feedback.record_receipt, store, seq, screen)
                    _timed(receipt, latencies, errors)
                if tokens:
                    token, status = rng.choice(tokens), rng.choice(["on_my_way", "here"])
                    presence = partial(feedback.record_presence, store, token, status)
                    _timed(presence, latencies, errors)
        store.close()
    except Exception:
        errors.append(traceback.format_exc())
    Path(out).write_text(json.dumps(Worker("server", len(latencies), latencies, errors).__dict__))


def measure(desks: int, seconds: float, workdir: Path) -> Contention:
    db = workdir / f"contention-{desks}.db"
    initialise(db, parse_config(clinic_text(desks)), ACTOR).close()
    store = Store.open(db)
    for queue in ("nk-pt", "wk"):
        fill(store, queue, ALREADY_WAITING)
    store.close()
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(desks + 1)
    chosen = (BASE_DESKS + EXTRA_DESKS)[:desks]
    outs = [workdir / f"worker-{desks}-{i}.json" for i in range(desks + 1)]
    processes = [
        context.Process(target=desk_loop, args=(str(db), d, q, seconds, start, str(outs[i])))
        for i, (d, q) in enumerate(chosen)
    ]
    processes.append(
        context.Process(target=server_loop, args=(str(db), seconds, start, str(outs[-1])))
    )
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    workers = [Worker(**json.loads(o.read_text())) for o in outs]
    found, _ = violations(db)
    return Contention(desks, seconds, workers, found)


def run(
    quick: bool = False, seconds: float | None = None, desks: tuple[int, ...] = (4, 8)
) -> list[Contention]:
    length = seconds if seconds is not None else (3.0 if quick else SECONDS)
    with tempfile.TemporaryDirectory(prefix="cq-contention-", dir=Path.cwd()) as tmp:
        return [measure(n, length, Path(tmp)) for n in desks]


def markdown(results: list[Contention]) -> str:
    lines = [
        "### Contention: desks and the server writing at full speed (goal: 0 errors)",
        "",
        "Each desk process loops issue -> call next -> recall -> finish; one more process",
        "writes call receipts (20 screens) and presence (phones) as fast as it can. Latency is",
        "per desk command, waiting for the writer gate included; share is each process's part",
        "of all commands (desks first, the server last). Writers queue at a `flock` on",
        "`<db>.lock` before `BEGIN IMMEDIATE` (`queue_core/writer_gate.py`): with SQLite's busy",
        "handler alone a desk that has just committed wins again, and others wait for seconds.",
        "",
        "| desks | seconds | desk commands | server writes | errors | p50 ms | p99 ms | max ms "
        "| shares | log violations |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        total = sum(w.commands for w in r.workers)
        server = next(w for w in r.workers if w.name == "server")
        shares = " / ".join(f"{w.commands / total:.0%}" for w in r.workers)
        latencies = r.desk_latencies
        lines.append(
            f"| {r.desks} | {r.seconds:.0f} | {len(latencies):,} | {server.commands:,} "
            f"| {len(r.errors)} | {median_ms(latencies):.2f} "
            f"| {percentile_ms(latencies, 0.99):.2f} | {max(latencies) * 1000:.1f} "
            f"| {shares} | {len(r.log_violations)} |"
        )
    errors = [e for r in results for e in r.errors][:5]
    return "\n".join(
        lines + ([""] + [f"- `{e.splitlines()[-1]}`" for e in errors] if errors else [])
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--desks", type=int, nargs="+", default=[4, 8])
    args = parser.parse_args()
    print(markdown(run(seconds=args.seconds, desks=tuple(args.desks))))


if __name__ == "__main__":
    main()
