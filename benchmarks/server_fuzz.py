"""Hostile input while well-behaved clients are watched: what it costs them and the server.

The attacker is a client process of its own (`python -m benchmarks.server_fuzz attack ...`)
playing tests/scenarios/hostile.py's categories; each attempt must get the answer
docs/protocol.md promises. Figures: attempts and expected answers per category, the healthy
clients' latency, the server's memory, and the tracebacks its log holds afterwards.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.report import ROOT, Blocks, Table, percentile, show_blocks
from benchmarks.server_common import (
    HEAD,
    Fleet,
    Sample,
    ServerProcess,
    arrivals_ms,
    calm,
    clients_of,
    clinic_with_line,
    commit_loop,
    latencies_ms,
    phone_tokens,
    wait_caught_up,
)
from queue_core.store import Store
from tests.scenarios import hostile


@dataclass(frozen=True)
class Fuzz:
    counts: dict[str, list[int]]  # category: [tried, expected answers, start ns, end ns]
    during: dict[str, list[float]]  # category: well-behaved latencies of the calls made in it
    quiet_p99: float
    busy_p50: float
    busy_p99: float
    rss_start_kib: int
    rss_max_kib: int
    rss_end_kib: int
    tracebacks: int  # in the server's stderr: no client input may leave one
    written: int  # announced and presence events of the attack: only what could be true


def run(quick: bool = False) -> Fuzz:
    each = 10 if quick else hostile.EACH
    with tempfile.TemporaryDirectory(prefix="cq-server-", dir=Path.cwd()) as tmp:
        workdir = Path(tmp)
        db = workdir / "fuzz.db"
        store = clinic_with_line(db, HEAD + 250)
        tokens = [t for _, t in phone_tokens(store, 200)]
        if not quick:
            calm()
        log = workdir / "server.log"
        server = ServerProcess(db, log=log)
        server.start()
        watched = Fleet(
            workdir, server.base, ["/ws/display"] * 10 + [f"/ws/ticket/{t}" for t in tokens[1:]], 1
        )
        rng = random.Random(5)
        rss: list[int] = []
        try:
            watched.ready()
            start_rss = server.rss_kib()
            quiet_since = store.last_seq()
            quiet = commit_loop(store, 10, (0.2, 0.4), rng)
            out = workdir / "fuzz.json"
            command = [sys.executable, "-m", "benchmarks.server_fuzz", "attack", server.base]
            attacker = subprocess.Popen([*command, tokens[0], "5", str(each), str(out)], cwd=ROOT)
            busy_since = store.last_seq()
            busy = []
            while attacker.poll() is None:
                busy += commit_loop(store, 1, (0.2, 0.4), rng)
                rss.append(server.rss_kib())
            wait_caught_up(server.port, store.last_seq())
            written = attack_writes(store, busy_since)
            end_rss = server.rss_kib()
            time.sleep(1.0)
            results = clients_of(watched.finish())
            counts = json.loads(out.read_text("utf-8"))
        finally:
            watched.kill()
            server.stop()
            store.close()
        tracebacks = log.read_text("utf-8").count("Traceback (most recent call last)")
    quiet_ms = latencies_ms(results, quiet, quiet_since)
    busy_ms = latencies_ms(results, busy, busy_since)
    return Fuzz(
        counts,
        during(counts, busy, arrivals_ms(results, busy, busy_since)),
        percentile(quiet_ms, 0.99),
        percentile(busy_ms, 0.5),
        percentile(busy_ms, 0.99),
        start_rss,
        max(rss, default=end_rss),
        end_rss,
        tracebacks,
        written,
    )


def attack_writes(store: Store, since: int) -> int:
    """The receipts and presence the attack got recorded: the healthy clients write neither."""
    with store.read() as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM events WHERE seq > ? AND type IN ('announced', 'presence')",
            (since,),
        ).fetchone()
    return int(row[0])


def during(
    counts: dict[str, list[int]], calls: list[Sample], arrivals: list[tuple[int, float]]
) -> dict[str, list[float]]:
    """The arrivals of the calls committed while each category was under way."""
    out: dict[str, list[float]] = {}
    for name, (_, _, began, ended) in counts.items():
        inside = {i for i, (_, at) in enumerate(calls) if began <= at <= ended}
        out[name] = [ms for i, ms in arrivals if i in inside]
    return out


def blocks(f: Fuzz) -> Blocks:
    columns = (
        "category",
        "tried",
        "expected answer",
        "seconds",
        "well-behaved messages meanwhile",
        "their p99 ms",
    )
    rows = []
    for name, (tried, ok, began, ended) in f.counts.items():
        seen = f.during[name]
        rows.append(
            (
                name,
                f"{tried:,}",
                f"{ok:,}",
                f"{(ended - began) / 1e9:.1f}",
                f"{len(seen):,}",
                f"{percentile(seen, 0.99):.1f}" if seen else "-",
            )
        )
    return {
        "server-fuzz": [
            Table(columns, rows, left={"category"}),
            f"Well-behaved clients: p99 {f.quiet_p99:.1f} ms before the attack; during it p50 "
            f"{f.busy_p50:.1f} ms, p99 {f.busy_p99:.1f} ms. Server memory: "
            f"{f.rss_start_kib / 1024:.1f} MiB before, at most {f.rss_max_kib / 1024:.1f} MiB, "
            f"{f.rss_end_kib / 1024:.1f} MiB after. Tracebacks in the server's log: "
            f"{f.tracebacks}. Receipts and presence events the attack got written: {f.written:,}.",
        ]
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["attack"]:
        base, token, seed, each, out = sys.argv[2:7]
        result = asyncio.run(hostile.attack(base, token, int(seed), int(each)))
        Path(out).write_text(json.dumps(result), "utf-8")
    else:
        show_blocks(blocks(run(quick="--quick" in sys.argv)))
