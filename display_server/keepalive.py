"""Keepalive pings spread over the interval instead of sent by everyone at once.

websockets pings each connection `ping_interval` after it opened, then every interval after
that. After a restart, or at 5,000 phones opening within a second, every connection shares
one phase: each interval 5,000 pings went out and 5,000 pongs came back in a burst of ~300 ms,
and a call landing in it reached the phones that much later. Each connection here starts at a
random point of the interval; it keeps that phase, since the library's loop subtracts the
measured round trip from each wait.
"""

from __future__ import annotations

import asyncio
import random

from websockets.asyncio.server import ServerConnection


class SpreadPings(ServerConnection):
    """A server connection whose keepalive starts at a random phase of the ping interval."""

    async def keepalive(self) -> None:
        assert self.ping_interval is not None
        await asyncio.sleep(random.uniform(0, self.ping_interval))
        await super().keepalive()
