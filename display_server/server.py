"""`clinic-queue serve`: one websockets server for the TV pages, the phone pages and their feeds.

Plain HTTP routes are answered in `process_request`; the two websocket paths get a handler
that joins the hub and then only reads client messages (acks, presence, pings). Database
writes run on a thread and a connection of their own behind a bounded queue (write_queue.py),
reads on another connection, so neither the event loop nor a read ever waits behind a write.
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from websockets.asyncio.server import Server, ServerConnection
from websockets.asyncio.server import serve as ws_serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.http11 import Request, Response

from display_server import protocol, routes
from display_server.announcer import KEY_PATTERN, Announcer
from display_server.audio_files import AudioFiles, folder_of
from display_server.backups import Backups
from display_server.client_writes import Receipts, Speakers, presence
from display_server.day import DAY_LOOK_S, keep_the_day
from display_server.delivery import JOURNAL_SIZE
from display_server.feeds import SEND_BUFFER_LIMIT, Hub
from display_server.his_api import HisApi
from display_server.http11 import HEAD_LIMIT, connection_handler
from display_server.keepalive import SpreadPings
from display_server.limits import Addresses, RateLimit, Writes, client_address, trusted_proxies
from display_server.notify import RETRY_BASE_S, Notifier
from display_server.phone_checkin import PhoneCheckIn
from display_server.protocol import BadMessage, Message, encode
from display_server.screen_file import keep_screen_file
from display_server.staff import STAFF_PATH, StaffApi
from display_server.voice import choose_engine
from display_server.wire import fan_out
from display_server.write_queue import WRITE_GIVE_UP_S, WriteQueue
from display_server.ws_private import hang_up, stop_listening, transport
from queue_core.duties import server_name
from queue_core.errors import FileFault, QueueError
from queue_core.feedback import ticket_by_token
from queue_core.model import Ticket
from queue_core.screen_status import remove_status
from queue_core.screens import registered_filter, screen_by_key
from queue_core.store import Store

HELLO_WAIT_S = 0.25  # without ?since=, how long a new client may take to send `hello` first
KERNEL_SEND_BUFFER = 64 * 1024  # messages are small; the default autotunes up to megabytes
DISPLAY_PATH = "/ws/display"
TICKET_PATH = "/ws/ticket/"
AUDIO_PATH = "/audio/"
AUDIO_KEY = re.compile(KEY_PATTERN)
# After a restart thousands of clients connect within a second; asyncio's default queue of 100
# unaccepted connections drops the rest, and a dropped SYN is retried only after 1 s.
LISTEN_BACKLOG = 4096
# A client that answers no ping within PING_TIMEOUT_S (a phone gone off the Wi-Fi without a
# close) is dropped; it is pinged once every PING_INTERVAL_S, at its own phase (keepalive.py).
PING_INTERVAL_S = 20.0
PING_TIMEOUT_S = 20.0


def _own_folder(store: Store) -> None:
    """The folder of the queue's own files on this host: beside an SQLite file it is there
    already; on PostgreSQL, $CLINIC_QUEUE_DATA_DIR may name one nothing has made yet."""
    try:
        store.path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileFault(
            f"{store.path.parent} could not be made ({exc.strerror}); the server did not start.",
            "data_folder",
        ) from None


class DisplayServer:
    """The server's parts: a reading hub, a writing connection, and the websockets server."""

    def __init__(
        self,
        store: Store,
        journal_size: int = JOURNAL_SIZE,
        send_limit: int = SEND_BUFFER_LIMIT,
        retry_base_s: float = RETRY_BASE_S,
    ) -> None:
        self.config = store.config
        _own_folder(store)
        self.name = server_name()  # among the clinic's servers, in what they claim
        self.reader = store.open_again()
        self.writer = store.open_again(give_up_after_s=WRITE_GIVE_UP_S)
        self.write_queue = WriteQueue()
        self.hub = Hub(self.reader, journal_size, send_limit)
        engine, self.voice_line = choose_engine(self.config, store.path.parent)
        self.announcer = None
        if engine is not None:
            audio = AudioFiles(folder_of(store.path), KEY_PATTERN)
            self.announcer = Announcer(self.config, engine, audio)
        self.hub.announcer = self.announcer
        self.speakers = Speakers()
        self.notifier = (
            Notifier(store, self.config.notify, self.name, retry_base_s)
            if self.config.notify.webhooks
            else None
        )
        self.staff = StaffApi(self.writer, self.write_queue, self.hub, notifier=self.notifier)
        self.checkins = PhoneCheckIn(self.writer, self.write_queue, self.hub)
        self.addresses = Addresses()
        self.proxies = trusted_proxies()
        self.server: Server | None = None
        self.api_server: asyncio.Server | None = None  # the HIS API's port, when asked for
        self.host = ""
        self.scheme = "http"

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def api_url(self) -> str | None:
        """Where the HIS posts (docs/his-api.md), or None when no API port was asked for."""
        if self.api_server is None:
            return None
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = self.api_server.sockets[0].getsockname()[1]
        return f"{self.scheme}://{host}:{port}"

    def close(self) -> None:
        """Also on the way to a fast exit: the desks learn at once that no screen is served."""
        with suppress(QueueError):  # a busy database: the row goes stale instead
            remove_status(self.writer, self.name)
        self.hub.stop()
        if self.announcer is not None:
            self.announcer.close()
        self.write_queue.close()
        if self.notifier is not None:
            self.notifier.close()
        self.reader.close()
        self.writer.close()

    async def lookup(self, token: str) -> Ticket | None:
        """The ticket of a phone link, or None; malformed tokens never reach the database, and
        today's are found in memory (thousands of phones reconnect at once after a restart)."""
        if not protocol.TOKEN_SHAPE.match(token):
            return None
        known = self.hub.line.ticket_by_token(token)
        if known is not None:
            return known
        try:
            stored = await asyncio.to_thread(ticket_by_token, self.reader, token)
        except QueueError:
            return None
        if stored.day != self.hub.line.day:
            return stored
        await self.hub.knows(token)
        return self.hub.line.ticket_by_token(token) or stored

    async def process_request(self, conn: ServerConnection, request: Request) -> Response | None:
        method = request.method
        route, _ = protocol.parse_query(request.path)
        if method not in ("GET", "HEAD"):
            return routes.response(405, b"method not allowed\n", "text/plain; charset=utf-8")
        if route in (DISPLAY_PATH, STAFF_PATH) or route.startswith(TICKET_PATH):
            return None
        if route == "/":
            return routes.screens_index(self.config, method)
        if route == "/display":
            return routes.static_file("display.html", method)
        if route.startswith("/t/"):
            if await self.lookup(route[3:]) is None:
                return routes.not_found(method)
            return routes.static_file("phone.html", method, cache="no-store")
        if route == "/favicon.ico":  # browsers ask for it on every page: a 404 each time otherwise
            return routes.static_file("favicon.ico", method)
        if route == "/healthz":
            fault = self.reader.opened.changed()
            return routes.health(
                self.hub.seq,
                self.hub.display_count,
                self.hub.phone_count,
                self.hub.fault if fault is None else fault.code,
                method,
                voice=self.announcer.engine.name if self.announcer else None,
                silent=self.speakers.silent(),
                notify=self.notifier.status().to_json() if self.notifier else None,
            )
        if route.startswith(AUDIO_PATH):
            return await self._audio(route[len(AUDIO_PATH) :], method)
        if route.startswith("/static/"):
            return routes.static_file(route[len("/static/") :], method)
        return routes.not_found(method)

    async def _audio(self, name: str, method: str) -> Response:
        key, _, kind = name.partition(".")
        if self.announcer is None or kind != "wav" or not AUDIO_KEY.fullmatch(key):
            return routes.not_found(method)
        data = await self.announcer.audio(key)
        if data is None:
            return routes.not_found(method)
        return routes.response(200, data, "audio/wav", method=method, cache=routes.IMMUTABLE)

    async def handler(self, conn: ServerConnection) -> None:
        assert conn.request is not None
        sock = transport(conn).get_extra_info("socket")
        if sock is not None:  # cap the kernel's share too, so a stuck peer hits SEND_BUFFER_LIMIT
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, KERNEL_SEND_BUFFER)
        route, query = protocol.parse_query(conn.request.path)
        peer = conn.remote_address[0] if conn.remote_address else None
        address = client_address(
            peer, conn.request.headers.get("X-Forwarded-For", ""), self.proxies
        )
        # The handshake's headers are never read again, yet websockets keeps the request and
        # response for the connection's life: kilobytes per idle phone.
        conn.request.headers = Headers()
        conn.response = None
        writes = self.addresses.join(address)
        try:
            if route == DISPLAY_PATH:
                await self._display(conn, query, writes)
            elif route == STAFF_PATH:
                await self._staff(conn, address)
            else:
                await self._phone(conn, route[len(TICKET_PATH) :], query, writes)
        except ConnectionClosed:
            pass
        finally:
            self.addresses.leave(address)

    async def _staff(self, conn: ServerConnection, address: str) -> None:
        link = self.staff.link(address)
        sending: asyncio.Task[None] | None = None
        again = False

        async def send() -> None:
            nonlocal again
            while True:
                again = False
                view = await link.view()
                if view is not None:
                    fan_out((conn,), self.hub.send_limit, view[1])
                if not again:
                    return

        def push() -> None:
            """After each batch of events: one view in flight at a time, and one more after
            it when events came meanwhile, so a burst of changes is one or two views."""
            nonlocal sending, again
            if sending is not None and not sending.done():
                again = True
                return
            sending = asyncio.get_running_loop().create_task(send())

        self.hub.listeners.add(push)
        try:
            async for frame in conn:
                await _reply(conn, await link.on_frame(frame))
        finally:
            self.hub.listeners.discard(push)
            if sending is not None:
                sending.cancel()

    async def _display(
        self, conn: ServerConnection, query: dict[str, list[str]], writes: Writes
    ) -> None:
        screen = screen_by_key(self.config, (query.get("key") or [""])[0])
        if screen is None:
            seen = protocol.screen_filter(self.config, query)
        else:
            seen = registered_filter(self.config, screen)
        receipts = Receipts(self.write_queue, self.writer, screen.id if screen else None, writes)
        limit = RateLimit()
        since, first = await self._opening(conn, query, protocol.DISPLAY_TYPES)
        self.hub.join_display(conn, seen, since)
        codes = None
        if screen is not None and self.checkins.minutes:
            codes = asyncio.create_task(self.checkins.show(conn, seen))
        try:
            if first is not None:
                await self._on_display_message(conn, first, receipts)
            async for frame in conn:
                if not limit.allow():
                    await _close_draining(conn, "too many messages")
                    return
                await self._on_display_message(conn, frame, receipts)
        finally:
            if codes is not None:
                codes.cancel()
            self.hub.leave_display(conn, seen)

    async def _on_display_message(
        self, conn: ServerConnection, frame: Any, receipts: Receipts
    ) -> None:
        data = await _parsed(conn, frame, protocol.DISPLAY_TYPES)
        if data is None:
            return
        if data["type"] == "ack":
            how = str(data.get("how", protocol.OLD_PAGE_HOW))
            refusal = await receipts.record(int(data["seq"]), how)
            if refusal is None:
                self.speakers.heard(receipts.screen_id, how)
            if refusal is not None:
                await _reply(conn, refusal)
        else:
            await self._common(conn, data)

    async def _phone(
        self, conn: ServerConnection, token: str, query: dict[str, list[str]], writes: Writes
    ) -> None:
        ticket = await self.lookup(token)
        if ticket is None:
            await conn.close(protocol.POLICY_VIOLATION, "not found")
            return
        limit = RateLimit()
        since, first = await self._opening(conn, query, protocol.PHONE_TYPES)
        self.hub.join_phone(conn, ticket, since)
        try:
            if first is not None:
                await self._on_phone_message(conn, first, token, writes)
            async for frame in conn:
                if not limit.allow():
                    await _close_draining(conn, "too many messages")
                    return
                await self._on_phone_message(conn, frame, token, writes)
        finally:
            self.hub.leave_phone(conn, ticket.id)

    async def _on_phone_message(
        self, conn: ServerConnection, frame: Any, token: str, writes: Writes
    ) -> None:
        data = await _parsed(conn, frame, protocol.PHONE_TYPES)
        if data is None:
            return
        if data["type"] == "presence":
            refusal = await presence(self.write_queue, self.writer, token, data["status"], writes)
            if refusal is not None:
                await _reply(conn, refusal)
        elif data["type"] == "check_in":
            await _reply(conn, await self.checkins.attempt(await self.lookup(token), data["code"]))
        else:
            await self._common(conn, data)

    async def _common(self, conn: ServerConnection, data: Message) -> None:
        if data["type"] == "ping":
            await _reply(conn, {"type": "pong"})
        else:
            await _reply(conn, protocol.error("late_hello", "hello must be the first message."))

    async def _opening(
        self, conn: ServerConnection, query: dict[str, list[str]], allowed: tuple[str, ...]
    ) -> tuple[int | None, Any]:
        """Where to start: `?since=`, or a first `hello`; the first other frame is kept."""
        if "since" in query:
            return protocol.since_of(query), None
        try:
            frame = await asyncio.wait_for(conn.recv(), HELLO_WAIT_S)
        except TimeoutError:
            return None, None
        try:
            data = protocol.parse_client(frame, allowed)
        except BadMessage:
            return None, frame
        if data["type"] != "hello":
            return None, frame
        return protocol.as_seq(data.get("since")), None


