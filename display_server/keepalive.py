"""Keepalive pings spread over the interval instead of sent to everyone at once.

websockets pings each connection `ping_interval` after it opened, then every interval after
that. After a restart, or with thousands of phones opening within a second, every connection
shares one phase: each interval every ping goes out and every pong comes back in one burst, and
a call landing in it reaches the phones that much later. Here each connection's first ping
comes at a random point of its first interval; the library's loop then keeps that phase (it
subtracts the measured round trip from each wait).
"""

from __future__ import annotations

import asyncio
import random

from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

from display_server.ws_private import KeepaliveHook, fail


class SpreadPings(KeepaliveHook):
    """A server connection whose keepalive starts at a random phase of the ping interval."""

    async def before_keepalive(self, interval: float, timeout: float | None) -> bool:
        await asyncio.sleep(random.uniform(0, interval))
        return await self._first_pong(timeout)

    async def _first_pong(self, timeout: float | None) -> bool:
        """The first ping, failed like the library fails any other: 1011 without a pong in
        `timeout` (a client gone quiet right after connecting is dropped just as soon)."""
        try:
            pong = await self.ping()
        except ConnectionClosed:
            return False
        if timeout is None:
            return True
        try:
            async with asyncio.timeout(timeout):
                await pong
        except TimeoutError:
            await fail(self, CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
            return False
        return True
