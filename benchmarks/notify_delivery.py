"""Notifications: from the commit of a call to the webhook's receipt, while thousands of phones
are connected, and how many notifications a second the server delivers from a backlog.

The server runs as `clinic-queue serve` in its own process with one webhook; the receiver is a
real HTTP server in this process (a thread per request) that notes `time.time_ns()` when each
request has arrived, as the commit loop notes it right after each call returns. The phones are
server_fleet.py's client processes, as in server_load.py. The goal (issue 20): a call reaches
the webhook within p99 <= 200 ms with 5,000 phones connected.
"""

from __future__ import annotations

import bisect
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks.clinic import ACTOR, SAMPLE_CONFIG
from benchmarks.report import Blocks, Table, machine_line, percentile, show_blocks, verdict
from benchmarks.report import write_blocks as write
from benchmarks.server_common import (
    DESKS,
    QUEUE,
    Fleet,
    ServerProcess,
    calm,
    clinic_with_line,
    phone_tokens,
)
from queue_core import commands
from queue_core.config import parse_config
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store

GOAL_P99_MS = 200.0
GAP_S = (0.8, 1.2)  # a call a second, as server_load.py
SECRET = "benchmark-webhook-secret"
SLOW_ANSWER_S = 0.05  # a messaging platform that takes 50 ms to answer


@dataclass(frozen=True)
class Latency:
    phones: int
    calls: int
    commit_ms: float  # median time a call takes to commit, with the outbox
    called: list[float]  # commit -> `called` received, ms
    others: list[float]  # commit -> the other notifications of the same call, ms
    kinds: dict[str, int]  # how many of each kind the calls caused


@dataclass(frozen=True)
class Drain:
    backlog: int
    answer_ms: float
    seconds: float  # the first notification received to the last

    @property
    def per_second(self) -> float:
        """From the first notification received to the last: the server's start not counted."""
        return (self.backlog - 1) / self.seconds


