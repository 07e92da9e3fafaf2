"""Commit -> message received for 20 screens and 1,000 / 5,000 phones, against a 2 s polling screen.

Every phone holds its own ticket in one long line (nk-pt) behind the first 400, and every desk
call moves that line: the worst case, not the average. Far back a phone hears of its place in
steps (docs/protocol.md), so a call messages some of them; a call that moves the day's median
visit moves every estimate, and then every phone gets a message.
Screens and one polling screen (GET /healthz every 2 s) run in one client process, the
phones in several more; the server is a `clinic-queue serve` process of its own.
"""

from __future__ import annotations

import math
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.clinic import ACTOR
from benchmarks.report import Blocks, Table, percentile, show_blocks
from benchmarks.server_common import (
    DESKS,
    HEAD,
    MARKERS,
    Fleet,
    ServerProcess,
    arrivals_ms,
    calm,
    clients_of,
    clinic_with_line,
    commit_loop,
    latencies_ms,
    phone_tokens,
    poll_delays_ms,
    sizes_by_type,
    wait_caught_up,
)
from queue_core import commands
from queue_core.store import Store

DISPLAYS = 20
GAP_S = (0.8, 1.2)  # a desk call every second on one line: faster than any real clinic
PAUSES = 10  # then a desk pauses and resumes this many times (even: it ends open)
REPEATS = 3  # runs at the largest number of phones: this machine is noisy, the median is quoted
LINE_HEAD = HEAD + 100  # tickets ahead of the phones: more than all the runs' calls together
PHONE_MESSAGES = ("pos", "called", "alert", "state", "presence")
DISPLAY_GOAL_MS, PHONE_GOAL_MS, MEMORY_GOAL_KIB, PHONE_BYTES_GOAL = 10.0, 150.0, 16.0, 120
# Every phone told at once (a desk pauses), while the screens stay as fast as ever.
EVERYONE_GOAL_MS, SCREENS_KEPT_MS = 75.0, 6.0


@dataclass(frozen=True)
class Stats:
    count: int
    median: float
    p99: float

    @classmethod
    def of(cls, values: list[float]) -> Stats:
        if not values:
            return cls(0, float("nan"), float("nan"))
        return cls(len(values), statistics.median(values), percentile(values, 0.99))


@dataclass(frozen=True)
class Call:
    """Where one call's time went: commit -> its first message at the first screen, at the
    last screen, and at the first phone. A late first screen and first phone mean the server
    (or the whole machine) was late; a late last screen alone, the screens' client process."""

    first_screen: float
    last_screen: float
    first_phone: float


def calls(screens: list[tuple[int, float]], phones: list[tuple[int, float]]) -> list[Call]:
    """One `Call` per commit that reached every screen, from `arrivals_ms` of each feed."""
    by_commit: dict[int, list[float]] = {}
    for index, ms in screens:
        by_commit.setdefault(index, []).append(ms)
    first_phone: dict[int, float] = {}
    for index, ms in phones:
        first_phone[index] = min(ms, first_phone.get(index, ms))
    return [
        Call(min(v), max(v), first_phone.get(i, float("nan")))
        for i, v in sorted(by_commit.items())
        if len(v) == DISPLAYS
    ]


@dataclass(frozen=True)
class LoadRun:
    phones: int
    commits: int
    display: Stats
    phone: Stats
    place: Stats  # phone messages but those that moved the estimate alone
    estimate: Stats  # `pos` that moved the estimate alone
    phone_messages: int  # received by all phones during the calls
    everyone: Stats  # phones, when a desk pauses or resumes: every estimate moves at once
    everyone_messages: int  # received by all phones during the pauses and resumes
    poll: Stats
    kib_per_connection: float
    sizes: dict[str, list[int]]
    server_cpu_ms: float  # per commit, the server process (user + system)
    clients_cpu_ms: float  # per commit, every client process together
    calls: list[Call]

    @property
    def slowest(self) -> Call:
        return max(self.calls, key=lambda c: c.last_screen)

    @property
    def typical(self) -> Call:
        return Call(
            statistics.median(c.first_screen for c in self.calls),
            statistics.median(c.last_screen for c in self.calls),
            statistics.median(c.first_phone for c in self.calls),
        )

    @property
    def clients(self) -> int:
        return DISPLAYS + self.phones


