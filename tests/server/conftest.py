"""A real display server on port 0 in this process, and real websockets clients for it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from display_server.server import DisplayServer, serve
from queue_core.config import ClinicConfig, parse_config
from queue_core.store import Store
from tests.conftest import SAMPLE_CONFIG

WAIT_S = 10.0  # generous: how long a test waits for a message before failing (not a timing check)
Message = dict[str, Any]


@pytest.fixture
async def server(store: Store) -> AsyncIterator[DisplayServer]:
    async with serve(store, "127.0.0.1", 0) as app:
        yield app


class Feed:
    """One websocket client that remembers every message it received, in order."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.messages: list[Message] = []
        self.frames: list[str] = []

    async def next(self) -> Message:
        frame = await asyncio.wait_for(self.ws.recv(decode=True), WAIT_S)
        self.frames.append(frame)
        message: Message = json.loads(frame)
        self.messages.append(message)
        return message

    async def until(self, wanted: Callable[[Message], bool]) -> Message:
        while True:
            message = await self.next()
            if wanted(message):
                return message

    async def until_type(self, kind: str) -> Message:
        return await self.until(lambda m: m["type"] == kind)

    async def send(self, message: Message) -> None:
        await self.ws.send(json.dumps(message))

    async def close_code(self) -> int | None:
        """Read until the server closes; the close code it sent."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), WAIT_S)
        except ConnectionClosed:
            pass
        await asyncio.wait_for(self.ws.wait_closed(), WAIT_S)
        return self.ws.close_code


async def caught_up(app: DisplayServer, store: Store) -> None:
    """Wait until the server's feeds have sent everything the log holds."""
    async with asyncio.timeout(WAIT_S):
        while app.hub.seq < store.last_seq():
            await asyncio.sleep(0.01)


def ws_url(app: DisplayServer, path: str) -> str:
    return f"ws://127.0.0.1:{app.port}{path}"


async def open_feed(app: DisplayServer, path: str) -> Feed:
    ws = await connect(ws_url(app, path), open_timeout=WAIT_S, max_size=None)
    return Feed(ws)


def config_with_codes(minutes: int) -> ClinicConfig:
    """The sample clinic with check-in from the phone, its code changing every `minutes`."""
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace("[clinic]\n", f"[clinic]\ncheckin_code_minutes = {minutes}\n", 1)
    return parse_config(text, str(SAMPLE_CONFIG))
