"""Keepalive pings: spread over the interval, and a peer that stops answering is dropped.

The clients here speak websocket through the library's sans-I/O protocol, so they see each
ping frame the server sends and answer it only when told to.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from websockets.client import ClientProtocol
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Request, Response
from websockets.uri import parse_uri

from display_server.server import DisplayServer, serve
from queue_core.store import Store
from tests.server.conftest import WAIT_S, open_feed, ws_url

# Each test waits for real pings, INTERVAL_S apart, more than one of them.
pytestmark = pytest.mark.slow

INTERVAL_S = 1.0
CLIENTS = 24


class PingWatcher:
    """One display connection that notes when each server ping arrives."""

    def __init__(self, url: str, answer_pings: bool) -> None:
        self.uri = parse_uri(url)
        self.protocol = ClientProtocol(self.uri)
        self.answer_pings = answer_pings
        self.opened = asyncio.Event()
        self.opened_at = 0.0
        self.pings: list[float] = []
        self.closed_with: int | None = None
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        reader, writer = await asyncio.open_connection(self.uri.host, self.uri.port)
        self.protocol.send_request(self.protocol.connect())
        writer.write(b"".join(self.protocol.data_to_send()))
        try:
            while data := await reader.read(65536):
                self.protocol.receive_data(data)
                for event in self.protocol.events_received():
                    self._note(event)
                replies = self.protocol.data_to_send()
                if self.answer_pings:
                    writer.write(b"".join(replies))
        finally:
            writer.close()

    def _note(self, event: Request | Response | Frame) -> None:
        if isinstance(event, Response):
            self.opened_at = time.monotonic()
            self.opened.set()
        elif isinstance(event, Frame) and event.opcode is Opcode.PING:
            self.pings.append(time.monotonic())
        elif isinstance(event, Frame) and event.opcode is Opcode.CLOSE:
            self.closed_with = self.protocol.close_rcvd.code if self.protocol.close_rcvd else None


@pytest.fixture
async def pinging(store: Store) -> AsyncIterator[DisplayServer]:
    async with serve(store, "127.0.0.1", 0, ping_interval=INTERVAL_S, ping_timeout=1.0) as app:
        yield app


async def watch(app: DisplayServer, answer_pings: bool) -> PingWatcher:
    watcher = PingWatcher(ws_url(app, "/ws/display"), answer_pings)
    watcher.task = asyncio.create_task(watcher.run())
    await asyncio.wait_for(watcher.opened.wait(), WAIT_S)
    return watcher


async def test_connections_opened_together_are_pinged_at_different_moments(
    pinging: DisplayServer,
) -> None:
    """Without a phase of their own, connections opened in the same instant are all pinged in
    the same instant, every interval (a burst that delayed calls with 5,000 phones)."""
    watchers = await asyncio.gather(*(watch(pinging, True) for _ in range(CLIENTS)))
    async with asyncio.timeout(WAIT_S):
        while any(len(w.pings) < 2 for w in watchers):
            await asyncio.sleep(0.05)
    firsts = sorted(w.pings[0] for w in watchers)
    # Uniform phases over a 1 s interval spread 24 first pings over ~0.9 s; one shared phase
    # puts them within the few milliseconds the connections took to open.
    assert firsts[-1] - firsts[0] > INTERVAL_S / 3
    for w in watchers:  # the first within the first interval, then one interval apart
        assert w.closed_with is None
        assert w.pings[0] - w.opened_at < INTERVAL_S * 1.5  # not a whole interval later
        assert w.pings[1] - w.pings[0] > INTERVAL_S / 2
        assert w.task is not None
        w.task.cancel()


async def test_a_peer_that_stops_answering_pings_is_dropped_and_others_stay(
    pinging: DisplayServer,
) -> None:
    """A phone gone off the Wi-Fi without a close: the server stops waiting for it."""
    silent = await watch(pinging, answer_pings=False)
    answering = await watch(pinging, answer_pings=True)
    feed = await open_feed(pinging, "/ws/display")
    await feed.until_type("snapshot")
    assert silent.task is not None and answering.task is not None
    await asyncio.wait_for(silent.task, WAIT_S)
    assert silent.pings
    assert silent.closed_with == CloseCode.INTERNAL_ERROR  # "keepalive ping timeout"
    async with asyncio.timeout(WAIT_S):  # answered pings past a whole timeout keep it open
        while len(answering.pings) < 2 or pinging.hub.display_count != 2:
            await asyncio.sleep(0.05)
    assert answering.closed_with is None and not answering.task.done()
    answering.task.cancel()
    await feed.ws.close()
