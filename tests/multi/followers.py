"""Screens and phones that reconnect as the pages do (static/common.js: a short jittered wait,
then again with `?since=` the last seq they had), recording every message they received."""

from __future__ import annotations

import asyncio
import json
import random
import ssl
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake, InvalidStatus, WebSocketException

Message = dict[str, Any]
RETRY_S = (0.1, 0.4)  # the pages' first waits are 0.25-0.5 s; shorter keeps the test short


@dataclass
class Follower:
    base: str  # wss://host:port of nginx, or ws:// of one instance
    path: str
    tls: ssl.SSLContext | None
    messages: list[Message] = field(default_factory=list)
    opens: int = 0
    last_seq: int | None = None
    refused: list[int] = field(default_factory=list)  # handshake statuses (nginx's 502...)
    moved: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self) -> str:
        joiner = "&" if "?" in self.path else "?"
        since = "" if self.last_seq is None else str(self.last_seq)
        return f"{self.base}{self.path}{joiner}since={since}"

    async def run(self) -> None:
        """Until cancelled."""
        while True:
            try:
                async with connect(self.url(), ssl=self.tls, open_timeout=10, max_size=None) as ws:
                    self.opens += 1
                    async for frame in ws:
                        self._record(json.loads(frame))
            except InvalidStatus as exc:
                self.refused.append(exc.response.status_code)
            except (OSError, TimeoutError, InvalidHandshake, WebSocketException):
                pass
            await asyncio.sleep(random.uniform(*RETRY_S))

    def _record(self, message: Message) -> None:
        self.messages.append(message)
        seq = message.get("seq")
        if isinstance(seq, int):
            self.last_seq = seq
        self.moved.set()
        self.moved = asyncio.Event()

    async def until_seq(self, seq: int, patience_s: float = 30.0) -> None:
        """Until a message at `seq` or later came (a test's patience, not a timing check)."""
        async with asyncio.timeout(patience_s):
            while self.last_seq is None or self.last_seq < seq:
                await self.moved.wait()

    def of_type(self, *kinds: str) -> list[Message]:
        return [m for m in self.messages if m["type"] in kinds]
