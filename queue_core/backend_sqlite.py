"""The embedded store: one SQLite file in WAL mode, shared by the desks and the server.

Writers are kept apart by `BEGIN IMMEDIATE`, admitted fairly by the writer gate's `flock`
(queue_core/writer_gate.py); an event's seq is its AUTOINCREMENT rowid, never reused.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any, cast

from queue_core import schema
from queue_core.backend import Connection, Opened
from queue_core.errors import ForeignDatabase, NotADatabase, StoreBusy
from queue_core.file_faults import fault_of, faults_named
from queue_core.file_identity import OpenedFiles, refuse_hard_links
from queue_core.log_watch import LogWatch
from queue_core.writer_gate import WriterGate

BUSY_TIMEOUT_MS = 5_000
GIVE_UP_AFTER_S = 30.0


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(
            str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
    except sqlite3.DatabaseError as exc:
        raise fault_of(exc, path) or NotADatabase(str(path), str(exc)) from None
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        foreign = _retry(lambda: schema.foreign_tables(conn))
        if foreign:
            conn.close()
            raise ForeignDatabase(str(path), foreign)
        _retry(lambda: conn.execute("PRAGMA journal_mode = WAL"))
        # A number printed on a ticket must survive a power cut: fsync on every commit.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        # A directory, a file that is not SQLite, a damaged one: say so, not a traceback.
        conn.close()
        raise fault_of(exc, path) or NotADatabase(str(path), str(exc)) from None
    return conn


def _retry(action: Callable[[], Any], deadline: float | None = None) -> Any:
    """Retry what SQLite refused as busy, with jittered backoff, instead of surfacing it; past
    `deadline` (time.monotonic(), by default GIVE_UP_AFTER_S from now) give up with StoreBusy."""
    if deadline is None:
        deadline = time.monotonic() + GIVE_UP_AFTER_S
    delay = 0.002
    while True:
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                if _is_busy(exc):
                    raise StoreBusy() from None
                raise
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.1)


def _sqlite(conn: Connection) -> sqlite3.Connection:
    return cast(sqlite3.Connection, conn)


class SqliteBackend:
    name = "sqlite"
    database_error = sqlite3.DatabaseError

    def __init__(self, path: Path) -> None:
        self.path = self.target = path
        self.location = str(path)
        self._gate: WriterGate | None = None

    def exists(self) -> bool:
        return self.path.exists()

    def connect(self) -> Connection:
        refuse_hard_links(self.path)
        conn = _connect(self.path)
        self._gate = WriterGate(self.path)
        return conn

    def opened(self) -> Opened:
        """After the connection made the -wal."""
        return OpenedFiles.record(self.path)

    def watch(self, poll_s: float, idle_s: float) -> LogWatch:
        """A commit writes the -wal beside the file: inotify on their folder."""
        return LogWatch.open(self.path.parent, poll_s, idle_s)

    def faults(self) -> AbstractContextManager[None]:
        return faults_named(self.path)

    @contextmanager
    def gate(self, deadline: float) -> Iterator[None]:
        if self._gate is None:
            raise RuntimeError("the gate is made with the connection")
        self._gate.acquire(deadline)
        try:
            yield
        finally:
            self._gate.release()

    def close(self) -> None:
        if self._gate is not None:
            self._gate.close()

    def begin_write(self, conn: Connection, deadline: float) -> None:
        _retry(lambda: conn.execute("BEGIN IMMEDIATE"), deadline)

    def begin_read(self, conn: Connection) -> None:
        _retry(lambda: conn.execute("BEGIN"))

    def commit(self, conn: Connection) -> None:
        _retry(lambda: conn.execute("COMMIT"))

    def roll_back(self, conn: Connection) -> None:
        """After an error: a failing disk may refuse the ROLLBACK too, and then the error that
        caused it is the one to report (SQLite has rolled back what it could not write)."""
        if conn.in_transaction:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")

    def retry(self, action: Callable[[], Any], deadline: float | None = None) -> Any:
        return _retry(action, deadline)

    def data_version(self, conn: Connection) -> int:
        return int(_retry(lambda: conn.execute("PRAGMA data_version").fetchone()[0]))

    def next_seq(self, conn: Connection) -> int:
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        return (row[0] if row else 0) + 1

    def insert_event(self, conn: Connection, values: tuple[Any, ...]) -> int:
        cursor = _sqlite(conn).execute(
            "INSERT INTO events (at, day, type, ticket, desk, queue, actor, reason, payload)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            values,
        )
        return int(cursor.lastrowid or 0)

    def refused_columns(self, exc: Exception) -> tuple[str, ...] | None:
        if not isinstance(exc, sqlite3.IntegrityError):
            return None
        text = str(exc)
        if not text.startswith("UNIQUE constraint failed:"):
            return ()
        return tuple(
            name.strip().split(".", 1)[-1]
            for name in text.removeprefix("UNIQUE constraint failed:").split(",")
        )

    def pending(self, conn: Connection) -> bool:
        return schema.pending(_sqlite(conn))

    def migrate(self, conn: Connection) -> None:
        schema.apply(_sqlite(conn))

    def foreign_tables(self, conn: Connection) -> list[str]:
        return schema.foreign_tables(_sqlite(conn))
