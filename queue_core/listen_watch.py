"""When a reader of the log looks again, on PostgreSQL: woken by the events' NOTIFY.

Every transaction that appends events notifies the clinic's channel, delivered at its commit
and never for one rolled back (queue_core/backend_postgres.py). The watch LISTENs on a
connection of its own and sleeps in select() on that connection's socket and a wake pipe, as
the inotify watch does on the file's folder (queue_core/log_watch.py). A notification is only a
wake-up: the reader always catches up by seq, so one lost (or never sent while the connection
was down) costs nothing but the wait for the next look, which comes at least every `idle_s`.

When the database goes away the watch lets its reader look (its looks fail until the server is
back, and say so), and connects again with a growing pause between tries; once it listens
again the reader looks at once, for whatever was committed meanwhile.
"""

from __future__ import annotations

import os
import select
from typing import Any

import psycopg

from queue_core.log_watch import LogWatch, read_all

FIRST_RETRY_S = 0.05  # after the database went away, the first try to listen again
LAST_RETRY_S = 1.0  # the pause between tries grows to this, and stays there


class ListenWatch(LogWatch):
    def __init__(self, url: str, channel: str, idle_s: float) -> None:
        self.url = url
        self.channel = channel
        self.idle_s = idle_s
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_read, False)
        self._conn: psycopg.Connection[Any] | None = None
        self._retry_s = FIRST_RETRY_S
        self._look = True  # the reader looks first: what was committed before LISTEN took
        self._listen()

    @property
    def listening(self) -> bool:
        return self._conn is not None

    def pause(self) -> None:
        if self._look:
            self._look = False
            return
        conn = self._conn
        if conn is None:
            if not self._listen():
                self._sleep([], min(self._retry_s, self.idle_s))
                self._retry_s = min(self._retry_s * 2, LAST_RETRY_S)
            return  # listening again, or not yet: either way the reader looks now
        if conn.fileno() in self._sleep([conn.fileno()], self.idle_s):
            try:
                for _ in conn.notifies(timeout=0):
                    pass  # which commit it was does not matter: the look covers them all
            except psycopg.Error:
                self._drop()

    def wake(self) -> None:
        os.write(self.wake_write, b"x")

    def close(self) -> None:
        self._drop()
        for fd in (self.wake_read, self.wake_write):
            os.close(fd)

    def _listen(self) -> bool:
        try:
            conn = psycopg.connect(self.url, autocommit=True)
        except psycopg.Error:
            return False
        try:
            conn.execute(f"LISTEN {self.channel}")
        except psycopg.Error:
            conn.close()
            return False
        self._conn = conn
        self._retry_s = FIRST_RETRY_S
        return True

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _sleep(self, fds: list[int], timeout: float) -> list[int]:
        ready, _, _ = select.select([*fds, self.wake_read], [], [], timeout)
        if self.wake_read in ready:
            read_all(self.wake_read)
        return ready
