"""One client process of the long day: phones that open and close their link, and a few screens.

Run as `python -m tests.scenarios.day_clients BASE SCREEN_PATH...`. It obeys lines on stdin:
`open TOKEN` (the patient opens their link; a reopen resumes with `?since=` the last seq it saw,
as the page does), `close TOKEN` (the browser is closed), `check` (make sure every open client
has received everything the server sent, then print one JSON line with what each shows) and
`stop`. Clients are the benchmarks' `LiveClient` (benchmarks/server_fleet.py), so they reconnect
as the pages do.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import subprocess
import sys
import threading
from typing import Any

from benchmarks.report import ROOT
from benchmarks.server_fleet import LiveClient, raise_file_limit

# A message that says what the phone shows: its state, its place, its room.
VIEW_TYPES = ("ticket", "pos", "state", "called")
PONG_LIMIT_S = 5.0  # a connection that dropped after the ping: try again on the next round
SYNC_LIMIT_S = 60.0  # generous: a client that never answers fails the run instead of hanging


def fold(view: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    """What a phone shows after `message`, as docs/protocol.md describes each type."""
    kind = message["type"]
    if kind == "ticket":
        fields = ("state", "ahead", "desk", "room")
        return {**{f: message.get(f) for f in fields}, "last": message}
    if kind == "pos":
        return {**view, "state": "waiting", "ahead": message.get("ahead"), "last": message}
    if kind == "state":
        return {**view, "state": message.get("state"), "ahead": None, "last": message}
    if kind == "called":
        desk, room = message.get("desk"), message.get("room")
        return {"state": "called", "ahead": None, "desk": desk, "room": room, "last": message}
    return view


class ViewClient(LiveClient):
    """A LiveClient that also keeps what it shows (a phone's view, a screen's last board)."""

    view: dict[str, Any]
    board: dict[str, Any] | None
    frames: int
    pong: asyncio.Event

    def start(self) -> None:
        self.view, self.board, self.frames, self.pong = {}, None, 0, asyncio.Event()

    def on_frame(self, frame: str) -> None:
        super().on_frame(frame)
        self.frames += 1
        message: dict[str, Any] = json.loads(frame)
        kind = message.get("type")
        if kind in VIEW_TYPES:
            self.view = fold(self.view, message)
        elif kind in ("snapshot", "board"):
            self.board = message["board"]
        elif kind == "pong":
            self.pong.set()

    async def ping(self) -> bool:
        """True once the server answered: every message it sent before is then in hand."""
        ws = self.ws
        if ws is None:
            return False
        self.pong.clear()
        ws.send_text('{"type": "ping"}')
        try:
            await asyncio.wait_for(self.pong.wait(), PONG_LIMIT_S)
        except TimeoutError:
            return False
        return True

    def report(self) -> dict[str, Any]:
        return {
            "opens": self.opens,
            "frames": self.frames,
            "view": self.view,
            "board": self.board,
            "fatal": self.fatal,
        }


class Session:
    """One client and the connection it has open now, if any."""

    def __init__(self, client: ViewClient) -> None:
        self.client = client
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def open(self) -> None:
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(self.client.run(self.stop))

    async def close(self) -> None:
        """As a browser tab closes: a clean close if connected, else the attempt is dropped."""
        task, self.task = self.task, None
        if task is None:
            return
        self.stop.set()
        ws = self.client.ws
        if ws is not None:
            await ws.close()
        else:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    @property
    def is_open(self) -> bool:
        return self.task is not None and not self.task.done()


async def sync(sessions: list[Session]) -> bool:
    """Ping every open client until a round brings no new message: nothing is left in flight.

    False when some client never answered within SYNC_LIMIT_S (the report then says so)."""
    frames = -1
    try:
        async with asyncio.timeout(SYNC_LIMIT_S):
            while True:
                live = [s.client for s in sessions if s.is_open]
                answered = await asyncio.gather(*(c.ping() for c in live))
                total = sum(c.frames for c in live)
                if all(answered) and total == frames + len(live):
                    return True  # only the pongs arrived since the last round
                if not all(answered):
                    await asyncio.sleep(0.05)  # still connecting: the page is opening
                frames = total
    except TimeoutError:
        return False


def _read_commands(loop: asyncio.AbstractEventLoop, inbox: asyncio.Queue[str]) -> None:
    for line in sys.stdin:
        loop.call_soon_threadsafe(inbox.put_nowait, line.strip())
    loop.call_soon_threadsafe(inbox.put_nowait, "stop")


async def main(base: str, screens: list[str]) -> None:
    raise_file_limit()
    phones: dict[str, Session] = {}
    shown = {path: Session(ViewClient(base, path, random.Random(path))) for path in screens}
    for session in shown.values():
        session.client.start()
        session.open()
    inbox: asyncio.Queue[str] = asyncio.Queue()
    threading.Thread(
        target=_read_commands, args=(asyncio.get_running_loop(), inbox), daemon=True
    ).start()
    while (line := await inbox.get()) != "stop":
        command, _, token = line.partition(" ")
        if command == "open":
            phone = phones.get(token)
            if phone is None:
                client = ViewClient(base, f"/ws/ticket/{token}", random.Random(token))
                client.start()
                phone = phones[token] = Session(client)
            if not phone.is_open:
                phone.open()
        elif command == "close" and token in phones:
            await phones[token].close()
        elif command == "check":
            synced = await sync([*shown.values(), *phones.values()])
            report = {
                "synced": synced,
                "phones": {t: {**s.client.report(), "open": s.is_open} for t, s in phones.items()},
                "screens": {p: s.client.report() for p, s in shown.items()},
            }
            print(json.dumps(report, ensure_ascii=False), flush=True)
    for session in [*shown.values(), *phones.values()]:
        await session.close()
    print("done", flush=True)


class DayClients:
    """The parent's handle on one client process (same stdin/stdout lines as above)."""

    def __init__(self, base: str, screens: list[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.scenarios.day_clients", base, *screens],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def tell(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def answer(self) -> dict[str, Any]:
        """The JSON line printed after a `check`."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("{"):
            raise RuntimeError(f"a client process failed: {line!r}")
        body: dict[str, Any] = json.loads(line)
        return body

    def stop(self) -> None:
        if self.process.poll() is None:
            self.tell("stop")
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
