"""What every server benchmark shares: a real server process, fleets of client processes, a clinic.

The server runs as `clinic-queue serve` in its own process (so it can be killed and its memory
read); clients run in other processes (benchmarks/server_fleet.py); this process commits desk
commands through the core and notes `time.time_ns()` right after each returns.
"""

from __future__ import annotations

import bisect
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from benchmarks.clinic import ACTOR, fresh_clinic
from benchmarks.report import ROOT
from queue_core import commands
from queue_core.errors import QueueError
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.pg import PgServer

QUEUE = "nk-pt"
DESKS = ("nk1", "nk2")  # both serve nk-pt: every call moves every phone of that line
HEAD = 300  # tickets ahead of the first phone, so calls never reach a benchmarked phone
Sample = tuple[int, int]  # (commit's last seq, commit time ns)
MARKERS = ("ahead", "estimate")  # notes the fleet adds after a message, not messages


def clinic_with_line(target: Path | str, waiting: int) -> Store:
    """The sample clinic with `waiting` walk-ins in nk-pt, every 20th elderly, in the file at
    `target` or the PostgreSQL database at that address."""
    store = Store.open(fresh_clinic(target))
    with _unflushed(store):
        for i in range(waiting):
            priority = "elderly" if i % 20 == 19 else None
            issue_ticket(store, QUEUE, ACTOR, name=f"患者{i:05d}", priority=priority)
    return store


@contextmanager
def _unflushed(store: Store) -> Iterator[None]:
    """Commits that do not wait for the disk, for a set-up whose flushes are not measured."""
    postgres = store.backend.name != "sqlite"
    store.conn.execute("SET synchronous_commit = off" if postgres else "PRAGMA synchronous = OFF")
    try:
        yield
    finally:
        store.conn.execute("RESET synchronous_commit" if postgres else "PRAGMA synchronous = FULL")


def call_after_restart(store: Store, pg: PgServer, desk: str) -> int:
    """PostgreSQL stopped and started again under whatever follows it, then a call at `desk`,
    pressed again until the database takes it, as a nurse does; time.time_ns() when `pg_ctl
    start` returned."""
    pg.stop()
    pg.start()
    back = time.time_ns()
    while True:
        try:
            commands.call_next(store, desk, ACTOR)
            return back
        except QueueError:
            time.sleep(0.01)


def phone_tokens(store: Store, count: int, behind: int = HEAD) -> list[tuple[int, str]]:
    """(ticket id, token) of `count` waiting tickets behind the first `behind` of the line."""
    with store.read() as conn:
        rows = conn.execute(
            "SELECT id, token FROM tickets WHERE state = 'waiting' AND queue = ?"
            " ORDER BY sort_key LIMIT ? OFFSET ?",
            (QUEUE, count, behind),
        ).fetchall()
    return [(int(r[0]), str(r[1])) for r in rows]


class ServerProcess:
    """`clinic-queue serve` on 127.0.0.1; the first start picks a port, restarts reuse it.
    `db`: the file, or a PostgreSQL database's address."""

    def __init__(self, db: Path | str, port: int = 0, log: Path | None = None) -> None:
        """`log`: where its stderr goes (appended to), for reading after; else this one's."""
        self.db = db
        self.port = port
        self.log = log
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> float:
        """Start and wait for `Serving on`; returns the time.time() it was ready."""
        with ExitStack() as opened:
            log = None if self.log is None else opened.enter_context(self.log.open("a"))
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "clinic_queue", "--db", str(self.db), "serve"),
                    *("--host", "127.0.0.1", "--port", str(self.port)),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("Serving on"):
            raise RuntimeError(f"server did not start: {line!r}")
        self.port = int(line.strip().rsplit(":", 1)[1])
        return time.time()

    @property
    def base(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def rss_kib(self) -> int:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 30) -> float:
        """Send `signum`, wait for the exit; returns the seconds it took."""
        assert self.process is not None
        began = time.monotonic()
        self.process.send_signal(signum)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return time.monotonic() - began


