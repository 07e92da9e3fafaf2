"""display_server/ws_private.py against a real websockets server and real clients.

tests/server/test_ws_private.py runs this file with the interpreter of a throwaway venv per
websockets release (and with the project's own), so it imports only the standard library,
websockets and the display_server modules that need nothing else. Every check opens its own
server on port 0; the clients are websockets' asyncio client, or websockets' sans-I/O client
protocol over a plain socket where a check must see each byte or withhold an answer. It
prints one JSON line naming the release and the checks that held, or fails on the first
assertion that did not.
"""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import weakref
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import websockets
from websockets.asyncio.client import connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK
from websockets.frames import Close, CloseCode, Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

from display_server.keepalive import SpreadPings
from display_server.wire import fan_out, text_frame
from display_server.ws_private import (
    KeepaliveHook,
    fail,
    hang_up,
    lost_waiter,
    stop_listening,
    transport,
    write_frame,
)

WAIT_S = 10.0  # how long a check waits for something before failing (not a timing check)
ROOMY = 1 << 30  # a send limit no check's client reaches unless it stops reading
LIMIT = 256 * 1024  # the server's own SEND_BUFFER_LIMIT (display_server/feeds.py)
KERNEL_SEND_BUFFER = 64 * 1024  # the server's own (display_server/server.py)
MARKER = "written-while-it-must-not-be"
INTERVAL_S = 0.3  # keepalive checks: ping interval and timeout
CHECK_S = 60.0  # a check still running after this is stuck (a wait without its own timeout)


@asynccontextmanager
async def running(
    ping_interval: float | None = None,
    ping_timeout: float | None = None,
    connection: type[ServerConnection] = SpreadPings,
) -> AsyncIterator[tuple[Server, asyncio.Queue[ServerConnection], str]]:
    """A server configured as the display server is (no compression, SpreadPings unless told
    otherwise); each connection is put in the queue and kept open until its client goes."""
    joined: asyncio.Queue[ServerConnection] = asyncio.Queue()

    async def handler(conn: ServerConnection) -> None:
        await joined.put(conn)
        await conn.wait_closed()

    async with serve(
        handler,
        "127.0.0.1",
        0,
        compression=None,
        create_connection=connection,
        ping_interval=ping_interval,
        ping_timeout=ping_timeout,
        close_timeout=1,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        yield server, joined, f"ws://127.0.0.1:{port}/ws/display"


async def until(holds: Callable[[], bool], what: str) -> None:
    """Wait for `holds()`, looking every few milliseconds; fail naming `what` if it never does."""
    try:
        async with asyncio.timeout(WAIT_S):
            while not holds():
                await asyncio.sleep(0.005)
    except TimeoutError:
        raise AssertionError(f"not after {WAIT_S} s: {what}") from None


async def next_conn(joined: asyncio.Queue[ServerConnection]) -> ServerConnection:
    return await asyncio.wait_for(joined.get(), WAIT_S)


async def lost(conn: ServerConnection) -> None:
    """Wait for the server to see the TCP connection end."""
    await asyncio.wait_for(asyncio.shield(lost_waiter(conn)), WAIT_S)


class RawClient:
    """websockets' sans-I/O client protocol over a plain socket: it keeps every byte the
    server sent, sees every frame, and answers (pongs, the closing handshake) only when
    `answer` is set. Until `run()` it reads nothing after the handshake."""

    def __init__(self, url: str, answer: bool) -> None:
        self.uri = parse_uri(url)
        self.protocol = ClientProtocol(self.uri)
        self.answer = answer
        self.raw = bytearray()
        self.pings = 0
        self.closed_by: Close | None = None
        self.opened = False
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self, receive_buffer: int | None = None) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer is not None:  # a small window, so unread data backs up sooner
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (self.uri.host, self.uri.port))
        self.reader, self.writer = await asyncio.open_connection(sock=sock)
        self.protocol.send_request(self.protocol.connect())
        self.writer.write(b"".join(self.protocol.data_to_send()))
        async with asyncio.timeout(WAIT_S):
            while not self.opened:
                data = await self.reader.read(65536)
                assert data, "the server closed during the opening handshake"
                self._feed(data)
        assert self.protocol.handshake_exc is None, self.protocol.handshake_exc

    async def run(self) -> None:
        """Read until the server closes the TCP connection."""
        assert self.reader is not None and self.writer is not None
        try:
            while data := await self.reader.read(65536):
                self._feed(data)
        except ConnectionResetError:
            pass
        finally:
            self.writer.close()

    def _feed(self, data: bytes) -> None:
        self.raw += data
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                self.opened = True
            elif isinstance(event, Frame) and event.opcode is Opcode.PING:
                self.pings += 1
            elif isinstance(event, Frame) and event.opcode is Opcode.CLOSE:
                self.closed_by = self.protocol.close_rcvd
        replies = b"".join(self.protocol.data_to_send())
        if self.answer and self.writer is not None and replies:
            self.writer.write(replies)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def frames_arrive_intact() -> None:
    """write_frame (through wire.fan_out) at every length boundary of RFC 6455's header, in
    UTF-8, str and bytes: a websockets client reads back exactly what was sent."""
    texts = ["", "a", "号" * 41, "x" * 125, "x" * 126, "y" * 65_535, "z" * 65_536, "é" * 40_000]
    async with running() as (_, joined, url):
        client = await connect(url, max_size=None, open_timeout=WAIT_S)
        conn = await next_conn(joined)
        for text in texts:
            fan_out({conn}, ROOMY, text)
        fan_out({conn}, ROOMY, b'{"type":"pong"}')
        for text in [*texts, '{"type":"pong"}']:
            received = await asyncio.wait_for(client.recv(), WAIT_S)
            assert received == text, (len(received), len(text))
        await client.close()


