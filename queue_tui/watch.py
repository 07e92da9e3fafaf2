"""Following the shared queue cheaply: wake when another connection commits (the SQLite file's
changes, or PostgreSQL's NOTIFY), and then apply the new events to the console's own read model
instead of reading the board again."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from queue_core.errors import QueueError
from queue_core.line import Line
from queue_core.log_watch import LogWatch
from queue_core.store import Store

T = TypeVar("T")
# Where the database's files cannot be watched (not Linux), how often a console looks.
POLL_SECONDS = 0.02
# With nothing changing, a console still looks this often: its thread ends this soon after the
# console closes (Textual cannot interrupt it), and the live indicator shows the reads work.
IDLE_SECONDS = 0.1


class Watcher(Generic[T]):
    """Runs on a worker thread. `PRAGMA data_version` moves on other connections' commits and
    the last event seq on this one's, so together they catch every change at ~no cost; `read`
    turns the line, moved forward by the events after it, into what the console shows."""

    def __init__(
        self,
        store: Store,
        read: Callable[[Line], T],
        deliver: Callable[[T], object],
        fail: Callable[[QueueError | str], object],
    ) -> None:
        self.store = store
        self.read = read
        self.deliver = deliver
        self.fail = fail
        self.last_ok = time.monotonic()
        self._failing: str | None = None  # told once, not on every look while it lasts
        self._again = threading.Event()
        self._stopped = threading.Event()
        self._line: Line | None = None
        self._watch: LogWatch | None = None  # while `run` runs
        self._watch_lock = threading.Lock()  # the UI thread wakes it, the worker closes it

    def again(self) -> None:
        """Read on the next look even if nothing changed (the question changed, not the data)."""
        self._again.set()
        self._wake()

    def stop(self) -> None:
        self._stopped.set()
        self._wake()

    def _wake(self) -> None:
        with self._watch_lock:
            if self._watch is not None:
                self._watch.wake()

    def seconds_since_ok(self) -> float:
        return time.monotonic() - self.last_ok

    def connection(self) -> tuple[str, dict[str, str]] | None:
        """The file is on this machine: no connection to speak of."""
        return None

    def _follow(self) -> Line:
        """The line after the newest event; loaded again for a new day or configuration."""
        line = self._line
        if line is not None and line.day == self.store.today():
            for event in self.store.events_since(line.seq):
                line.apply(event)
                if line.needs_reload:
                    break
            if not line.needs_reload:
                return line
        self._line = Line.load(self.store)
        return self._line

    @property
    def failing(self) -> bool:
        return self._failing is not None

    def _failed(self, problem: QueueError | str, text: str) -> None:
        if text != self._failing:
            self._failing = text
            self.fail(problem)

    def run(self, cancelled: Callable[[], bool]) -> None:
        seen: tuple[int, int] | None = None
        watch = self._watch = self.store.watch(POLL_SECONDS, IDLE_SECONDS)
        try:
            while not (cancelled() or self._stopped.is_set()):
                try:
                    mark = (self.store.data_version(), self.store.last_seq())
                    # A file deleted or replaced still reads, but nobody else writes to it.
                    self.store.opened.check()
                    new_day = self._line is not None and self._line.day != self.store.today()
                    if mark != seen or new_day or self._again.is_set():
                        self._again.clear()
                        self.deliver(self.read(self._follow()))
                        seen = mark
                        watch.changed()
                    self.last_ok = time.monotonic()
                    self._failing = None
                except QueueError as exc:
                    self._failed(exc, exc.message)
                except (sqlite3.Error, self.store.backend.database_error) as exc:
                    self._failed(str(exc), str(exc))
                watch.pause()
        finally:
            with self._watch_lock:
                self._watch = None
                watch.close()