class Fleet:
    """Client processes (server_fleet.py), each with its share of paths."""

    def __init__(
        self,
        workdir: Path,
        base: str,
        paths: Sequence[str],
        processes: int,
        module: str = "benchmarks.server_fleet",
        **spec: Any,
    ):
        """`module`: the client program, which speaks server_fleet.py's stdin protocol."""
        self.children: list[tuple[subprocess.Popen[str], Path]] = []
        shares = [list(paths[i::processes]) for i in range(processes)]
        for index, share in enumerate(s for s in shares if s or spec.get("poll")):
            spec_path = workdir / f"fleet-{id(self)}-{index}.json"
            out = workdir / f"fleet-{id(self)}-{index}.out.json"
            spec_path.write_text(
                json.dumps({"base": base, "paths": share, "seed": index, **spec}), "utf-8"
            )
            child = subprocess.Popen(
                [sys.executable, "-m", module, str(spec_path), str(out)],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            self.children.append((child, out))
            spec = {k: v for k, v in spec.items() if k != "poll"}  # one poller is enough

    @property
    def pids(self) -> list[int]:
        return [c.pid for c, _ in self.children]

    def ready(self) -> None:
        for child, _ in self.children:
            assert child.stdout is not None
            line = child.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(f"a client process failed to connect: {line!r}")

    def tell(self, line: str) -> None:
        for child, _ in self.children:
            assert child.stdin is not None
            child.stdin.write(line + "\n")
            child.stdin.flush()

    def current(self, target: int) -> tuple[int, int]:
        """How many clients have seen `target` or later, of how many."""
        self.tell(f"current {target}")
        done = total = 0
        for child, _ in self.children:
            assert child.stdout is not None
            _, current, count = child.stdout.readline().split()
            done, total = done + int(current), total + int(count)
        return done, total

    def wait_current(self, target: int, limit_s: float) -> float | None:
        """time.time() when every client had seen `target`, or None past `limit_s`."""
        end = time.monotonic() + limit_s
        while time.monotonic() < end:
            done, total = self.current(target)
            if done == total:
                return time.time()
            time.sleep(0.05)
        return None

    def finish(self) -> list[dict[str, Any]]:
        """Stop every client process; returns each client's record and the polling screen's."""
        self.tell("stop")
        results: list[dict[str, Any]] = []
        for child, out in self.children:
            child.wait(120)
            results.append(json.loads(out.read_text("utf-8")))
        return results

    def kill(self) -> None:
        for child, _ in self.children:
            if child.poll() is None:
                os.kill(child.pid, signal.SIGCONT)
                child.kill()
                child.wait()


def clients_of(results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for r in results for c in r["clients"]]


def commit_loop(
    store: Store,
    count: int,
    gap_s: tuple[float, float],
    rng: random.Random,
    action: Callable[[Store, int], object] | None = None,
) -> list[Sample]:
    """`count` desk commands a random gap apart: (last seq, time.time_ns() right after)."""
    samples: list[Sample] = []
    act = action or call_at
    for index in range(count):
        time.sleep(rng.uniform(*gap_s))
        act(store, index)
        at = time.time_ns()
        samples.append((store.last_seq(), at))
    return samples


def call_at(store: Store, index: int) -> object:
    return commands.call_next(store, DESKS[index % len(DESKS)], ACTOR)


def latencies_ms(
    clients: Iterable[dict[str, Any]],
    samples: list[Sample],
    since: int,
    estimates: bool | None = None,
) -> list[float]:
    """Per client and commit, commit -> the first message of that commit that arrived.

    `since` is the log's last seq before the first commit: older messages belong to no commit.
    `estimates`: None counts every message; False leaves out `pos` messages that moved only the
    estimate (the fleet marks them), True counts only those.
    """
    return [ms for _, ms in arrivals_ms(clients, samples, since, estimates)]


def arrivals_ms(
    clients: Iterable[dict[str, Any]],
    samples: list[Sample],
    since: int,
    estimates: bool | None = None,
) -> list[tuple[int, float]]:
    """`latencies_ms` with the index of the commit each latency belongs to."""
    ends = [s for s, _ in samples]
    out: list[tuple[int, float]] = []
    for client in clients:
        seen: set[int] = set()
        marked = {(seq, at) for kind, seq, at, _ in client["messages"] if kind == "estimate"}
        for kind, seq, at, _ in client["messages"]:
            if seq is None or kind in MARKERS:
                continue
            if estimates is not None and estimates != (kind == "pos" and (seq, at) in marked):
                continue
            index = bisect.bisect_left(ends, seq)
            first = ends[index - 1] if index else since
            if index == len(ends) or seq <= first or index in seen:
                continue
            seen.add(index)
            out.append((index, (at - samples[index][1]) / 1e6))
    return out


def poll_delays_ms(polls: list[list[int]], samples: list[Sample]) -> list[float]:
    """For each commit, when a 2 s polling screen first showed it."""
    out: list[float] = []
    for seq, at in samples:
        later = [t for s, t in polls if s >= seq and t >= at]
        if later:
            out.append((min(later) - at) / 1e6)
    return out


def sizes_by_type(clients: Iterable[dict[str, Any]]) -> dict[str, list[int]]:
    sizes: dict[str, list[int]] = {}
    for client in clients:
        for kind, _, _, size in client["messages"]:
            if kind not in MARKERS:
                sizes.setdefault(kind, []).append(size)
    return sizes


def wait_caught_up(base_port: int, seq: int, limit_s: float = 30) -> None:
    """Until the server's feeds have sent `seq` (its /healthz says so)."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        with urllib.request.urlopen(f"http://127.0.0.1:{base_port}/healthz", timeout=5) as r:
            if json.loads(r.read())["seq"] >= seq:
                return
        time.sleep(0.02)
    raise RuntimeError("the server did not catch up with the log")


def health(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
        body: dict[str, Any] = json.loads(r.read())
        return body


def calm(limit_s: float = 90, below: float = 1.0) -> float:
    """Wait (up to `limit_s`) for the shared machine's 1-minute load to drop; returns it."""
    end = time.monotonic() + limit_s
    while os.getloadavg()[0] >= below and time.monotonic() < end:
        time.sleep(2)
    return os.getloadavg()[0]
