"""Scenario 5: hostile input from a seeded generator, while well-behaved clients are watched.

The attacker is a client process of its own (`python -m benchmarks.server_fuzz attack ...`);
each attempt must get the answer docs/protocol.md promises (an `error`, a close code, a 404).
Figures: attempts and expected answers per category, the healthy clients' latency, memory.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from benchmarks.report import ROOT, percentile
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
from benchmarks.server_fleet import raise_file_limit

ERROR_CODES = {"bad_json", "bad_message", "unknown_type", "binary", "bad_seq", "late_hello"}
PATH_PIECES = ["..", "%2e%2e", "%2E%2e%2f", "..%5c", "%00", "static", ".git", "etc", "passwd"]
PATH_PIECES += ["display_server", "server.py", "~", "//", "%c0%ae", ".env", "t", "ws", "%252e"]
LEAKS = ("root:", "import ", "[project]", "def ", "sqlite")


async def _answer(ws: ClientConnection) -> str:
    """The first thing the server says after our attempt: an error code or a close code."""
    try:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if message.get("type") == "error":
                return str(message["code"])
    except ConnectionClosed:
        return f"close {ws.close_code}"


async def _feed(base: str, token: str, rng: random.Random) -> ClientConnection:
    path = rng.choice(["/ws/display?since=", f"/ws/ticket/{token}?since="])
    ws = await connect(base + path, max_size=None, max_queue=None)
    await ws.recv()
    return ws


async def malformed_json(base: str, token: str, rng: random.Random) -> bool:
    pieces = ['{"type":', "[", "{", '"', "}", "]", "null", "1e999", "\\u12", ",", ":", "ack"]
    async with await _feed(base, token, rng) as ws:
        await ws.send("".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) + "{")
        return await _answer(ws) in ("bad_json", "bad_message")


async def unknown_type(base: str, token: str, rng: random.Random) -> bool:
    kind = "".join(rng.choice("abcdefgh_") for _ in range(rng.randint(1, 12)))
    async with await _feed(base, token, rng) as ws:
        await ws.send(json.dumps({"type": kind, "seq": rng.randint(-5, 5)}))
        return await _answer(ws) == "unknown_type"


async def binary_frame(base: str, token: str, rng: random.Random) -> bool:
    async with await _feed(base, token, rng) as ws:
        await ws.send(rng.randbytes(rng.randint(1, 2048)))
        return await _answer(ws) == "binary"


async def huge_frame(base: str, token: str, rng: random.Random) -> bool:
    async with await _feed(base, token, rng) as ws:
        await ws.send("x" * rng.randint(4 * 1024 + 1, 1024 * 1024))
        return await _answer(ws) == "close 1009"


async def flood(base: str, token: str, rng: random.Random) -> bool:
    async with await _feed(base, token, rng) as ws:
        try:
            for _ in range(rng.randint(100, 400)):
                await ws.send('{"type":"ping"}')
        except ConnectionClosed:
            pass
        return await _answer(ws) == "close 1008"


async def wrong_token(base: str, token: str, rng: random.Random) -> bool:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-%./"
    fake = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80)))
    try:
        async with connect(f"{base}/ws/ticket/{fake}?since=") as ws:
            return await _answer(ws) == "close 1008" and ws.close_reason == "not found"
    except InvalidStatus as exc:
        return exc.response.status_code == 404  # "%" sequences that make no valid request


async def path_trick(base: str, token: str, rng: random.Random) -> bool:
    host, port = base.removeprefix("ws://").rsplit(":", 1)
    path = "/" + "/".join(rng.choice(PATH_PIECES) for _ in range(rng.randint(1, 6)))
    path = rng.choice(["", "/static", "/t", "/display"]) + path
    method = rng.choice(["GET", "GET", "HEAD", "POST", "PUT", "DELETE"])
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    raw = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    status = int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.1 ") else 0
    body = raw.split(b"\r\n\r\n", 1)[-1].decode(errors="replace")
    return status in (400, 404, 405) and not any(leak in body for leak in LEAKS)


async def many_connections(base: str, token: str, rng: random.Random, count: int) -> int:
    """`count` connections from one address at once: each still gets its first message."""
    opened = await asyncio.gather(
        *(connect(f"{base}/ws/display?since=") for _ in range(count)), return_exceptions=True
    )
    ok = 0
    for ws in opened:
        if isinstance(ws, ClientConnection):
            ok += int(json.loads(await ws.recv())["type"] == "snapshot")
            await ws.close()
    return ok


async def half_open(base: str, count: int) -> int:
    """Handshakes that never finish (slowloris): the server must close them by itself."""
    host, port = base.removeprefix("ws://").rsplit(":", 1)
    streams = [await asyncio.open_connection(host, int(port)) for _ in range(count)]
    for _, writer in streams:
        writer.write(b"GET /ws/display HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
    closed = 0
    for reader, writer in streams:
        try:
            await asyncio.wait_for(reader.read(), 30)
            closed += 1
        except TimeoutError:
            pass
        writer.close()
    return closed


Attempt = Callable[[str, str, random.Random], Awaitable[bool]]
CATEGORIES: dict[str, Attempt] = {
    "malformed JSON": malformed_json,
    "unknown type": unknown_type,
    "binary frame": binary_frame,
    "huge frame (4 KiB-1 MiB)": huge_frame,
    "flood (100-400 pings at once)": flood,
    "wrong phone token": wrong_token,
    "HTTP path trick / method": path_trick,
}


async def attack(base: str, token: str, seed: int, each: int) -> dict[str, list[int]]:
    """Per category: [tried, expected answers, time.time_ns() at its start, at its end]."""
    raise_file_limit()
    rng = random.Random(seed)
    counts: dict[str, list[int]] = {}
    for name, attempt in CATEGORIES.items():
        began = time.time_ns()
        tally: Counter[bool] = Counter()
        for _ in range(each):
            try:
                tally[await attempt(base, token, rng)] += 1
            except (OSError, ConnectionClosed, TimeoutError, InvalidStatus):
                tally[False] += 1
        counts[name] = [each, tally[True], began, time.time_ns()]
    crowd, began = each * 5, time.time_ns()
    crowded = await many_connections(base, token, rng, crowd)
    counts["many connections, one address"] = [crowd, crowded, began, time.time_ns()]
    began = time.time_ns()
    lingered = await half_open(base, each)
    counts["half-open handshakes (slowloris)"] = [each, lingered, began, time.time_ns()]
    return counts


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


def run(quick: bool = False) -> Fuzz:
    each = 10 if quick else 200
    with tempfile.TemporaryDirectory(prefix="cq-server-", dir=Path.cwd()) as tmp:
        workdir = Path(tmp)
        db = workdir / "fuzz.db"
        store = clinic_with_line(db, HEAD + 250)
        tokens = [t for _, t in phone_tokens(store, 200)]
        if not quick:
            calm()
        server = ServerProcess(db)
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
            end_rss = server.rss_kib()
            time.sleep(1.0)
            results = clients_of(watched.finish())
            counts = json.loads(out.read_text("utf-8"))
        finally:
            watched.kill()
            server.stop()
            store.close()
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
    )


def during(
    counts: dict[str, list[int]], calls: list[Sample], arrivals: list[tuple[int, float]]
) -> dict[str, list[float]]:
    """The arrivals of the calls committed while each category was under way."""
    out: dict[str, list[float]] = {}
    for name, (_, _, began, ended) in counts.items():
        inside = {i for i, (_, at) in enumerate(calls) if began <= at <= ended}
        out[name] = [ms for i, ms in arrivals if i in inside]
    return out


def markdown(f: Fuzz) -> str:
    lines = [
        "### Hostile input (issue 6, scenario 5)",
        "",
        "A seeded generator (seed 5) in a client process of its own sends each category in "
        "turn to the display and phone feeds and the HTTP routes, while 10 screens and 199 "
        "phones stay connected and desk calls go on. Expected answer: an `error` message "
        "(malformed, unknown type, binary), close 1009 (huge), close 1008 (flood, wrong "
        "token), 404/405 without any file content (paths), a snapshot for every connection, "
        "and the server closing handshakes that never finish (websockets' 10 s open timeout).",
        "",
        "| category | tried | expected answer | seconds | well-behaved messages meanwhile "
        "| their p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, (tried, ok, began, ended) in f.counts.items():
        seen = f.during[name]
        p99 = f"{percentile(seen, 0.99):.1f}" if seen else "-"
        lines.append(
            f"| {name} | {tried:,} | {ok:,} | {(ended - began) / 1e9:.1f} | {len(seen):,} | {p99} |"
        )
    lines += [
        "",
        f"Well-behaved clients: p99 {f.quiet_p99:.1f} ms before the attack; during it p50 "
        f"{f.busy_p50:.1f} ms, p99 {f.busy_p99:.1f} ms. Server memory: "
        f"{f.rss_start_kib / 1024:.1f} MiB before, at most {f.rss_max_kib / 1024:.1f} MiB, "
        f"{f.rss_end_kib / 1024:.1f} MiB after.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["attack"]:
        base, token, seed, each, out = sys.argv[2:7]
        result = asyncio.run(attack(base, token, int(seed), int(each)))
        Path(out).write_text(json.dumps(result), "utf-8")
    else:
        print(markdown(run(quick="--quick" in sys.argv)))