def measure(db: Path, tokens: list[str], phones: int, commits: int, workdir: Path) -> LoadRun:
    store = Store.open(db)
    server = ServerProcess(db)
    server.start()
    time.sleep(0.5)
    before = server.rss_kib()
    screens = Fleet(workdir, server.base, ["/ws/display"] * DISPLAYS, 1, poll=True)
    paths = [f"/ws/ticket/{t}" for t in tokens[:phones]]
    crowd = Fleet(workdir, server.base, paths, max(1, -(-phones // 1_000)))
    try:
        screens.ready()
        crowd.ready()
        time.sleep(1.0)
        after = server.rss_kib()
        since = store.last_seq()
        assert server.process is not None
        serving, pids = [server.process.pid], [*screens.pids, *crowd.pids]
        server_cpu, clients_cpu = cpu_seconds(serving), cpu_seconds(pids)
        samples = commit_loop(store, commits, GAP_S, random.Random(phones))
        wait_caught_up(server.port, samples[-1][0])
        time.sleep(2.5)  # one more polling period, and time for the last phone to read
        server_cpu = cpu_seconds(serving) - server_cpu
        clients_cpu = cpu_seconds(pids) - clients_cpu
        pauses = commit_loop(store, PAUSES, GAP_S, random.Random(-phones), toggle_pause)
        wait_caught_up(server.port, pauses[-1][0])
        time.sleep(1.0)
        shown = screens.finish()
        phoned = clients_of(crowd.finish())
    finally:
        screens.kill()
        crowd.kill()
        server.stop()
        store.close()
    display_clients = clients_of(shown)
    polls = [p for r in shown for p in r["polls"]]
    return LoadRun(
        phones,
        commits,
        Stats.of(latencies_ms(display_clients, samples, since)),
        Stats.of(latencies_ms(phoned, samples, since)),
        Stats.of(latencies_ms(phoned, samples, since, estimates=False)),
        Stats.of(latencies_ms(phoned, samples, since, estimates=True)),
        received(phoned, since, samples[-1][0]),
        Stats.of(latencies_ms(phoned, pauses, samples[-1][0])),
        received(phoned, samples[-1][0], pauses[-1][0]),
        Stats.of(poll_delays_ms(polls, samples)),
        (after - before) / (DISPLAYS + phones),
        {**sizes_by_type(display_clients), **sizes_by_type(phoned)},
        server_cpu * 1000 / commits,
        clients_cpu * 1000 / commits,
        calls(arrivals_ms(display_clients, samples, since), arrivals_ms(phoned, samples, since)),
    )


def toggle_pause(store: Store, index: int) -> object:
    """The second desk of the line pauses, then resumes: open desks 2 -> 1 -> 2, so every
    waiting phone's estimate doubles or halves, the one change that reaches all of them."""
    if index % 2 == 0:
        return commands.pause(store, DESKS[1], ACTOR)
    return commands.resume(store, DESKS[1], ACTOR)


def received(clients: list[dict[str, Any]], after: int, upto: int) -> int:
    """Messages the clients received with a seq in (after, upto]."""
    return sum(
        1
        for c in clients
        for kind, seq, _, _ in c["messages"]
        if kind not in MARKERS and seq is not None and after < seq <= upto
    )


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) the processes have used so far: who the 2 cores went to."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def run(quick: bool = False) -> list[LoadRun]:
    counts = (0, 200, 500) if quick else (0, 1_000, 5_000)
    commits = 10 if quick else 60
    with tempfile.TemporaryDirectory(prefix="cq-server-", dir=Path.cwd()) as tmp:
        workdir = Path(tmp)
        db = workdir / "load.db"
        store = clinic_with_line(db, LINE_HEAD + max(counts) + 50)
        tokens = [t for _, t in phone_tokens(store, max(counts), behind=LINE_HEAD)]
        store.close()
        runs = []
        for phones in counts:
            for _ in range(1 if quick or phones < max(counts) else REPEATS):
                if not quick:
                    calm()
                runs.append(measure(db, tokens, phones, commits, workdir))
        return runs


def median_runs(runs: list[LoadRun]) -> list[LoadRun]:
    """One run per number of phones: for repeated ones, the run with the median phones p99."""
    out = []
    for phones in sorted({r.phones for r in runs}):
        same = sorted((r for r in runs if r.phones == phones), key=lambda r: r.phone.p99)
        out.append(same[len(same) // 2])
    return out


def size_table(runs: list[LoadRun]) -> Table:
    merged: dict[str, list[int]] = {}
    for r in runs:
        for kind, sizes in r.sizes.items():
            merged.setdefault(kind, []).extend(sizes)
    phone_kinds = {"ticket", *PHONE_MESSAGES}
    rows = [
        (
            f"`{kind}`",
            "phone" if kind in phone_kinds else "display",
            f"{len(merged[kind]):,}",
            f"{statistics.median(merged[kind]):.0f}",
            f"{max(merged[kind]):,}",
        )
        for kind in sorted(merged, key=lambda k: (k in phone_kinds, k))
    ]
    columns = ("message", "feed", "received", "median bytes", "max bytes")
    return Table(columns, rows, left={"message", "feed"})


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def largest_phone_message(runs: list[LoadRun]) -> int:
    return max((max(r.sizes.get(k, [0])) for r in runs for k in PHONE_MESSAGES), default=0)


def latency_table(runs: list[LoadRun]) -> Table:
    columns = (
        "phones",
        "screens p50 ms",
        "screens p99 ms",
        "phones p50 ms",
        "phones p99 ms",
        "polling p50 ms",
        "polling p99 ms",
        "polling / push (p50)",
        "KiB per connection",
        "server CPU ms / commit",
        "clients CPU ms / commit",
    )
    rows = [
        (
            f"{r.phones:,}",
            f"{r.display.median:.1f}",
            f"{r.display.p99:.1f}",
            f"{r.phone.median:.1f}" if r.phones else "-",
            f"{r.phone.p99:.1f}" if r.phones else "-",
            f"{r.poll.median:.0f}",
            f"{r.poll.p99:.0f}",
            f"{r.poll.median / r.display.median:,.0f}x",
            f"{r.kib_per_connection:.1f}",
            f"{r.server_cpu_ms:.0f}",
            f"{r.clients_cpu_ms:.0f}",
        )
        for r in runs
    ]
    return Table(columns, rows)


def phones_table(runs: list[LoadRun]) -> Table:
    columns = (
        "phones",
        "phone messages per call",
        "new place p50 ms",
        "new place p99 ms",
        "estimate alone: messages",
        "estimate alone p50 ms",
        "estimate alone p99 ms",
        "a desk pauses: messages per commit",
        "p50 ms",
        "p99 ms",
    )
    rows = [
        (
            f"{r.phones:,}",
            f"{r.phone_messages / r.commits:,.0f}",
            f"{r.place.median:.1f}",
            f"{r.place.p99:.1f}",
            f"{r.estimate.count:,}",
            f"{r.estimate.median:.1f}",
            f"{r.estimate.p99:.1f}",
            f"{r.everyone_messages / PAUSES:,.0f}",
            f"{r.everyone.median:.1f}",
            f"{r.everyone.p99:.1f}",
        )
        for r in runs
        if r.phones
    ]
    return Table(columns, rows)


def calls_table(runs: list[LoadRun]) -> Table:
    columns = (
        "phones",
        "slowest: first screen ms",
        "last screen ms",
        "first phone ms",
        "median: first screen ms",
        "last screen ms",
        "first phone ms",
    )
    rows = []
    for r in runs:
        slow, typical = r.slowest, r.typical
        rows.append(
            (
                f"{r.phones:,}",
                f"{slow.first_screen:.1f}",
                f"{slow.last_screen:.1f}",
                _ms(slow.first_phone),
                f"{typical.first_screen:.1f}",
                f"{typical.last_screen:.1f}",
                _ms(typical.first_phone),
            )
        )
    return Table(columns, rows)


def blocks(runs: list[LoadRun]) -> Blocks:
    return {
        "server-load": [latency_table(runs)],
        "server-load-phones": [phones_table(runs)],
        "server-load-calls": [calls_table(runs)],
        "server-load-sizes": [size_table(runs)],
    }


if __name__ == "__main__":
    show_blocks(blocks(run(quick="--quick" in sys.argv)))
