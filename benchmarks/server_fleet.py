"""One client process of the server benchmarks: many real websocket clients, or a polling screen.

Run as `python -m benchmarks.server_fleet SPEC OUT`. It opens every client of the spec, prints
`ready` once each has its first message, then obeys lines on stdin (`stall`, `current SEQ`,
`stop`) and writes what every client received to OUT. It stops by itself at the spec's
deadline. Clients reconnect as the pages do (display_server/static/common.js): quick jittered
tries, then backoff, resuming with `?since=<last seq>`, so restart figures are honest. They
speak websocket through benchmarks/ws_client.py, which costs a fraction of a full client's CPU,
on uvloop: on asyncio's own loop the phone processes took more of the shared cores than the
server itself while a desk pause told every phone its estimate, and that time showed up as the
server's latency (docs/benchmarks.md, why these settings). Real phones spend their own CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import random
import resource
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvloop

from benchmarks.ws_client import Closed, HandshakeRefused, LeanSocket, open_socket

BACKOFF_QUICK_TRIES = 10  # common.js: BACKOFF_QUICK_TRIES
BACKOFF_QUICK_S = 1.0  # common.js: BACKOFF_QUICK_MS
BACKOFF_GROWTH = 1.5  # common.js: BACKOFF_GROWTH
BACKOFF_MAX_S = 30.0  # common.js: BACKOFF_MAX_MS
POLL_EVERY_S = 2.0  # the refresh period of the polling screens clinics use today


def backoff_delay(attempt: int, draw: float) -> float:
    """The pages' delay for a random `draw` in [0, 1): half the ceiling plus a random half; the
    ceiling stays at 1 s for the first tries, then grows by half per attempt up to 30 s."""
    slower = max(0, attempt - BACKOFF_QUICK_TRIES + 1)
    ceiling = min(BACKOFF_MAX_S, BACKOFF_QUICK_S * BACKOFF_GROWTH**slower)
    return ceiling / 2 + draw * ceiling / 2


def raise_file_limit() -> None:
    """Thousands of sockets in one process need more descriptors than the usual 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65_536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


@dataclass
class LiveClient:
    """A screen or phone that never gives up; keeps (type, seq, received ns, bytes) per message."""

    base: str
    path: str
    rng: random.Random
    messages: list[tuple[str, int | None, int, int]] = field(default_factory=list)
    last_seq: int | None = None
    opens: int = 0
    first: asyncio.Event = field(default_factory=asyncio.Event)
    stalled: bool = False
    heard: bool = False
    place: tuple[object, object] | None = None  # (ahead, now) of the last ticket or pos
    ws: LeanSocket | None = None
    fatal: str | None = None

    def url(self) -> str:
        joiner = "&" if "?" in self.path else "?"
        since = "" if self.last_seq is None else str(self.last_seq)
        return f"{self.base}{self.path}{joiner}since={since}"

    async def run(self, stop: asyncio.Event) -> None:
        attempt = 0
        stopping: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
        while not stop.is_set():
            self.heard = False
            try:
                self.ws = await open_socket(self.url(), self.on_frame, timeout=30)
                self.opens += 1
                waiters: set[asyncio.Future[Any]] = {self.ws.ended, stopping}
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                if self.ws.ended.done():
                    self.ws.ended.result()
            except Closed as exc:
                if exc.code == 1008 and exc.reason == "not found":
                    self.fatal = "not found"  # an unknown phone link: the page gives up too
            except HandshakeRefused as exc:
                self.fatal = str(exc)
            except (OSError, TimeoutError):
                pass
            if self.ws is not None and self.ws.transport is not None:
                self.ws.transport.abort()
            self.ws = None
            if self.stalled:
                await stop.wait()  # a stuck phone stays stuck: it neither reads nor comes back
            if self.heard:
                attempt = 0  # a first real message proves the server is healthy again
            if self.fatal is not None or stop.is_set():
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff_delay(attempt, self.rng.random()))
            attempt += 1
        stopping.cancel()

    def on_frame(self, text: str) -> None:
        at = time.time_ns()
        self.heard = True
        message: dict[str, Any] = json.loads(text)
        seq = message.get("seq")
        seq = seq if isinstance(seq, int) else None
        if seq is not None:
            self.last_seq = seq
        kind = message.get("type")
        self.messages.append((str(kind), seq, at, len(text.encode())))
        if kind in ("ticket", "pos"):
            place = (message.get("ahead"), message.get("now"))
            if kind == "pos" and place == self.place:
                self.messages.append(("estimate", seq, at, 0))  # the estimate alone moved
            self.place = place
            self.messages.append(("ahead", message.get("ahead"), at, 0))
        self.first.set()

    def stall(self) -> None:
        """Stop reading: the socket stays open, nothing is read, pings go unanswered."""
        self.stalled = True
        if self.ws is not None and self.ws.transport is not None:
            self.ws.transport.pause_reading()

    def result(self) -> dict[str, Any]:
        return {"path": self.path, "opens": self.opens, "messages": self.messages}


