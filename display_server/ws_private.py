"""Every use of websockets' non-public API, in one place: websockets 17.1 to 17.x.

websockets documents its asyncio `Connection` and `Server` as the attributes and methods its
reference pages list (its source sets them apart under "# Public attributes" and "# Public
methods"); what comes under "# Private methods", and attributes such as `transport`,
`protocol` or `send_in_progress` that are set in `__init__` or `connection_made` without a
docstring, can change in any release. The server needs a few of them where the public API has
nothing that keeps its behaviour or its speed; each function here names the ones it uses and
why. The rest of display_server uses only the public API and this module, so a new websockets
release is checked here, and tests/server/test_ws_private.py runs these functions against real
servers and clients of the first and the newest release of every series that pyproject.toml
allows.

As read in the source of each release from 17.0 to 17.4, all of them have what this module
uses, with the same meaning:

- `Connection.transport`: the asyncio transport, set in `connection_made()`;
- `Connection.protocol`: the sans-I/O protocol, whose `state`, `send_close()` and `fail()` are
  the sans-I/O API's public ones;
- `Connection.send_in_progress`: the future held while a fragmented message is being sent
  (15.x called it `fragmented_send_waiter`; 16.0 renamed it);
- `Connection.send_data()`, `Connection.send_context()`, `Connection.connection_lost_waiter`;
- `Connection.keepalive()`, run by `start_keepalive()` in `keepalive_task` once the opening
  handshake is done, and cancelled by `connection_lost()`; its `ping_interval` and
  `ping_timeout` attributes;
- `Server.server`: the asyncio.Server that listens (17.0.1 rewrote `Server`; this stayed).

The server needs two things more of a release, which is why pyproject.toml starts at 17.1:
`Request.method`, which 17.0 added (earlier releases parse nothing but `GET`, and the server
answers `HEAD` and `405` from it), and closed connections that reference counting frees. 17.0
and 17.0.1 keep each connection in reference cycles (its logger's adapter, its keepalive
task) that only the cyclic collector breaks, and the server freezes long-lived objects out of
that collector's sight (gc.freeze in display_server/server.py): each closed phone would stay
in memory for the life of the process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from websockets.asyncio.server import Server, ServerConnection
from websockets.frames import CloseCode
from websockets.protocol import State

_OPEN = State.OPEN


def write_frame(conns: Iterable[ServerConnection], frame: bytes, limit: int) -> None:
    """Write `frame`, a whole frame already built (display_server/wire.py), to each connection
    that can take it, and abort those with more than `limit` bytes still unsent.

    `broadcast()` and `send()` frame the message again for every connection; writing the same
    bytes to each transport is what keeps a round to 5,000 phones cheap, so the loop reads
    the library's attributes rather than the public `state` property, one call more per
    connection. A connection is skipped unless its protocol is OPEN (no close frame sent yet:
    nothing may follow one) and no fragmented message is half written (`send_in_progress`: a
    frame in between would corrupt it). A close frame for the one over `limit` would wait
    behind the unread data forever, so its transport is aborted instead.
    """
    for conn in conns:
        sink = conn.transport
        if sink.get_write_buffer_size() > limit:
            sink.abort()
        elif conn.protocol.state is _OPEN and conn.send_in_progress is None:
            sink.write(frame)


def transport(conn: ServerConnection) -> asyncio.Transport:
    """The asyncio transport under `conn` (`Connection.transport`), for asyncio's own API: its
    socket's options, how many bytes are still unsent. Websocket data goes through the
    library or `write_frame()`, never straight to it."""
    return conn.transport


def stop_listening(server: Server) -> None:
    """Close the listening socket now (`Server.server`, the asyncio.Server).

    The public `Server.close()` does the same only in a task it starts, one loop iteration
    later; a client that reconnects as soon as its close frame arrives must be refused then,
    not accepted into the backlog of a socket about to close.
    """
    server.server.close()


def hang_up(conn: ServerConnection, code: CloseCode) -> None:
    """Queue a close frame with `code` and close the socket behind it, without waiting for the
    client's close frame (`protocol.send_close()`, `send_data()`, `transport.close()`).

    The public `close()` waits for the closing handshake, each client answering in turn; the
    socket's close still delivers what was queued before it. `conn` must be open, as the
    connections of `Server.connections` are.
    """
    conn.protocol.send_close(code)
    conn.send_data()
    conn.transport.close()


def lost_waiter(conn: ServerConnection) -> asyncio.Future[None]:
    """The future the library completes when the TCP connection is lost
    (`connection_lost_waiter`), for `asyncio.wait` over many connections with a timeout: the
    public `wait_closed()` awaits the same future but needs a task per connection."""
    return conn.connection_lost_waiter


async def fail(conn: ServerConnection, code: CloseCode, reason: str) -> None:
    """Fail the connection as the library's own keepalive does when a pong is late: a close
    frame with `code` and `reason`, then the socket closes without the closing handshake
    (`send_context()` around `protocol.fail()`). Returns once the connection is lost; in the
    keepalive task, `connection_lost()` cancels the task instead."""
    async with conn.send_context():
        conn.protocol.fail(code, reason)


class KeepaliveHook(ServerConnection):
    """A server connection whose keepalive task runs `before_keepalive()` first, then the
    library's own ping loop if that returned True.

    The library's `keepalive()` is the one place that runs once per connection, after the
    opening handshake, in a task that the connection's loss cancels; there is no public hook
    for the time before the first ping.
    """

    async def keepalive(self) -> None:
        # Only started when ping_interval is not None (Connection.start_keepalive).
        assert self.ping_interval is not None
        if await self.before_keepalive(self.ping_interval, self.ping_timeout):
            await super().keepalive()

    async def before_keepalive(self, interval: float, timeout: float | None) -> bool:
        """What to do before the library's loop, which waits `interval` before its first ping;
        False keeps that loop from running (the connection failed here, or closed)."""
        return True
