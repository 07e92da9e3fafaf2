"""The store on PostgreSQL (psycopg 3): the same statements, rules and events as on SQLite.

Writers of one clinic are serialised by a transaction-level advisory lock taken as each write
transaction begins, and an event's seq is MAX(seq) + 1 under it: seqs therefore appear to
readers in commit order without holes, so resuming by seq stays exact. With every writer holding
that lock before it touches a row, at READ COMMITTED no write can fail on serialisation or
deadlock; waiting for the lock past the writer's deadline is `StoreBusy`, as SQLite's busy is.

The queue's SQL is written once with SQLite's `?` placeholders; `translate` is the one place it
becomes PostgreSQL's, together with SQLite's two JSON functions and its case-blind LIKE.

Every event appended also notifies `EVENTS_CHANNEL` in its transaction (delivered at commit,
never for a rolled-back one): the readers' watch LISTENs for it (queue_core/listen_watch.py).
A connection the server dropped (a restart, a failover) is replaced by the next statement
that does not belong to the transaction it lost (`PgConnection`), so every Store carries on
once the database is back, without being opened again.
"""

from __future__ import annotations

import functools
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import errors
from psycopg.pq import TransactionStatus

from queue_core import schema_postgres
from queue_core.backend import DATA_DIR_ENV, Connection, Opened
from queue_core.errors import (
    DatabaseUnreachable,
    FileFault,
    ForeignDatabase,
    NoPrimary,
    StoreBusy,
)
from queue_core.log_watch import LogWatch

# The one advisory lock key of a clinic's write path (one database holds one clinic).
WRITE_LOCK = 0x636C_696E_6963  # "clinic"
GIVE_UP_AFTER_S = 30.0
# NOTIFY is scoped to the database, and one database holds one clinic: one fixed channel.
EVENTS_CHANNEL = "clinic_queue_events"
# What libpq says of a server that is a standby when the address wants one taking writes.
READ_ONLY_SESSION = "session is read-only"

_TOKENS = re.compile(r"'[^']*'|\?|%")
_REWRITES = (
    (re.compile(r"json_extract\((\w+), '\$\.(\w+)'\)"), r"(\1::jsonb ->> '\2')"),
    (re.compile(r"json_each\(\?\)"), r"json_array_elements_text(?::json)"),
    (re.compile(r"\bLIKE\b"), "ILIKE"),
)


@functools.cache
def translate(sql: str) -> str:
    """SQLite's dialect of the queue's statements into PostgreSQL's."""
    for pattern, replacement in _REWRITES:
        sql = pattern.sub(replacement, sql)

    def token(match: re.Match[str]) -> str:
        text = match.group()
        return "%s" if text == "?" else text.replace("%", "%%")

    return _TOKENS.sub(token, sql)


class Row:
    """A result row read as sqlite3.Row is: by position, by column name, and as a dict."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: Sequence[Any]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, slice):
            return tuple(self._values[key])  # as sqlite3.Row slices
        return self._values[key if isinstance(key, int) else self._index[key]]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _rows(cursor: Any) -> Callable[[Sequence[Any]], Row]:
    index = {column.name: i for i, column in enumerate(cursor.description or ())}
    return lambda values: Row(index, values)


class PgConnection:
    """A psycopg connection in autocommit mode, so that BEGIN and COMMIT are the store's own
    statements as on SQLite, speaking the queue's SQL through `translate`.

    When the server drops it (a restart, a failover), the transaction it had open is gone with
    it: every statement of that transaction is refused (it must not run alone on a new
    connection), and its ROLLBACK only ends it here. The next statement after that, or one
    outside any transaction, runs on a new connection; while the server is away, connecting
    fails with psycopg's OperationalError, which the backend's `faults` turns into
    `DatabaseUnreachable` as for any statement, or `NoPrimary` where only a standby answered."""

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]]) -> None:
        self._connect = connect
        self._conn = connect()
        self._in_transaction = False  # as of the last statement the server answered

    def _live(self) -> psycopg.Connection[Any]:
        if not self._conn.closed:
            return self._conn
        if self._in_transaction:
            self._in_transaction = False  # the server rolled it back as the connection went
            raise psycopg.OperationalError("the connection was lost during a transaction")
        self._conn = self._connect()
        return self._conn

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Any:
        inside = self._in_transaction
        try:
            return self._execute(sql, parameters)
        except psycopg.OperationalError:
            if inside or not self._conn.closed:
                raise
            # Dropped while idle (the server restarted since the last statement): outside a
            # transaction nothing of it can have run, so it is run once more, on a new one.
            return self._execute(sql, parameters)

    def _execute(self, sql: str, parameters: Sequence[Any]) -> Any:
        conn = self._live()
        cursor = conn.execute(translate(sql), tuple(parameters))
        self._in_transaction = conn.info.transaction_status is not TransactionStatus.IDLE
        return cursor

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        cursor = self._live().cursor()
        cursor.executemany(translate(sql), [tuple(p) for p in parameters])
        return cursor

    @property
    def in_transaction(self) -> bool:
        if self._conn.closed:
            return self._in_transaction
        return self._conn.info.transaction_status is not TransactionStatus.IDLE

    def close(self) -> None:
        self._conn.close()


def shown_url(url: str) -> str:
    """The address without its password: what a message may print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{parts.username}:***@{host}").geturl()