async def poll_screen(base: str, stop: asyncio.Event, rng: random.Random) -> list[list[int]]:
    """A screen that asks `/healthz` every 2 s: (seq it saw, when the answer arrived)."""
    host, port = base.removeprefix("ws://").rsplit(":", 1)
    seen: list[list[int]] = []
    await asyncio.sleep(rng.random() * POLL_EVERY_S)
    while not stop.is_set():
        began = time.monotonic()
        try:
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            raw = await reader.read()
            writer.close()
            body = json.loads(raw.split(b"\r\n\r\n", 1)[1])
            seen.append([int(body["seq"]), time.time_ns()])
        except (OSError, ValueError, IndexError, KeyError):
            pass
        left = POLL_EVERY_S - (time.monotonic() - began)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, left))
    return seen


async def freeze_records() -> None:
    """Keep what the clients recorded out of this process's cyclic collector: walking a
    growing list of received messages paused every client of the process for a moment, and
    that pause landed in the latency figures as if the server had been slow."""
    while True:
        await asyncio.sleep(1.0)
        gc.freeze()


def _commands(loop: asyncio.AbstractEventLoop, inbox: asyncio.Queue[str]) -> None:
    for line in sys.stdin:
        loop.call_soon_threadsafe(inbox.put_nowait, line.strip())
    loop.call_soon_threadsafe(inbox.put_nowait, "stop")


async def main(spec: dict[str, Any], out: str) -> None:
    raise_file_limit()
    freezer = asyncio.create_task(freeze_records())
    rng = random.Random(spec.get("seed", 0))
    stop = asyncio.Event()
    clients = [
        LiveClient(spec["base"], path, random.Random(rng.random())) for path in spec["paths"]
    ]
    tasks: list[asyncio.Task[Any]] = []
    for index, client in enumerate(clients):
        tasks.append(asyncio.create_task(client.run(stop)))
        if index % 100 == 99:
            await asyncio.sleep(0.05)  # a waiting room fills over minutes, not in one instant
    poller = asyncio.create_task(poll_screen(spec["base"], stop, rng)) if spec.get("poll") else None
    inbox: asyncio.Queue[str] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    threading.Thread(target=_commands, args=(loop, inbox), daemon=True).start()
    deadline = time.monotonic() + float(spec.get("deadline_s", 600))
    await asyncio.wait_for(
        asyncio.gather(*(c.first.wait() for c in clients)), deadline - time.monotonic()
    )
    print("ready", flush=True)
    while True:
        try:
            line = await asyncio.wait_for(inbox.get(), max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            break
        if line == "stop":
            break
        if line == "stall":
            for client in clients:
                client.stall()
        elif line.startswith("current "):
            target = int(line.split()[1])
            current = sum(1 for c in clients if c.last_seq is not None and c.last_seq >= target)
            print(f"current {current} {len(clients)}", flush=True)
    stop.set()
    freezer.cancel()
    polls = await poller if poller is not None else []
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    with open(out, "w", encoding="utf-8") as handle:
        json.dump({"clients": [c.result() for c in clients], "polls": polls}, handle)
    print("done", flush=True)


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as spec_file:
        uvloop.run(main(json.load(spec_file), sys.argv[2]))