async def a_fragmented_send_in_progress_is_skipped() -> None:
    """While the library is between two fragments of one message, no frame may go in between
    (the client would fail the connection with 1002); the next write goes out as usual."""
    async with running() as (_, joined, url):
        client = await connect(url, open_timeout=WAIT_S)
        conn = await next_conn(joined)
        first_written, go_on = asyncio.Event(), asyncio.Event()

        async def fragments() -> AsyncIterator[str]:
            yield "first "
            first_written.set()  # send() asks for the next fragment once the first is written
            await go_on.wait()
            yield "last"

        sending = asyncio.create_task(conn.send(fragments()))
        await asyncio.wait_for(first_written.wait(), WAIT_S)
        write_frame({conn}, text_frame(MARKER.encode()), ROOMY)
        go_on.set()
        await asyncio.wait_for(sending, WAIT_S)
        fan_out({conn}, ROOMY, "after")
        assert await asyncio.wait_for(client.recv(), WAIT_S) == "first last"
        assert await asyncio.wait_for(client.recv(), WAIT_S) == "after"
        await client.close()


async def a_closing_or_closed_connection_is_skipped() -> None:
    """Once the close frame is out nothing may follow it, and a closed connection is passed
    over without an error."""
    async with running() as (_, joined, url):
        client = RawClient(url, answer=True)
        await client.open()
        conn = await next_conn(joined)
        closing = asyncio.create_task(conn.close(CloseCode.NORMAL_CLOSURE, "done"))
        await until(lambda: conn.state is not State.OPEN, "close() sent its close frame")
        assert conn.state is State.CLOSING
        fan_out({conn}, ROOMY, MARKER)
        await asyncio.wait_for(client.run(), WAIT_S)
        await asyncio.wait_for(closing, WAIT_S)
        await lost(conn)
        assert conn.state is State.CLOSED
        fan_out({conn}, ROOMY, MARKER)
        assert client.closed_by is not None and client.closed_by.code == CloseCode.NORMAL_CLOSURE
        assert MARKER.encode() not in client.raw


