"""Freezing long-lived objects out of the cyclic collector must not keep closed connections."""

from __future__ import annotations

import asyncio
import gc
import weakref

from display_server.process import freeze_long_lived
from display_server.server import DisplayServer
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR
from tests.server.conftest import WAIT_S, caught_up, open_feed


async def test_connections_frozen_while_open_are_freed_when_they_close(
    store: Store, server: DisplayServer
) -> None:
    tickets = [issue_ticket(store, "nk-pt", ACTOR, name=f"患者{i:02d}") for i in range(20)]
    await caught_up(server, store)
    displays = [await open_feed(server, "/ws/display?since=") for _ in range(5)]
    phones = [await open_feed(server, f"/ws/ticket/{t.token}?since=") for t in tickets]
    for feed in [*displays, *phones]:
        await feed.next()
    assert server.server is not None
    opened = [weakref.ref(conn) for conn in server.server.connections]
    assert len(opened) == 25
    freezer = asyncio.create_task(freeze_long_lived(lambda: 0, every_s=0.01, look_s=0.01))
    try:
        async with asyncio.timeout(WAIT_S):
            while gc.get_freeze_count() == 0:
                await asyncio.sleep(0.01)
        for feed in [*displays, *phones]:
            await feed.ws.close()
        del displays, phones
        async with asyncio.timeout(WAIT_S):  # by reference counting: no collection runs here
            while any(ref() is not None for ref in opened):
                await asyncio.sleep(0.05)
    finally:
        freezer.cancel()
        gc.unfreeze()


async def test_a_burst_of_connections_is_frozen_without_waiting_for_the_period(
    store: Store, server: DisplayServer
) -> None:
    """Thousands of phones opening at once must leave young collections before a full one
    walks them all; a quiet server freezes only once per period."""
    gc.unfreeze()
    hub = server.hub
    freezer = asyncio.create_task(
        freeze_long_lived(
            lambda: hub.display_count + hub.phone_count, every_s=3600, joins=10, look_s=0.01
        )
    )
    try:
        await asyncio.sleep(0.1)  # ten looks with nobody joining
        assert gc.get_freeze_count() == 0
        feeds = [await open_feed(server, "/ws/display?since=") for _ in range(12)]
        async with asyncio.timeout(WAIT_S):
            while gc.get_freeze_count() == 0:
                await asyncio.sleep(0.01)
        for feed in feeds:
            await feed.ws.close()
    finally:
        freezer.cancel()
        gc.unfreeze()
