"""A screen that stops reading is dropped once far behind; the others get everything."""

from __future__ import annotations

import asyncio
import socket

from websockets.asyncio.client import connect

from display_server.server import DisplayServer, serve
from queue_core import commands
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR
from tests.server.conftest import Feed, caught_up, open_feed

SMALL_LIMIT = 8 * 1024  # the default 256 KiB would take minutes of board changes to reach
MAX_ISSUED = 4_000  # bound: a server that never drops the stuck screen fails, not hangs


async def test_a_screen_that_stops_reading_is_dropped_and_others_miss_nothing(
    store: Store,
) -> None:
    async with serve(store, "127.0.0.1", 0, send_limit=SMALL_LIMIT) as server:
        await stuck_screen_dropped(store, server)


async def stuck_screen_dropped(store: Store, server: DisplayServer) -> None:
    healthy = await open_feed(server, "/ws/display?since=")
    await healthy.until_type("snapshot")
    raw = socket.create_connection(("127.0.0.1", server.port))
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck = Feed(await connect(f"ws://127.0.0.1:{server.port}/ws/display?since=", sock=raw))
    await stuck.until_type("snapshot")
    stuck.ws.transport.pause_reading()
    reader = asyncio.create_task(drain(healthy))
    issued = 0
    while server.hub.display_count > 1 and issued < MAX_ISSUED:
        issue_ticket(store, "nk-pt", ACTOR, name=f"加号{issued:04d}")
        issued += 1
        if issued % 50 == 0:
            await caught_up(server, store)
    assert server.hub.display_count == 1
    called = commands.call_next(store, "nk1", ACTOR)
    call = await reader
    assert call["ticket"] == called.number
    boards = [m["seq"] for m in healthy.messages if m["type"] == "board"]
    assert boards and len(boards) == len(set(boards))


async def drain(feed: Feed) -> dict[str, object]:
    """Keep reading, as a healthy screen does, until the first call."""
    return await feed.until_type("call")
