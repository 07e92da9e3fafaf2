"""The HIS API and check-in from the phone on loopback: a booking posted over HTTP (new, then
the same again), the HIS kiosk's check-in, and a phone's check-in with the screen's code, each
from sending the request to its answer. Writes docs/benchmarks.md's `his-api` block:
`python -m benchmarks.his_api` or `run_all --only his` (`--quick` prints only).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from benchmarks.report import Blocks, Table, block_main, machine_line, percentile
from display_server.server import DisplayServer, serve
from queue_core import checkin_code
from queue_core.config import parse_config
from queue_core.registration import initialise
from queue_core.staff import add_staff
from queue_core.store import Store

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse 42"


async def _post(port: int, path: str, body: object, token: str = "") -> tuple[int, Any]:
    payload = json.dumps(body, ensure_ascii=False).encode()
    head = f"POST {path} HTTP/1.1\r\nContent-Length: {len(payload)}\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head.encode() + b"\r\n" + payload)
    answer = await reader.read()
    writer.close()
    status, _, rest = answer.partition(b"\r\n\r\n")
    return int(status.split(b" ")[1]), json.loads(rest)


def _booking(i: int) -> dict[str, str]:
    hour, half = divmod(i % 18, 2)
    return {
        "external_id": f"B{i:05d}",
        "name": "李四",
        "queue": ("nk-pt", "wk")[i % 2],
        "slot_start": f"{8 + hour:02d}:{30 * half:02d}",
        "phone": "13800001234",
    }


async def _timed(samples: list[float], request: Any) -> Any:
    start = time.perf_counter()
    answer = await request
    samples.append((time.perf_counter() - start) * 1000)
    return answer


@dataclass(frozen=True)
class Figures:
    added_ms: list[float]
    unchanged_ms: list[float]
    kiosk_ms: list[float]
    phone_ms: list[float]


async def _phone_check_ins(app: DisplayServer, store: Store, count: int) -> list[float]:
    with store.read() as conn:
        rows = conn.execute(
            "SELECT token, queue FROM tickets WHERE state = 'registered' ORDER BY id LIMIT ?",
            (count,),
        ).fetchall()
    samples: list[float] = []
    for token, queue in rows:
        place = checkin_code.place_of(store.config, queue)
        code = checkin_code.current(app.checkins.secret, place, store.now(), 5)
        async with connect(f"ws://127.0.0.1:{app.port}/ws/ticket/{token}?since=") as ws:
            start = time.perf_counter()
            await ws.send(json.dumps({"type": "check_in", "code": code}))
            while json.loads(await ws.recv())["type"] != "checked_in":
                pass
            samples.append((time.perf_counter() - start) * 1000)
    return samples


async def measure(quick: bool) -> Figures:
    count = 50 if quick else 500
    text = (ROOT / "sample_data" / "clinic.toml").read_text(encoding="utf-8")
    text = text.replace("[clinic]\n", "[clinic]\ncheckin_code_minutes = 5\n", 1)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        initialise(db, parse_config(text), "bench").close()
        store = Store.open(db)
        add_staff(store, "his", "integration", (), PASSWORD, "bench")
        try:
            async with serve(store, "127.0.0.1", 0, api_port=0) as app:
                assert app.api_server is not None
                port = app.api_server.sockets[0].getsockname()[1]
                login = {"user": "his", "password": PASSWORD}
                _, session = await _post(port, "/api/v1/login", login)
                token = session["token"]
                added: list[float] = []
                unchanged: list[float] = []
                kiosk: list[float] = []
                for i in range(count):
                    path, body = "/api/v1/appointments", _booking(i)
                    status, answer = await _timed(added, _post(port, path, body, token))
                    assert status == 200 and answer["result"] == "added", answer
                for i in range(count):
                    path, body = "/api/v1/appointments", _booking(i)
                    status, answer = await _timed(unchanged, _post(port, path, body, token))
                    assert status == 200 and answer["result"] == "unchanged", answer
                for i in range(count // 2):
                    path = f"/api/v1/appointments/B{i:05d}/check-in"
                    status, answer = await _timed(kiosk, _post(port, path, {}, token))
                    assert status == 200 and answer["result"] == "checked_in", answer
                phone = await _phone_check_ins(app, store, count // 2)
        finally:
            store.close()
    return Figures(added, unchanged, kiosk, phone)


def blocks(figures: Figures, quick: bool) -> Blocks:
    rows = []
    for what, samples in (
        ("booking, new (`added`)", figures.added_ms),
        ("the same booking again (`unchanged`)", figures.unchanged_ms),
        ("HIS kiosk check-in", figures.kiosk_ms),
        ("phone check-in with the screen's code", figures.phone_ms),
    ):
        p50, p99 = statistics.median(samples), percentile(samples, 0.99)
        rows.append((what, f"{len(samples):,}", f"{p50:.1f}", f"{p99:.1f}", f"{p99 / p50:.1f}"))
    table = Table(("request", "requests", "p50 ms", "p99 ms", "p99 / p50"), rows, left={"request"})
    return {"his-api": [table, machine_line(quick)]}


def report(quick: bool) -> Blocks:
    return blocks(asyncio.run(measure(quick)), quick)


def main(argv: list[str] | None = None) -> int:
    return block_main(report, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
