"""The server's writes (acks, presence) on one thread of their own, behind a bounded queue.

Writes run one at a time anyway (one writing connection, one writer gate). On asyncio's default
pool they also took the threads that reads need: behind a writer stopped inside a transaction,
a few dozen pending acks held every thread and even `GET /t/<token>` got no answer. On their
own thread they wait only for each other; a write that cannot start before its deadline (shared
with the writing Store's) gives up with StoreBusy, and with `limit` already waiting a new one is
refused at once, so a flood or a stuck disk never grows a backlog without end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from queue_core.errors import QueueError, StoreBusy

T = TypeVar("T")
WRITE_QUEUE_LIMIT = 64  # writes waiting for the writer thread
WRITE_GIVE_UP_S = 5.0  # an ack or a presence is worth little after this; a desk waits longer


class WritesBehind(QueueError):
    def __init__(self) -> None:
        super().__init__(
            "The server is behind with its writes; nothing was recorded, try again later.",
            "writes_behind",
        )


class WriteQueue:
    """Used from the event loop only: the count of waiting writes needs no lock."""

    def __init__(self, limit: int = WRITE_QUEUE_LIMIT, give_up_s: float = WRITE_GIVE_UP_S):
        self.limit = limit
        self.give_up_s = give_up_s
        self.waiting = 0
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="server-writes")

    async def run(self, write: Callable[[], T]) -> T:
        """`write()` on the writer thread; WritesBehind when the queue is full."""
        if self.waiting >= self.limit:
            raise WritesBehind()
        deadline = time.monotonic() + self.give_up_s

        def in_turn() -> T:
            if time.monotonic() > deadline:
                raise StoreBusy()  # its deadline passed while the writes before it waited
            return write()

        self.waiting += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._thread, in_turn)
        finally:
            self.waiting -= 1

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)