class Receiver:
    """Takes every POST with a 200 after `delay_s`; (kind, seq, received ns) of each."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.got: list[tuple[str, int, int]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                at = time.time_ns()
                payload = json.loads(body)
                with receiver.lock:
                    receiver.got.append((payload["kind"], payload["seq"], at))
                if delay_s:
                    time.sleep(delay_s)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def count(self) -> int:
        with self.lock:
            return len(self.got)


@contextmanager
def receiving(delay_s: float = 0.0) -> Iterator[Receiver]:
    receiver = Receiver(delay_s)
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def with_webhook(db: Path, url: str) -> None:
    """The clinic's file gains the webhook, as a clinic's `init` with a new file would."""
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    text += f'\n[[notify.webhook]]\nname = "sms"\nurl = "{url}"\nsecret = "{SECRET}"\n'
    initialise(db, parse_config(text, "benchmark"), ACTOR).close()


def wait_for(receiver: Receiver, count: int, limit_s: float = 120) -> float:
    """time.monotonic() once the receiver holds `count` requests."""
    end = time.monotonic() + limit_s
    while receiver.count() < count:
        if time.monotonic() > end:
            raise RuntimeError(f"the webhook got {receiver.count()} of {count} notifications")
        time.sleep(0.005)
    return time.monotonic()


def latency(workdir: Path, phones: int, calls: int) -> Latency:
    db = workdir / f"latency-{phones}.db"
    store = clinic_with_line(db, 300 + phones + calls * 2)
    tokens = [t for _, t in phone_tokens(store, phones, behind=300)]
    store.close()
    with receiving() as receiver:
        with_webhook(db, receiver.url)
        store = Store.open(db)
        server = ServerProcess(db)
        server.start()
        crowd = Fleet(workdir, server.base, [f"/ws/ticket/{t}" for t in tokens], 5)
        try:
            crowd.ready()
            time.sleep(1.0)
            rng = random.Random(phones)
            samples: list[tuple[int, int]] = []
            commit_s: list[float] = []
            for index in range(calls):
                time.sleep(rng.uniform(*GAP_S))
                began = time.perf_counter()
                commands.call_next(store, DESKS[index % len(DESKS)], ACTOR)
                commit_s.append(time.perf_counter() - began)
                samples.append((store.last_seq(), time.time_ns()))
            with store.read() as conn:
                rows = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
            wait_for(receiver, rows)
            crowd.finish()
        finally:
            crowd.kill()
            server.stop()
            store.close()
    ends = [s for s, _ in samples]
    called: list[float] = []
    others: list[float] = []
    kinds: dict[str, int] = {}
    for kind, seq, at in receiver.got:
        index = bisect.bisect_left(ends, seq)
        if index == len(ends) or (index and seq <= ends[index - 1]):
            continue
        (called if kind == "called" else others).append((at - samples[index][1]) / 1e6)
        kinds[kind] = kinds.get(kind, 0) + 1
    return Latency(phones, calls, statistics.median(commit_s) * 1000, called, others, kinds)


def drain(workdir: Path, backlog: int, delay_s: float) -> Drain:
    """`backlog` notifications written while the server was down, delivered after it starts."""
    db = workdir / f"drain-{backlog}-{delay_s}.db"
    clinic_with_line(db, 0).close()
    with receiving(delay_s) as receiver:
        with_webhook(db, receiver.url)
        store = Store.open(db)
        store.conn.execute("PRAGMA synchronous = OFF")  # setup only
        while True:
            with store.read() as conn:
                if conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] >= backlog:
                    break
            issue_ticket(store, QUEUE, ACTOR)
        with store.read() as conn:
            total = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        store.close()
        server = ServerProcess(db)
        try:
            server.start()
            wait_for(receiver, total)
        finally:
            server.stop()
    times = [at for _, _, at in receiver.got]
    return Drain(total, delay_s * 1000, (max(times) - min(times)) / 1e9)


def run(quick: bool) -> tuple[str, list[Latency], list[Drain]]:
    machine = machine_line(quick)  # the load before the run, not after it
    counts = (0, 500) if quick else (0, 5_000)
    calls = 10 if quick else 60
    with tempfile.TemporaryDirectory(prefix="cq-notify-", dir=Path.cwd()) as tmp:
        workdir = Path(tmp)
        runs = []
        for phones in counts:
            if not quick:
                calm()
            runs.append(latency(workdir, phones, calls))
        backlog = 200 if quick else 2_000
        drains = [drain(workdir, backlog, delay) for delay in (0.0, SLOW_ANSWER_S)]
    return machine, runs, drains


def _stats(values: list[float]) -> list[str]:
    return [f"{statistics.median(values):.1f}", f"{percentile(values, 0.99):.1f}"]


def blocks(machine: str, runs: list[Latency], drains: list[Drain]) -> Blocks:
    latencies = Table(
        [
            "phones connected",
            "calls",
            "commit ms (median)",
            "`called` median ms",
            "p99 ms",
            "other notifications of the calls",
            "their median ms",
            "p99 ms",
        ],
        [
            [
                f"{r.phones:,}",
                str(len(r.called)),
                f"{r.commit_ms:.1f}",
                *_stats(r.called),
                ", ".join(f"{n:,} {k}" for k, n in sorted(r.kinds.items()) if k != "called"),
                *_stats(r.others),
            ]
            for r in runs
        ],
    )
    throughput = Table(
        ["backlog", "receiver answers in", "drained in s", "notifications/s"],
        [
            [f"{d.backlog:,}", f"{d.answer_ms:.0f} ms", f"{d.seconds:.2f}", f"{d.per_second:,.0f}"]
            for d in drains
        ],
    )
    largest = runs[-1]
    p99 = percentile(largest.called, 0.99)
    goal = (
        f"- A call notified to the webhook with {largest.phones:,} phones connected: p99 "
        f"{p99:.0f} ms (goal {GOAL_P99_MS:.0f} ms): {verdict(p99 <= GOAL_P99_MS)}."
    )
    return {
        "notify-machine": [machine],
        "notify-latency": [latencies, goal],
        "notify-throughput": [throughput],
    }


def report(quick: bool) -> Blocks:
    return blocks(*run(quick))


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    (show_blocks if quick else write)(report(quick))
