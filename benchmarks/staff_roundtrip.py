"""The staff websocket on loopback: a remote desk's command round trip (command -> server ->
commit -> the desk view's push arrives) with 50 and 500 waiting, and legitimate logins during a
password-guessing flood from another address. Writes docs/benchmarks.md's `staff-roundtrip`
block: `python -m benchmarks.staff_roundtrip` or `run_all --only staff` (`--quick` prints only).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from benchmarks.clinic import SAMPLE_CONFIG, clinic_clock
from benchmarks.report import Blocks, Table, block_main, machine_line, percentile, verdict
from display_server.server import serve
from display_server.staff import STAFF_PATH
from queue_core.config import load_config
from queue_core.registration import initialise, issue_ticket
from queue_core.staff import add_staff
from queue_core.store import Store

PASSWORD = "correct horse 42"
GOAL_P99_MS = 20.0
WAITING = (50, 500)


async def _login(url: str, user: str, local: str = "127.0.0.1") -> ClientConnection:
    ws = await connect(url, local_addr=(local, 0), max_size=None)
    await ws.send(json.dumps({"type": "login", "user": user, "password": PASSWORD}))
    answer = json.loads(await ws.recv())
    assert answer["type"] == "session", answer
    return ws


async def _round_trips(url: str, calls: int) -> list[float]:
    ws = await _login(url, "nurse")
    await ws.send(json.dumps({"type": "watch", "view": "desk", "desk": "nk1"}))
    await ws.recv()
    times = []
    for _ in range(calls):
        key = uuid.uuid4().hex
        start = time.perf_counter()
        await ws.send(
            json.dumps({"type": "command", "id": key, "op": "call_next", "args": {"desk": "nk1"}})
        )
        got_result = got_view = False
        while not (got_result and got_view):
            message: dict[str, Any] = json.loads(await ws.recv())
            got_result |= message["type"] == "result" and message["id"] == key
            got_view |= message["type"] in ("view", "delta")
        times.append((time.perf_counter() - start) * 1000)
    await ws.close()
    return times


async def _flood(url: str, stop: asyncio.Event) -> int:
    ws = await connect(url, local_addr=("127.0.0.2", 0))
    sent = 0
    while not stop.is_set():
        await ws.send(json.dumps({"type": "login", "user": "nurse", "password": f"guess{sent}"}))
        await ws.recv()
        sent += 1
    await ws.close()
    return sent


async def _logins_under_flood(url: str, logins: int) -> tuple[list[float], int, float]:
    stop = asyncio.Event()
    flood = asyncio.create_task(_flood(url, stop))
    await asyncio.sleep(0.2)
    started = time.perf_counter()
    times = []
    for _ in range(logins):
        start = time.perf_counter()
        ws = await _login(url, "triage", "127.0.0.3")
        times.append((time.perf_counter() - start) * 1000)
        await ws.close()
    stop.set()
    guesses = await flood
    return times, guesses, time.perf_counter() - started


@dataclass(frozen=True)
class RoundTrips:
    waiting: int  # the line's length after the calls: it holds `calls` more when they begin
    trips_ms: list[float]


@dataclass(frozen=True)
class StaffFigures:
    round_trips: list[RoundTrips]
    logins_ms: list[float]
    guesses_per_s: float


async def _served(waiting: int, calls: int, logins: int) -> tuple[list[float], list[float], float]:
    # The server's voice may still be writing a rendered call into its audio folder as it
    # closes (display_server/announcer.py renders at a lower priority, off the loop).
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        db = Path(tmp) / "bench.db"
        config = load_config(SAMPLE_CONFIG)
        clock = clinic_clock(config)
        initialise(db, config, "bench", now=clock()).close()
        store = Store.open(db, clock=clock)
        for _ in range(waiting + calls):
            issue_ticket(store, "nk-pt", "bench")
        add_staff(store, "nurse", "desk", ("nk1",), PASSWORD, "bench")
        add_staff(store, "triage", "triage", (), PASSWORD, "bench")
        try:
            async with serve(store, "127.0.0.1", 0) as app:
                url = f"ws://127.0.0.1:{app.port}{STAFF_PATH}"
                trips = await _round_trips(url, calls)
                if not logins:
                    return trips, [], 0.0
                times, guesses, seconds = await _logins_under_flood(url, logins)
                return trips, times, guesses / seconds
        finally:
            store.close()


async def measure(quick: bool) -> StaffFigures:
    calls = 30 if quick else 300
    round_trips = []
    for waiting in WAITING:
        trips, _, _ = await _served(waiting, calls, 0)
        round_trips.append(RoundTrips(waiting, trips))
    _, logins, rate = await _served(0, 0, 10 if quick else 50)
    return StaffFigures(round_trips, logins, rate)


def run(quick: bool) -> StaffFigures:
    return asyncio.run(measure(quick))


def blocks(figures: StaffFigures, quick: bool) -> Blocks:
    rows = []
    for trips in figures.round_trips:
        p50, p99 = statistics.median(trips.trips_ms), percentile(trips.trips_ms, 0.99)
        rows.append(
            (
                f"{trips.waiting:,}",
                f"{len(trips.trips_ms):,}",
                f"{p50:.1f}",
                f"{p99:.1f}",
                f"{p99 / p50:.1f}",
                verdict(p99 <= GOAL_P99_MS),
            )
        )
    table = Table(
        ("waiting at the end", "calls", "p50 ms", "p99 ms", "p99 / p50", "p99 <= 20 ms"), rows
    )
    logins = figures.logins_ms
    flood = (
        f"Legitimate logins during a guessing flood ({figures.guesses_per_s:,.0f} wrong logins/s "
        f"from another loopback address): {len(logins)} logins, all answered, "
        f"p50 {statistics.median(logins):.1f} ms, p99 {percentile(logins, 0.99):.1f} ms "
        "(each login is one scrypt check, memory-hard on purpose)."
    )
    return {"staff-roundtrip": [table, flood, machine_line(quick)]}


def report(quick: bool) -> Blocks:
    return blocks(run(quick), quick)


def main(argv: list[str] | None = None) -> int:
    return block_main(report, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
