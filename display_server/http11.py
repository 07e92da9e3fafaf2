"""Just enough HTTP/1.1 for the HIS API (docs/his-api.md): one request per connection, a
Content-Length body, a JSON answer, then close.

The websockets server answers plain GETs but never reads a request body, and the HIS pushes
POSTs; this is the one place bytes become a request. Everything is bounded (the head, the body,
the time a client may take), so a slow or hostile client costs a connection and a timer.
"""

from __future__ import annotations

import asyncio
import email.utils
import http
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

HEAD_LIMIT = 16 * 1024  # the request line and headers
BODY_LIMIT = 64 * 1024  # one appointment is a few hundred bytes
READ_TIMEOUT_S = 10.0  # for the whole request: a client that trickles bytes is dropped
_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query
    headers: dict[str, str]  # names lower-cased; a repeated header keeps its last value
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    headers: tuple[tuple[str, str], ...] = ()


class BadHttp(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    """The method, path and headers of a request head (without its blank line)."""
    try:
        text = head.decode("ascii")
    except UnicodeDecodeError:
        raise BadHttp(400, "The request head is not ASCII.") from None
    line, *fields = text.split("\r\n")
    parts = line.split(" ")
    if len(parts) != 3 or parts[2] not in ("HTTP/1.1", "HTTP/1.0") or parts[0] not in _METHODS:
        raise BadHttp(400, "Not an HTTP/1.1 request line.")
    headers: dict[str, str] = {}
    for field in fields:
        name, colon, value = field.partition(":")
        if not colon or not name or name != name.strip():
            raise BadHttp(400, "A malformed header line.")
        headers[name.lower()] = value.strip()
    path = parts[1].partition("?")[0]
    if not path.startswith("/"):
        raise BadHttp(400, "The request target must be a path.")
    return parts[0], path, headers


async def read_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Request:
    """One request; a client that asks to be told before it sends its body (curl does, for a
    body over a kilobyte: `Expect: 100-continue`) is told to go on once its head is accepted."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        raise BadHttp(431, f"The request head is over {HEAD_LIMIT} bytes.") from None
    method, path, headers = parse_head(head[:-4])
    if "transfer-encoding" in headers:
        raise BadHttp(411, "Send the body with a Content-Length, not chunked.")
    length_text = headers.get("content-length", "0")
    if not length_text.isdigit() or len(length_text) > 9:
        raise BadHttp(400, "Content-Length is not a number.")
    length = int(length_text)
    if length > BODY_LIMIT:
        raise BadHttp(413, f"The body is over {BODY_LIMIT} bytes.")
    if length and headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    body = await reader.readexactly(length) if length else b""
    return Request(method, path, headers, body)


def encode(reply: Reply) -> bytes:
    body = json.dumps(reply.body, ensure_ascii=False).encode()
    lines = [
        f"HTTP/1.1 {reply.status} {http.HTTPStatus(reply.status).phrase}",
        f"Date: {email.utils.formatdate(usegmt=True)}",
        "Content-Type: application/json; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Cache-Control: no-store",
        "X-Content-Type-Options: nosniff",
        "Connection: close",
        *(f"{name}: {value}" for name, value in reply.headers),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


def refusal(status: int, code: str, message: str, **extra: Any) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message, **extra}})


Handler = Callable[[Request, str], Awaitable[Reply]]


def connection_handler(
    answer: Handler, peer_of: Callable[[asyncio.StreamWriter], str]
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    """What `asyncio.start_server` calls per connection: read one request, answer, close."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                request = await asyncio.wait_for(read_request(reader, writer), READ_TIMEOUT_S)
                reply = await answer(request, peer_of(writer))
            except BadHttp as exc:
                reply = refusal(exc.status, "bad_http", exc.message)
            except (TimeoutError, asyncio.IncompleteReadError):
                return  # the client went away or never finished: nobody to answer
            writer.write(encode(reply))
            await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    return handle