async def a_peer_over_the_limit_is_aborted() -> None:
    """A client that stops reading: its socket's kernel buffer is capped through transport(),
    the unsent bytes grow past the limit, and the first write past it aborts the connection."""
    async with running() as (_, joined, url):
        client = RawClient(url, answer=False)
        try:
            await client.open(receive_buffer=KERNEL_SEND_BUFFER)
            conn = await next_conn(joined)
            sock = transport(conn).get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, KERNEL_SEND_BUFFER)
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) >= KERNEL_SEND_BUFFER
            chunk = "c" * 16_384
            for _ in range(4_096):  # 64 MiB at most: far more than every buffer on the way
                unsent = transport(conn).get_write_buffer_size()
                fan_out({conn}, LIMIT, chunk)
                if unsent > LIMIT:
                    break
                await asyncio.sleep(0)
            else:
                raise AssertionError("the unread data never backed up past the limit")
            await lost(conn)
            assert unsent <= LIMIT + len(chunk) + 4  # aborted at the first write past the limit
        finally:
            client.close()  # else the server's own close would wait behind the unread data


async def going_away_refuses_new_clients_and_closes_with_1001() -> None:
    """stop_listening refuses a new client at once; hang_up queues 1001 and closes each socket
    without waiting for the client's answer; websockets clients read 1001 and see the end."""
    async with running() as (server, joined, url):
        clients = [await connect(url, open_timeout=WAIT_S) for _ in range(3)]
        conns = [await next_conn(joined) for _ in clients]
        port = server.sockets[0].getsockname()[1]
        stop_listening(server)
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), WAIT_S)
        except ConnectionRefusedError:
            pass
        else:
            writer.close()
            raise AssertionError("a new connection was accepted after stop_listening")
        assert set(server.connections) == set(conns)
        for conn in server.connections:
            hang_up(conn, CloseCode.GOING_AWAY)
        assert all(transport(conn).is_closing() for conn in conns)
        for client in clients:
            try:
                await asyncio.wait_for(client.recv(), WAIT_S)
            except ConnectionClosedOK:
                pass
            else:
                raise AssertionError("the client read a message instead of the close")
            await asyncio.wait_for(client.wait_closed(), WAIT_S)
            assert client.close_code == CloseCode.GOING_AWAY
        for conn in conns:
            await lost(conn)


async def lost_waiter_completes_when_the_connection_ends() -> None:
    """The future is pending while the connection lasts and done once the client is gone, for
    asyncio.wait with a timeout (how the server lets queued close frames go out)."""
    async with running() as (_, joined, url):
        client = await connect(url, open_timeout=WAIT_S)
        conn = await next_conn(joined)
        waiter = lost_waiter(conn)
        done, _ = await asyncio.wait([waiter], timeout=0.05)
        assert not done and not waiter.done()
        await client.close()
        done, _ = await asyncio.wait([waiter], timeout=WAIT_S)
        assert done == {waiter}
        assert conn.state is State.CLOSED


async def fail_sends_its_code_and_ends_the_connection() -> None:
    """fail() outside the keepalive task: the close frame carries the code and the reason,
    and it returns once the TCP connection is gone."""
    async with running() as (_, joined, url):
        client = await connect(url, open_timeout=WAIT_S)
        conn = await next_conn(joined)
        await asyncio.wait_for(fail(conn, CloseCode.INTERNAL_ERROR, "seam check"), WAIT_S)
        assert lost_waiter(conn).done()
        try:
            await asyncio.wait_for(client.recv(), WAIT_S)
        except ConnectionClosedError as exc:
            assert exc.rcvd is not None
            assert (exc.rcvd.code, exc.rcvd.reason) == (CloseCode.INTERNAL_ERROR, "seam check")
        else:
            raise AssertionError("the client read a message instead of the close")


HOOKED: list[tuple[float, float | None]] = []


class StopsFirst(KeepaliveHook):
    """Notes what it was given and stops there: the library's ping loop must not run."""

    async def before_keepalive(self, interval: float, timeout: float | None) -> bool:
        HOOKED.append((interval, timeout))
        return False


async def keepalive_hook_runs_first_and_can_stop_the_loop() -> None:
    """KeepaliveHook hands the server's ping settings to before_keepalive once the connection
    is open, and its False keeps the library's loop from pinging at all."""
    HOOKED.clear()
    async with running(INTERVAL_S, INTERVAL_S, StopsFirst) as (_, joined, url):
        client = RawClient(url, answer=True)
        try:
            await client.open()
            await next_conn(joined)
            reading = asyncio.create_task(client.run())
            await asyncio.sleep(INTERVAL_S * 4)  # the library's loop would have pinged by now
            assert HOOKED == [(INTERVAL_S, INTERVAL_S)], HOOKED
            assert client.pings == 0 and client.closed_by is None and not reading.done()
            reading.cancel()
        finally:
            client.close()


