"""The store's one seam: where the queue's rows live, behind one interface.

`Store` and `Tx` (queue_core/store.py) hold every rule of the write path: one transaction per
command, the events it appends, the refusals. What differs between an SQLite file and a
PostgreSQL database is only how a connection is made, how a write transaction starts (and so
how writers are kept apart), how the next event seq is found and how the engine's refusals are
read. A `Backend` answers exactly that; every other statement of the queue is written once, in
the SQL both engines speak, with SQLite's `?` placeholders (the PostgreSQL connection
translates them in one place, queue_core/backend_postgres.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from queue_core.errors import FileFault
from queue_core.log_watch import LogWatch

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
# On a database server, where the queue's own files (the screens' status, voice clips, slips)
# live on this host: named after the database, in this folder, else the working directory.
DATA_DIR_ENV = "CLINIC_QUEUE_DATA_DIR"


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """The part of a DB-API connection the queue uses: sqlite3's, or backend_postgres's."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Any, /) -> Cursor: ...

    @property
    def in_transaction(self) -> bool: ...

    def close(self) -> None: ...


class Opened(Protocol):
    """What a store checks before each write that the database is still the one it opened."""

    def changed(self) -> FileFault | None: ...

    def check(self) -> None: ...


class Backend(Protocol):
    name: str  # "sqlite" or "postgresql": what a status line or a benchmark says it ran on
    location: str  # the file, or the database's address without a password: for messages
    path: Path  # the queue's own files (slips, clips, backups) live beside this

    @property
    def target(self) -> str | Path:
        """What `backend_for` was given: another Store opened from it shares the database."""
        ...

    @property
    def database_error(self) -> type[Exception]:
        """The engine's errors about a database, as DB-API names them."""
        ...

    def exists(self) -> bool: ...

    def connect(self) -> Connection: ...

    def opened(self) -> Opened: ...

    def watch(self, poll_s: float, idle_s: float) -> LogWatch:
        """What paces a reader of the log (the server's tail, a console): awake as soon as
        another connection commits events, and looking at least every `idle_s` anyway."""
        ...

    def faults(self) -> AbstractContextManager[None]:
        """Inside: the engine's error about the database itself leaves as its refusal."""
        ...

    def gate(self, deadline: float) -> AbstractContextManager[None]:
        """The writers' turn among processes before the transaction begins, if the engine's
        own locking needs help to be fair."""
        ...

    def begin_write(self, conn: Connection, deadline: float) -> None:
        """Open a transaction that no other writer of the clinic runs beside."""
        ...

    def begin_read(self, conn: Connection) -> None:
        """Open a transaction whose reads all see one committed state."""
        ...

    def commit(self, conn: Connection) -> None: ...

    def roll_back(self, conn: Connection) -> None: ...

    def retry(self, action: Callable[[], Any], deadline: float | None = None) -> Any:
        """Run `action`, again while the engine says another writer is in the way."""
        ...

    def data_version(self, conn: Connection) -> int:
        """Moves when another connection commits: a cheap poll for a console."""
        ...

    def next_seq(self, conn: Connection) -> int:
        """Inside a write: the seq the next event appended will get."""
        ...

    def insert_event(self, conn: Connection, values: tuple[Any, ...]) -> int:
        """Append the event row (at, day, type, ticket, desk, queue, actor, reason, payload)
        and return its seq."""
        ...

    def refused_columns(self, exc: Exception) -> tuple[str, ...] | None:
        """For the engine's refusal of a row (a unique value taken): the columns, () when
        it names none; None when `exc` is no such refusal."""
        ...

    def pending(self, conn: Connection) -> bool: ...

    def migrate(self, conn: Connection) -> None: ...

    def foreign_tables(self, conn: Connection) -> list[str]: ...

    def close(self) -> None: ...


def is_postgres(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


def shown_location(target: str | Path) -> str:
    """What a message names: the file, or the address without its password."""
    return backend_for(target).location


def backend_for(target: str | Path) -> Backend:
    """A PostgreSQL URL, or else the path of an SQLite file."""
    if is_postgres(target):
        from queue_core.backend_postgres import PostgresBackend

        return PostgresBackend(str(target))
    from queue_core.backend_sqlite import SqliteBackend

    return SqliteBackend(Path(target))
