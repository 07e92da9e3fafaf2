"""The screens and phones of a clinic behind nginx, and what they must have once the servers
are current again after a fault: every call of the log after their first message, once and in
order, never a second snapshot; and the desks' and instances' side of it, as they see it (a
staff socket's answers, `/healthz`)."""

from __future__ import annotations

import asyncio
import json
import ssl
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection

from queue_core.events import EventType
from queue_core.store import Store
from tests.conftest import HALL_KEY
from tests.multi.followers import Follower

HALL = f"/ws/display?key={HALL_KEY}"
CALL_TYPES = {EventType.CALL, EventType.RECALL}
PATIENCE_S = 30.0  # how long a test waits for a server to be back (not a timing check)


@dataclass
class Audience:
    screens: list[Follower]
    phones: dict[str, Follower]  # by ticket number

    @property
    def followers(self) -> list[Follower]:
        return [*self.screens, *self.phones.values()]


@asynccontextmanager
async def watching(
    base: str, tls: ssl.SSLContext | None, tokens: list[tuple[str, str]], screens: int = 4
) -> AsyncIterator[Audience]:
    """`screens` hall screens and a phone for each (number, token), following `base` until
    the block ends."""
    audience = Audience(
        [Follower(base, HALL, tls) for _ in range(screens)],
        {number: Follower(base, f"/ws/ticket/{token}", tls) for number, token in tokens},
    )
    tasks = [asyncio.create_task(f.run()) for f in audience.followers]
    try:
        yield audience
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _calls(store: Store) -> dict[str, int]:
    return {e.ticket: e.seq for e in store.events_since(0) if e.type in CALL_TYPES and e.ticket}


async def current(audience: Audience, store: Store, patience_s: float = PATIENCE_S) -> None:
    """Until every screen and waiting phone has the log's last seq, and every called phone
    its call."""
    last, called = store.last_seq(), _calls(store)
    waits = [f.until_seq(last, patience_s) for f in audience.screens]
    for number, phone in audience.phones.items():
        waits.append(phone.until_seq(called.get(number, last), patience_s))
    await asyncio.gather(*waits)


def assert_every_call_once(audience: Audience, store: Store) -> None:
    """Each screen: one snapshot, then exactly the log's calls after it, in order. Each phone:
    its ticket once (resumed, never started over), and its call once if it was called."""
    events = store.events_since(0)
    called = _calls(store)
    for screen in audience.screens:
        first = screen.messages[0]
        assert first["type"] == "snapshot" and len(screen.of_type("snapshot")) == 1
        seen = [m["seq"] for m in screen.of_type("call")]
        assert seen == [e.seq for e in events if e.type in CALL_TYPES and e.seq > first["seq"]]
    for number, phone in audience.phones.items():
        assert len(phone.of_type("ticket")) == 1
        seen = [m["seq"] for m in phone.of_type("called")]
        assert seen == ([called[number]] if number in called else []), number


def health(url: str) -> tuple[int, dict[str, Any]]:
    """`/healthz`'s status and body; a 503 carries its body too."""
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


async def until_health(url: str, status: int, patience_s: float = PATIENCE_S) -> dict[str, Any]:
    """`/healthz`'s body once it answers `status`; past the patience, fails with its last
    answer."""
    answer: tuple[int, dict[str, Any]] | None = None
    try:
        async with asyncio.timeout(patience_s):
            while True:
                answer = await asyncio.to_thread(health, url)
                if answer[0] == status:
                    return answer[1]
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"{url}/healthz never answered {status}: last {answer}") from None


async def desk_command(nurse: ClientConnection, op: str, desk: str) -> dict[str, Any]:
    """A command on the staff socket, and its answer (pushes before it are passed over)."""
    key = uuid.uuid4().hex
    await nurse.send(json.dumps({"type": "command", "id": key, "op": op, "args": {"desk": desk}}))
    async with asyncio.timeout(PATIENCE_S):
        while True:
            answer: dict[str, Any] = json.loads(await nurse.recv())
            if answer.get("id") == key:
                return answer
