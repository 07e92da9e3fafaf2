"""A lean websocket client for the load benchmarks: thousands per process, little CPU each.

The benchmarks run their clients on the server's own machine, where every cycle a client
spends is taken from the server it measures. The websockets library's client used twice the
server's CPU to follow it (handshake, frame parsing and an asyncio task per connection); this
one is an asyncio Protocol that speaks just what a screen or a phone needs of RFC 6455: the
opening handshake (checked), unmasked text frames from the server, its pings (answered), its
close frame (answered), and masked frames of its own.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import struct
from collections.abc import Callable
from typing import cast
from urllib.parse import urlsplit

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class HandshakeRefused(Exception):
    """The server answered the upgrade with something other than 101 (a 404 for a bad token)."""


class Closed(Exception):
    """The connection ended; `code` and `reason` are the server's close frame, if it sent one."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed {code} {reason}")
        self.code = code
        self.reason = reason


class LeanSocket(asyncio.Protocol):
    """One connection: `opened` resolves after a good handshake, `ended` with Closed."""

    def __init__(self, host: str, target: str, on_text: Callable[[str], None]) -> None:
        self.on_text = on_text
        self.key = base64.b64encode(os.urandom(16))
        self.request = (
            f"GET {target} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {self.key.decode()}\r\n\r\n"
        ).encode()
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.ended: asyncio.Future[None] = loop.create_future()
        # A client stopped by the benchmark no longer awaits `ended`: its end is not an error.
        self.ended.add_done_callback(lambda f: f.cancelled() or f.exception())
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.close_code: int | None = None
        self.close_reason = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports (benchmarks/server_fleet.py) are not asyncio.Transport subclasses
        self.transport = cast(asyncio.Transport, transport)
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded and not self._handshake():
            return
        self._frames()

    def _handshake(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        del self.buffer[: end + 4]
        accept = base64.b64encode(hashlib.sha1(self.key + GUID).digest()).decode()
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
        if head[0].split(" ")[1:2] != ["101"] or headers.get("sec-websocket-accept") != accept:
            self._fail(HandshakeRefused(head[0]))
            return False
        self.upgraded = True
        self.opened.set_result(None)
        return True

    def _frames(self) -> None:
        buffer = self.buffer
        while len(buffer) >= 2:
            opcode, length = buffer[0] & 0x0F, buffer[1] & 0x7F
            start = 2
            if length == 126:
                if len(buffer) < 4:
                    return
                (length,) = struct.unpack_from("!H", buffer, 2)
                start = 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                (length,) = struct.unpack_from("!Q", buffer, 2)
                start = 10
            if len(buffer) < start + length:
                return
            payload = bytes(buffer[start : start + length])
            del buffer[: start + length]
            if opcode == TEXT:
                self.on_text(payload.decode())
            elif opcode == PING:
                self.send(PONG, payload)
            elif opcode == CLOSE:
                if len(payload) >= 2:
                    (self.close_code,) = struct.unpack_from("!H", payload)
                    self.close_reason = payload[2:].decode(errors="replace")
                self.send(CLOSE, payload[:2])
                assert self.transport is not None
                self.transport.close()
                return

    def send(self, opcode: int, payload: bytes) -> None:
        """A masked frame of ours (RFC 6455: every client frame is masked)."""
        if self.transport is None or self.transport.is_closing():
            return
        mask = os.urandom(4)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        if len(payload) < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | len(payload))
        else:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, len(payload))
        self.transport.write(header + mask + body)

    def send_text(self, text: str) -> None:
        self.send(TEXT, text.encode())

    async def close(self, timeout: float = 5) -> None:
        """A clean close, as a browser tab closing: our close frame, then the server's."""
        self.send(CLOSE, struct.pack("!H", 1000))
        with contextlib.suppress(Closed, TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.ended), timeout)
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, error: Exception) -> None:
        if not self.opened.done():
            self.opened.set_exception(error)
        if self.transport is not None:
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        ended = Closed(self.close_code, self.close_reason)
        if not self.opened.done():
            self.opened.set_exception(ended)
        elif self.upgraded and not self.ended.done():
            self.ended.set_exception(ended)


async def open_socket(url: str, on_text: Callable[[str], None], timeout: float) -> LeanSocket:
    """Connect and complete the handshake; raises OSError, HandshakeRefused, Closed, Timeout."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    loop = asyncio.get_running_loop()
    _, socket = await asyncio.wait_for(
        loop.create_connection(lambda: LeanSocket(f"{host}:{port}", target, on_text), host, port),
        timeout,
    )
    try:
        await asyncio.wait_for(socket.opened, timeout)
    except BaseException:
        if socket.transport is not None:
            socket.transport.abort()
        raise
    return socket
