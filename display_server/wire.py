"""Writing one message to many connections: the frame is built once and written as is.

`broadcast()` asks each connection's protocol object to frame the message again: in a round
that tells every phone its estimate (a desk pausing) that was a large share of the work beside
the socket writes themselves. A server's text frame is simple
(RFC 6455 section 5.2: FIN and the opcode, the length, no mask), and the server negotiates no
extension (`compression=None`), so the bytes are the same for every connection. They go to
the sockets through `write_frame()` (display_server/ws_private.py: it takes library internals).
"""

from __future__ import annotations

from collections.abc import Iterable

from websockets.asyncio.server import ServerConnection

from display_server.ws_private import write_frame

_FIN_TEXT = 0x81
_SHORT, _MEDIUM = 126, 1 << 16


def text_frame(payload: bytes) -> bytes:
    """An unmasked, unfragmented text frame carrying `payload` (UTF-8)."""
    length = len(payload)
    if length < _SHORT:
        header = bytes((_FIN_TEXT, length))
    elif length < _MEDIUM:
        header = bytes((_FIN_TEXT, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((_FIN_TEXT, 127)) + length.to_bytes(8, "big")
    return header + payload


def fan_out(conns: Iterable[ServerConnection], limit: int, data: str | bytes) -> None:
    """One text message to each open connection, without awaiting, plus backpressure: a peer
    `limit` bytes behind is dropped, not fed (it resumes with `since` when it reads again)."""
    write_frame(conns, text_frame(data.encode() if isinstance(data, str) else data), limit)