async def _close_draining(conn: ServerConnection, reason: str) -> None:
    """Close with 1008 while still reading: a flooding peer's close frame is behind its flood."""
    closing = asyncio.create_task(conn.close(protocol.POLICY_VIOLATION, reason))
    try:
        async for _ in conn:
            pass
    finally:
        await closing


async def _parsed(conn: ServerConnection, frame: Any, allowed: tuple[str, ...]) -> Message | None:
    try:
        return protocol.parse_client(frame, allowed)
    except BadMessage as exc:
        await _reply(conn, protocol.error(exc.code, exc.message))
        return None


async def _reply(conn: ServerConnection, message: Message) -> None:
    await conn.send(encode(message))


@asynccontextmanager
async def serve(
    store: Store,
    host: str = "127.0.0.1",
    port: int = 0,
    journal_size: int = JOURNAL_SIZE,
    send_limit: int = SEND_BUFFER_LIMIT,
    ping_interval: float = PING_INTERVAL_S,
    ping_timeout: float = PING_TIMEOUT_S,
    day_look_s: float = DAY_LOOK_S,
    tls: ssl.SSLContext | None = None,
    api_port: int | None = None,
    retry_base_s: float = RETRY_BASE_S,
) -> AsyncIterator[DisplayServer]:
    """Run the server while the block runs; leaving it closes every client with 1001. With
    `tls`, it speaks https and wss itself (docs/operations.md). With `api_port`, the HIS API
    is served there too, with the same TLS (0 picks a port; docs/his-api.md). `retry_base_s`:
    the first retry of a failed notification (display_server/notify.py)."""
    app = DisplayServer(store, journal_size, send_limit, retry_base_s)
    app.host = host
    app.scheme = "https" if tls is not None else "http"
    day: asyncio.Task[None] | None = None
    screen_file: asyncio.Task[None] | None = None
    try:
        await app.hub.start()
        if app.notifier is not None:
            app.hub.tail_listeners.append(app.notifier.wake)
            loop = asyncio.get_running_loop()

            def backlog_moved() -> None:
                loop.call_soon_threadsafe(app.hub.tell_listeners)

            app.notifier.on_backlog = backlog_moved
            app.notifier.start()
        if app.announcer is not None:
            app.announcer.ahead(app.hub.line.board)
        backups = Backups(app.writer, app.config.backup, app.name) if app.config.backup else None
        day = asyncio.create_task(keep_the_day(app.hub, app.writer, day_look_s, backups))
        screen_file = asyncio.create_task(
            keep_screen_file(
                app.writer,
                app.name,
                app.config,
                app.hub.screens,
                app.hub.screens_everywhere,
                changed=app.hub.tell_listeners,
            )
        )
        async with ws_serve(
            app.handler,
            host,
            port,
            process_request=app.process_request,
            origins=protocol.allowed_origins(),
            compression=None,  # display_server/wire.py frames messages itself, once for all
            max_size=protocol.MAX_FRAME,
            max_queue=8,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            create_connection=SpreadPings,
            close_timeout=5,
            backlog=LISTEN_BACKLOG,
            ssl=tls,
        ) as server:
            app.server = server
            if api_port is not None:
                app.api_server = await asyncio.start_server(
                    connection_handler(HisApi(app.staff, app.proxies).answer, _peer),
                    host,
                    api_port,
                    ssl=tls,
                    limit=HEAD_LIMIT,
                )
            try:
                yield app
            finally:
                if app.api_server is not None:
                    app.api_server.close()
                going_away(server)
    finally:
        for task in (day, screen_file):
            if task is not None:
                task.cancel()
        if screen_file is not None:
            await asyncio.gather(screen_file, return_exceptions=True)  # no write after close
        app.close()


def _peer(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    return str(peer[0]) if peer else "?"


def going_away(server: Server) -> list[ServerConnection]:
    """Every client gets its 1001 close frame at once, then its socket closes behind it.

    Waiting for each client's closing handshake would keep the old process for seconds (their
    clients answer one by one) while the new one could not take its port's clients; a client
    reconnects on the close frame alone.
    """
    stop_listening(server)  # first: a client retrying must be refused, not queued
    connections = list(server.connections)
    for conn in connections:
        hang_up(conn, CloseCode.GOING_AWAY)
    return connections
