"""Watching the shared file cheaply: poll change counters, read a snapshot only when they move."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from queue_core.errors import QueueError
from queue_core.store import Store

T = TypeVar("T")
POLL_SECONDS = 0.02


class Watcher(Generic[T]):
    """Runs on a worker thread. `PRAGMA data_version` moves on other connections' commits and
    the last event seq on this one's, so together they catch every change at ~no cost."""

    def __init__(
        self,
        store: Store,
        read: Callable[[], T],
        deliver: Callable[[T], object],
        fail: Callable[[str], object],
    ) -> None:
        self.store = store
        self.read = read
        self.deliver = deliver
        self.fail = fail
        self.last_ok = time.monotonic()
        self._again = threading.Event()

    def again(self) -> None:
        """Read on the next poll even if nothing changed (the question changed, not the data)."""
        self._again.set()

    def seconds_since_ok(self) -> float:
        return time.monotonic() - self.last_ok

    def run(self, cancelled: Callable[[], bool]) -> None:
        seen: tuple[int, int] | None = None
        while not cancelled():
            try:
                mark = (self.store.data_version(), self.store.last_seq())
                if mark != seen or self._again.is_set():
                    self._again.clear()
                    self.deliver(self.read())
                    seen = mark
                self.last_ok = time.monotonic()
            except QueueError as exc:
                self.fail(exc.message)
            except sqlite3.Error as exc:
                self.fail(str(exc))
            time.sleep(POLL_SECONDS)