class FailsFirst(KeepaliveHook):
    """Fails the connection before the library's loop, in the keepalive task."""

    async def before_keepalive(self, interval: float, timeout: float | None) -> bool:
        await fail(self, CloseCode.INTERNAL_ERROR, "failed before the first ping")
        return False


async def fail_in_the_keepalive_task_ends_the_connection() -> None:
    """fail() where SpreadPings calls it, in the keepalive task that the connection's loss
    cancels: the close frame carries the code and the reason, and the socket closes."""
    async with running(INTERVAL_S, INTERVAL_S, FailsFirst) as (_, joined, url):
        client = RawClient(url, answer=False)
        try:
            await client.open()
            conn = await next_conn(joined)
            await asyncio.wait_for(client.run(), WAIT_S)
            await lost(conn)
            assert client.pings == 0
            assert client.closed_by is not None
            assert client.closed_by.code == CloseCode.INTERNAL_ERROR
            assert client.closed_by.reason == "failed before the first ping"
        finally:
            client.close()


async def spread_pings_fail_a_silent_first_ping_with_1011() -> None:
    """SpreadPings on KeepaliveHook and fail(): a client that never answers is failed on its
    first ping (one ping, then 1011), one that answers gets the library's pings after it."""
    async with running(INTERVAL_S, INTERVAL_S) as (_, joined, url):
        silent, answering = RawClient(url, answer=False), RawClient(url, answer=True)
        try:
            await silent.open()
            silent_conn = await next_conn(joined)
            await answering.open()
            await next_conn(joined)
            answering_run = asyncio.create_task(answering.run())
            await asyncio.wait_for(silent.run(), WAIT_S)
            await lost(silent_conn)
            assert silent.pings == 1, silent.pings
            assert silent.closed_by is not None
            assert silent.closed_by.code == CloseCode.INTERNAL_ERROR
            assert silent.closed_by.reason == "keepalive ping timeout"
            # The first ping, then the library's own loop.
            await until(lambda: answering.pings >= 3, "three pings to the answering client")
            assert answering.closed_by is None and not answering_run.done()
            answering_run.cancel()
        finally:
            silent.close()
            answering.close()


async def closed_connections_are_freed_by_reference_counting() -> None:
    """The server freezes long-lived objects out of the cyclic collector (gc.freeze in
    display_server/server.py), so a closed connection must go by reference counting alone:
    no cycle of the library's (the logger's adapter, the keepalive task) may hold it."""
    gc.collect()
    gc.disable()
    try:
        async with running(INTERVAL_S, INTERVAL_S) as (_, joined, url):
            client = await connect(url, open_timeout=WAIT_S)
            conn = await next_conn(joined)
            freed = weakref.ref(conn)
            del conn
            await client.close()
            await until(lambda: freed() is None, "the closed connection freed")
    finally:
        gc.enable()


CHECKS: list[Callable[[], Coroutine[Any, Any, None]]] = [
    frames_arrive_intact,
    a_fragmented_send_in_progress_is_skipped,
    a_closing_or_closed_connection_is_skipped,
    a_peer_over_the_limit_is_aborted,
    going_away_refuses_new_clients_and_closes_with_1001,
    lost_waiter_completes_when_the_connection_ends,
    fail_sends_its_code_and_ends_the_connection,
    keepalive_hook_runs_first_and_can_stop_the_loop,
    fail_in_the_keepalive_task_ends_the_connection,
    spread_pings_fail_a_silent_first_ping_with_1011,
    closed_connections_are_freed_by_reference_counting,
]


async def main() -> None:
    for check in CHECKS:
        deadline = asyncio.timeout(CHECK_S)
        try:
            async with deadline:
                await check()
        except TimeoutError:
            if deadline.expired():
                raise AssertionError(f"{check.__name__} did not finish in {CHECK_S} s") from None
            raise
    print(json.dumps({"websockets": websockets.__version__, "held": [c.__name__ for c in CHECKS]}))


if __name__ == "__main__":
    asyncio.run(main())
