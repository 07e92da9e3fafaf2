"""A real HTTP receiver on port 0, in a thread, that answers each request as the test says:
accept, fail (500), hang past the sender's timeout, answer slowly, or drop the connection.
It checks every signature with the algorithm docs/notifications.md gives."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ACCEPT, FAIL, HANG, SLOW, DROP = "accept", "fail", "hang", "slow", "drop"
HANG_S = 1.5  # longer than the tests' webhook timeout
SLOW_S = 0.2  # shorter than it
REPLAY_WINDOW_S = 300


@dataclass(frozen=True)
class Request:
    key: str
    body: bytes
    payload: dict[str, Any]
    signed: bool
    attempt: int
    answer: str


def verify(secret: str, header: str, body: bytes, now: float) -> bool:
    """The receiver's check, as documented: t=<unix>,v1=<hex HMAC-SHA256 over "t." + body>."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - stamp) > REPLAY_WINDOW_S:
        return False
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, parts.get("v1", ""))


class Receiver:
    def __init__(self, secret: str, answer: Callable[[Request], str]) -> None:
        self.secret = secret
        self.answer = answer  # decides from the request (its key, payload, attempt)
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.received = threading.Condition(self.lock)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                draft = Request(
                    key=self.headers.get("Idempotency-Key", ""),
                    body=body,
                    payload=json.loads(body),
                    signed=verify(
                        receiver.secret,
                        self.headers.get("X-Clinic-Queue-Signature", ""),
                        body,
                        time.time(),
                    ),
                    attempt=int(self.headers.get("X-Clinic-Queue-Attempt", "0")),
                    answer="",
                )
                answer = receiver.answer(draft)
                request = Request(**{**draft.__dict__, "answer": answer})
                with receiver.received:
                    receiver.requests.append(request)
                    receiver.received.notify_all()
                if answer == DROP:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if answer == HANG:
                    time.sleep(HANG_S)
                if answer == SLOW:
                    time.sleep(SLOW_S)
                status = 500 if answer == FAIL else 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting and closed

        return Handler

    def accepted(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.answer in (ACCEPT, SLOW)]

    def wait_for(self, done: Callable[[list[Request]], bool], timeout: float = 30.0) -> None:
        """Until `done` holds of the requests so far (a test's patience, not a timing check)."""
        with self.received:
            if not self.received.wait_for(lambda: done(self.requests), timeout):
                raise AssertionError(f"the receiver still waits: {len(self.requests)} requests")

    async def until(self, done: Callable[[list[Request]], bool]) -> None:
        """`wait_for` off the event loop, which the server in the same process runs on."""
        await asyncio.to_thread(self.wait_for, done)


@contextmanager
def receiving(secret: str, answer: Callable[[Request], str]) -> Iterator[Receiver]:
    receiver = Receiver(secret, answer)
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