class _NothingToReplace:
    """A database server has no file that can be swapped under an open connection."""

    def changed(self) -> FileFault | None:
        return None

    def check(self) -> None:
        return None


class PostgresBackend:
    name = "postgresql"
    database_error = psycopg.Error

    def __init__(self, url: str) -> None:
        self.url = self.target = url
        self.location = shown_url(url)
        database = urlsplit(url).path.strip("/") or "clinic-queue"
        # The queue's own files are named after the database, in $CLINIC_QUEUE_DATA_DIR or
        # else the working directory, as ./clinic-queue.db is on SQLite.
        self.path = Path(os.environ.get(DATA_DIR_ENV) or Path.cwd()) / database

    def exists(self) -> bool:
        return True  # an address names a server; whether it holds a clinic, `pending` says

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url, autocommit=True, row_factory=_rows)

    def connect(self) -> Connection:
        try:
            conn = PgConnection(self._connect)
        except psycopg.Error as exc:
            raise self._refusal(exc) from None
        foreign = self.foreign_tables(conn)
        if foreign:
            conn.close()
            raise ForeignDatabase(self.location, foreign)
        return conn

    def _refusal(self, exc: psycopg.Error) -> FileFault:
        """A connection refused: where a server answered but only as a standby
        (`target_session_attrs=read-write` during a failover), there is no primary to write
        to; else nothing answered."""
        if READ_ONLY_SESSION in str(exc):
            return NoPrimary(self.location)
        return DatabaseUnreachable(self.location, _first_line(exc))

    def opened(self) -> Opened:
        return _NothingToReplace()

    def watch(self, poll_s: float, idle_s: float) -> LogWatch:
        """LISTEN on a connection of its own; `poll_s` is for files, which a server has not."""
        from queue_core.listen_watch import ListenWatch

        return ListenWatch(self.url, EVENTS_CHANNEL, idle_s)

    @contextmanager
    def faults(self) -> Iterator[None]:
        try:
            yield
        except psycopg.OperationalError as exc:
            if isinstance(exc, errors.LockNotAvailable):
                raise StoreBusy() from None
            raise self._refusal(exc) from None
        except errors.ReadOnlySqlTransaction:
            raise NoPrimary(self.location) from None

    def gate(self, deadline: float) -> Any:
        return nullcontext()  # the server queues the advisory lock's waiters in order

    def begin_write(self, conn: Connection, deadline: float) -> None:
        wait_ms = max(1, int((deadline - time.monotonic()) * 1000))
        conn.execute("BEGIN")
        try:
            conn.execute(f"SET LOCAL lock_timeout = {wait_ms}")
            conn.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
        except errors.LockNotAvailable:
            self.roll_back(conn)
            raise StoreBusy() from None
        except BaseException:
            self.roll_back(conn)
            raise

    def begin_read(self, conn: Connection) -> None:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def commit(self, conn: Connection) -> None:
        conn.execute("COMMIT")

    def roll_back(self, conn: Connection) -> None:
        if conn.in_transaction:
            with suppress(psycopg.Error):
                conn.execute("ROLLBACK")

    def retry(self, action: Callable[[], Any], deadline: float | None = None) -> Any:
        """Nothing to retry statement by statement: a write waits for the lock in the server,
        and a refused statement has ended its transaction."""
        return action()

    def data_version(self, conn: Connection) -> int:
        """Every commit that changes a row appends an event: the last seq moves with it."""
        return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0])

    def next_seq(self, conn: Connection) -> int:
        return int(conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM events").fetchone()[0])

    def insert_event(self, conn: Connection, values: tuple[Any, ...]) -> int:
        row = conn.execute(
            "INSERT INTO events (seq, at, day, type, ticket, desk, queue, actor, reason, payload)"
            " SELECT COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM events"
            # Notifications of one transaction with the same payload are delivered as one.
            f" RETURNING seq, pg_notify('{EVENTS_CHANNEL}', '')",
            values,
        ).fetchone()
        return int(row[0])

    def refused_columns(self, exc: Exception) -> tuple[str, ...] | None:
        if not isinstance(exc, errors.IntegrityError):
            return None
        if not isinstance(exc, errors.UniqueViolation):
            return ()
        name = exc.diag.constraint_name or ""
        if name in schema_postgres.UNIQUE_COLUMNS:
            return schema_postgres.UNIQUE_COLUMNS[name]
        from queue_core.store import TABLE_KEYS  # the store's own table of keys

        table = exc.diag.table_name or ""
        return TABLE_KEYS.get(table, ()) if name == f"{table}_pkey" else ()

    def pending(self, conn: Connection) -> bool:
        return schema_postgres.pending(conn)

    def migrate(self, conn: Connection) -> None:
        schema_postgres.apply(conn)

    def foreign_tables(self, conn: Connection) -> list[str]:
        return schema_postgres.foreign_tables(conn)

    def close(self) -> None:
        return None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
