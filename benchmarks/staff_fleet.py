"""One process of remote desk consoles for the staff load benchmark (benchmarks/staff_load.py).

Run as `python -m benchmarks.staff_fleet SPEC OUT`. Each console logs in on the staff websocket,
watches its desk and takes every delta in as a console does (queue_core/view_delta.py); it
prints `ready` once every console holds its first view, answers `current SEQ` and `stop` as
benchmarks/server_fleet.py does, and writes (type, seq, received ns, bytes) per frame to OUT.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import connect

from benchmarks.server_fleet import _commands
from display_server.staff import STAFF_PATH
from queue_core.console_view import DeskView
from queue_core.view_delta import applied

LOGIN_TRIES = 10  # fifty consoles log in at once: a busy answer is tried again


@dataclass
class Console:
    base: str
    user: str
    desk: str
    password: str
    messages: list[tuple[str, int | None, int, int]] = field(default_factory=list)
    view: DeskView | None = None
    first: asyncio.Event = field(default_factory=asyncio.Event)
    asked_again: int = 0  # deltas on another base: the console asked for the whole view

    @property
    def last_seq(self) -> int | None:
        return None if self.view is None else self.view.seq

    async def run(self, stop: asyncio.Event) -> None:
        async with connect(f"{self.base}{STAFF_PATH}", max_size=None) as ws:
            login = {"type": "login", "user": self.user, "password": self.password}
            for attempt in range(LOGIN_TRIES):
                await ws.send(json.dumps(login))
                session = json.loads(await ws.recv())
                if session.get("code") != "busy":
                    break
                await asyncio.sleep(0.5 * (attempt + 1))  # as a console retries, not at once
            if session.get("type") != "session":
                raise RuntimeError(f"login refused: {session}")
            watch = {"type": "watch", "view": "desk", "desk": self.desk}
            await ws.send(json.dumps(watch))
            stopping = asyncio.ensure_future(stop.wait())
            while not stop.is_set():
                receiving = asyncio.ensure_future(ws.recv())
                await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not receiving.done():
                    receiving.cancel()
                    break
                text = receiving.result()
                assert isinstance(text, str)
                if self.on_frame(text):
                    await ws.send(json.dumps(watch))

    def on_frame(self, text: str) -> bool:
        """Take one frame in; True when the console must ask for the whole view again."""
        at = time.time_ns()
        message: dict[str, Any] = json.loads(text)
        kind = str(message.get("type"))
        seq = message.get("seq") if isinstance(message.get("seq"), int) else None
        self.messages.append((kind, seq, at, len(text.encode())))
        if kind == "view":
            self.view = DeskView.from_json(message["data"])
            self.first.set()
        elif kind == "delta":
            if self.view is None or message["base"] != self.view.seq:
                self.asked_again += 1
                return True
            self.view = applied(self.view, int(message["seq"]), message["data"])
        return False

    def result(self) -> dict[str, Any]:
        return {
            "path": f"{self.user}@{self.desk}",
            "asked_again": self.asked_again,
            "messages": self.messages,
        }


async def main(spec: dict[str, Any], out: str) -> None:
    stop = asyncio.Event()
    consoles = []
    for path in spec["paths"]:
        user, desk = path.split("@")
        consoles.append(Console(spec["base"], user, desk, spec["password"]))
    tasks = [asyncio.create_task(c.run(stop)) for c in consoles]
    inbox: asyncio.Queue[str] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    threading.Thread(target=_commands, args=(loop, inbox), daemon=True).start()
    await asyncio.wait_for(asyncio.gather(*(c.first.wait() for c in consoles)), 300)
    # This process holds the lines of many consoles, each on its own PC in a clinic: out of
    # the collector's sight once loaded (as the server does, display_server/process.py), or
    # every collection walks all their tickets, which no console on its own PC would.
    gc.freeze()
    print("ready", flush=True)
    while True:
        line = await inbox.get()
        if line == "stop":
            break
        if line.startswith("current "):
            target = int(line.split()[1])
            current = sum(1 for c in consoles if (c.last_seq or -1) >= target)
            print(f"current {current} {len(consoles)}", flush=True)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    with open(out, "w", encoding="utf-8") as handle:
        json.dump({"clients": [c.result() for c in consoles], "polls": []}, handle)
    print("done", flush=True)


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as spec_file:
        asyncio.run(main(json.load(spec_file), sys.argv[2]))
