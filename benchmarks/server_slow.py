"""10 % of clients stop reading or vanish; everyone else must not notice.

Healthy screens and phones run in some client processes; "stalled" clients in another stop
reading their socket (it stays open, pings go unanswered); "dead" clients' process is frozen
with SIGSTOP (its sockets stay open, nothing is read or closed). A burst of board changes then
piles messages on them. Figures: healthy clients' latency before and during, the server's
memory, and how many stuck connections the server dropped.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.clinic import ACTOR
from benchmarks.report import Blocks, Table, percentile, show_blocks
from benchmarks.server_common import (
    HEAD,
    QUEUE,
    Fleet,
    ServerProcess,
    calm,
    clients_of,
    clinic_with_line,
    commit_loop,
    health,
    latencies_ms,
    phone_tokens,
    wait_caught_up,
)
from queue_core.registration import issue_ticket

PING_WAIT_S = 45.0  # the server pings every 20 s and gives up 20 s later


@dataclass(frozen=True)
class Slow:
    healthy: int
    stuck: int
    before_p50: float
    before_p99: float
    during_p50: float
    during_p99: float
    rss_start_kib: int
    rss_max_kib: int
    rss_end_kib: int
    dropped: int
    dropped_after_s: float


def run(quick: bool = False) -> Slow:
    phones, displays = (180, 10) if quick else (1_000, 20)
    stuck_phones, stuck_displays = phones // 10, displays // 10
    with tempfile.TemporaryDirectory(prefix="cq-server-", dir=Path.cwd()) as tmp:
        workdir = Path(tmp)
        db = workdir / "slow.db"
        store = clinic_with_line(db, HEAD + phones + 50)
        paths = [f"/ws/ticket/{t}" for _, t in phone_tokens(store, phones)]
        if not quick:
            calm()
        server = ServerProcess(db)
        server.start()
        half_p, half_d = stuck_phones // 2, stuck_displays // 2
        healthy_paths = ["/ws/display"] * (displays - stuck_displays) + paths[stuck_phones:]
        healthy = Fleet(workdir, server.base, healthy_paths, 2)
        stalled = Fleet(workdir, server.base, ["/ws/display"] * half_d + paths[:half_p], 1)
        dead_paths = ["/ws/display"] * (stuck_displays - half_d) + paths[half_p:stuck_phones]
        dead = Fleet(workdir, server.base, dead_paths, 1)
        rng = random.Random(4)
        rss: list[int] = []
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(0.2):
                rss.append(server.rss_kib())

        try:
            for fleet in (healthy, stalled, dead):
                fleet.ready()
            time.sleep(1.0)
            start_rss = server.rss_kib()
            before_since = store.last_seq()
            before = commit_loop(store, 10 if quick else 20, (0.3, 0.5), rng)
            threading.Thread(target=sample, daemon=True).start()
            stalled.tell("stall")
            for pid in dead.pids:
                os.kill(pid, signal.SIGSTOP)
            began = time.monotonic()
            total = health(server.port)
            for i in range(150 if quick else 600):  # each changes every screen's board
                issue_ticket(store, QUEUE, ACTOR, name=f"加号{i:04d}")
            during_since = store.last_seq()
            during = commit_loop(store, 10 if quick else 20, (0.3, 0.5), rng)
            wait_caught_up(server.port, store.last_seq())
            deadline = time.monotonic() + (5.0 if quick else PING_WAIT_S)
            connected = total
            while time.monotonic() < deadline:
                connected = health(server.port)
                if connected["displays"] + connected["phones"] <= len(healthy_paths):
                    break
                time.sleep(0.5)
            dropped_after = time.monotonic() - began
            sampling.set()
            end_rss = server.rss_kib()
            for pid in dead.pids:
                os.kill(pid, signal.SIGCONT)
            results = clients_of(healthy.finish())
        finally:
            sampling.set()
            for fleet in (healthy, stalled, dead):
                fleet.kill()
            server.stop()
            store.close()
    quiet = latencies_ms(results, before, before_since)
    busy = latencies_ms(results, during, during_since)
    dropped = (total["displays"] + total["phones"]) - (connected["displays"] + connected["phones"])
    return Slow(
        len(healthy_paths),
        stuck_phones + stuck_displays,
        percentile(quiet, 0.5),
        percentile(quiet, 0.99),
        percentile(busy, 0.5),
        percentile(busy, 0.99),
        start_rss,
        max(rss, default=end_rss),
        end_rss,
        dropped,
        dropped_after,
    )


def blocks(s: Slow) -> Blocks:
    rows = [
        ("nobody stuck", f"{s.before_p50:.1f}", f"{s.before_p99:.1f}"),
        (
            f"{s.stuck} of {s.healthy + s.stuck:,} stuck",
            f"{s.during_p50:.1f}",
            f"{s.during_p99:.1f}",
        ),
    ]
    return {
        "server-slow": [
            Table(("", "p50 ms", "p99 ms"), rows, left={""}),
            f"Server memory: {s.rss_start_kib / 1024:.1f} MiB before, at most "
            f"{s.rss_max_kib / 1024:.1f} MiB while they were stuck, {s.rss_end_kib / 1024:.1f} "
            f"MiB at the end. The server dropped {s.dropped} of the {s.stuck} stuck connections "
            f"within {s.dropped_after_s:.0f} s.",
        ]
    }


if __name__ == "__main__":
    show_blocks(blocks(run(quick="--quick" in sys.argv)))
