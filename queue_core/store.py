"""The shared queue database: the write path and consistent reads, on either backend.

Every change goes through `Store.write()`: one `BEGIN IMMEDIATE` transaction that changes rows
and appends exactly the events describing them. Readers (desks, the display server) see whole
commands or nothing, and event sequence numbers appear to them without holes. Where the
rows live (an SQLite file, a PostgreSQL database) is the `Backend`'s (queue_core/backend.py).
"""

from __future__ import annotations

import functools
import json
import os
import re
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from queue_core.backend import Backend, Connection, Cursor, backend_for, is_postgres
from queue_core.backend_sqlite import BUSY_TIMEOUT_MS, GIVE_UP_AFTER_S
from queue_core.config import ClinicConfig, parse_config
from queue_core.errors import (
    FileFault,
    FileOnly,
    InvalidState,
    NotInitialised,
    NumberTaken,
    RowConflict,
    StoreBusy,
    TicketNotFound,
)
from queue_core.events import Event, EventType, Fact
from queue_core.log_watch import SAFETY_LOOK_S, LogWatch
from queue_core.model import DeskState, Ticket, TicketState
from queue_core.text import clean_actor

if TYPE_CHECKING:
    from queue_core.notices import Notices

__all__ = ["BUSY_TIMEOUT_MS", "GIVE_UP_AFTER_S"]  # the SQLite store's, as they always were
Clock = Callable[[], datetime]
DB_ENV = "CLINIC_QUEUE_DB"
DEFAULT_DB = "clinic-queue.db"
CONFIG_KEY = "config"  # the settings row holding the clinic's TOML, as `init` stored it


def default_db_path() -> Path:
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


def default_db() -> str | Path:
    """$CLINIC_QUEUE_DB or ./clinic-queue.db: a PostgreSQL URL stays a URL."""
    target = os.environ.get(DB_ENV) or DEFAULT_DB
    return target if is_postgres(target) else Path(target)


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


class Reader(Protocol):
    """What reading the line needs: a connection, or a transaction's read-only view of one."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Cursor: ...


class ReadOnly:
    """The transaction's connection for reading only: a command writes through `Tx`'s own
    methods, each of which records the row into the event it appends, and nothing else."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        if not _READ.match(sql):
            raise RuntimeError("a command writes rows only through Tx, which logs them")
        return self._conn.execute(sql, params)


_READ = re.compile(r"\s*SELECT\b[^;]*$", re.IGNORECASE | re.DOTALL)  # a SELECT cannot write
# The tables a command may change, in the order an event lists its changes, with their keys.
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "settings": ("key",),
    "tickets": ("id",),
    "desks": ("id",),
    "counters": ("day", "queue"),
    "receipts": ("call_seq", "screen"),
    "days": ("day",),
}


# The tables outside the log: replay never rebuilds them, no event carries their rows.
_UNLOGGED_TABLE = re.compile(
    r"\b(staff|staff_sessions|staff_commands|outbox|duties|server_secrets|server_screens)\b"
)


@functools.cache
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


@functools.cache
def _update_sql(table: str, columns: tuple[str, ...]) -> str:
    """The key is only matched, never set: the parameters are the other columns, then the key."""
    keys = TABLE_KEYS[table]
    sets = ", ".join(f"{c} = ?" for c in columns if c not in keys)
    where = " AND ".join(f"{k} = ?" for k in keys)
    return f"UPDATE {table} SET {sets} WHERE {where}"


def _conflict(
    table: str, row: dict[str, Any], columns: tuple[str, ...], exc: Exception
) -> RowConflict:
    """The refusal for a row the database would not take, naming the value another row holds;
    `columns` are the unique ones it names (Backend.refused_columns)."""
    text = str(exc)
    if table == "tickets" and columns == ("day", "number"):
        return NumberTaken(str(row["number"]), str(row["day"]))
    if columns:
        # Only the columns are named: a value such as a token is a secret.
        return RowConflict(
            f"Another row of {table} already has this {', '.join(columns)}; nothing was changed.",
            table=table,
        )
    return RowConflict(f"The {table} row was refused ({text}); nothing was changed.", table=table)


@dataclass
class Tx:
    """An open write transaction: rows saved here are recorded into the events it appends."""

    _conn: Connection
    now: datetime
    config: ClinicConfig
    _backend: Backend
    _changed: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = field(default_factory=dict)
    _removed: dict[str, list[Any]] = field(default_factory=dict)
    _new_ids: set[int] = field(default_factory=set)  # ticket ids given out, not yet inserted
    _rewritten: bool = False  # the past was rewritten (rewrite_tickets): a purge must follow
    events: list[Event] = field(default_factory=list)

    @property
    def read(self) -> ReadOnly:
        return ReadOnly(self._conn)

    @property
    def pending(self) -> bool:
        """Rows changed since the last event: committing now would leave them undescribed."""
        return bool(self._changed or self._removed or self._rewritten)

    @property
    def day(self) -> str:
        return self.now.astimezone(self.config.tz).date().isoformat()

    def events_after(self, seq: int) -> list[Event]:
        """What other writers committed since a snapshot at `seq`: work planned outside the
        lock catches up on it here instead of reading everything again."""
        rows = self._conn.execute("SELECT * FROM events WHERE seq > ? ORDER BY seq", (seq,))
        return [_event(dict(r)) for r in rows]

    def ticket_events(self, number: str) -> list[Event]:
        """Today's events of ticket `number`, oldest first: what a correction takes back."""
        rows = self._conn.execute(
            "SELECT * FROM events WHERE day = ? AND ticket = ? ORDER BY seq",
            (self.day, number.upper()),
        )
        return [_event(dict(r)) for r in rows]

    def next_seq(self) -> int:
        return self._backend.next_seq(self._conn)

    def ticket(self, ticket_id: int) -> Ticket:
        row = self._conn.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        if row is None:
            raise TicketNotFound(f"#{ticket_id}")
        return Ticket.from_row(dict(row))

    def ticket_by_number(self, number: str) -> Ticket:
        row = self._conn.execute(
            "SELECT * FROM tickets WHERE day = ? AND number = ?", (self.day, number.upper())
        ).fetchone()
        if row is None:
            raise TicketNotFound(number.upper())
        return Ticket.from_row(dict(row))

    def ticket_in(self, number: str, allowed: Collection[TicketState], refusal: str) -> Ticket:
        """Today's ticket `number`, if its state allows the action; `refusal` ends the reason."""
        ticket = self.ticket_by_number(number)
        if ticket.state not in allowed:
            raise InvalidState(
                f"{ticket.number} is {ticket.state.value}{refusal}",
                number=ticket.number,
                state=ticket.state.value,
            )
        return ticket

    def free_desk_of(self, ticket: Ticket) -> None:
        """A called patient leaving the room (tests, transfer, cancel) frees the desk."""
        if ticket.state is TicketState.CALLED and ticket.desk:
            state = self.desk(ticket.desk)
            if state.current_ticket == ticket.id:
                state.current_ticket = None
                self.save_desk(state)

    def desk(self, desk_id: str) -> DeskState:
        row = self._conn.execute("SELECT * FROM desks WHERE id = ?", (desk_id,)).fetchone()
        return DeskState.from_row(dict(row)) if row else DeskState(id=desk_id)

    def _save(self, table: str, row: dict[str, Any], *, new: bool) -> None:
        """INSERT a new row, or UPDATE an existing one by its key; never REPLACE. A row taking
        a unique value another row holds (a ticket number of the day, a token) is refused with
        `RowConflict`, and the command rolls back: the other row is never deleted for it."""
        keys = TABLE_KEYS[table]
        key = tuple(row[k] for k in keys)
        try:
            if new:
                self._conn.execute(_insert_sql(table, tuple(row)), tuple(row.values()))
            else:
                others = tuple(v for c, v in row.items() if c not in keys)
                cursor = self._conn.execute(_update_sql(table, tuple(row)), others + key)
                if cursor.rowcount != 1:
                    raise RuntimeError(f"{table} has no row {key} to update")
        except Exception as exc:
            columns = self._backend.refused_columns(exc)
            if columns is None:
                raise
            raise _conflict(table, row, columns, exc) from None
        self._changed.setdefault(table, {})[key] = row

    def save_rows(self, table: str, rows: Sequence[dict[str, Any]], *, new: bool) -> None:
        """Many rows of one table, all with the same columns, in one statement each way: an
        import's thousands of tickets cost one pass instead of one round trip each. Each row
        is still recorded into the next event, as one saved alone would be. A refused row is
        found again one at a time, so that the refusal names it as `_save` would."""
        if not rows:
            return
        keys = TABLE_KEYS[table]
        columns = tuple(rows[0])
        self._conn.execute("SAVEPOINT save_rows")
        try:
            if new:
                self._conn.executemany(
                    _insert_sql(table, columns), [tuple(r.values()) for r in rows]
                )
            else:
                values = [
                    tuple(v for c, v in r.items() if c not in keys) + tuple(r[k] for k in keys)
                    for r in rows
                ]
                cursor = self._conn.executemany(_update_sql(table, columns), values)
                if cursor.rowcount != len(rows):
                    raise RuntimeError(f"{table} has rows to update that it does not hold")
        except Exception as exc:
            if self._backend.refused_columns(exc) is None:
                raise
            self._conn.execute("ROLLBACK TO save_rows")
            self._conn.execute("RELEASE save_rows")
            for row in rows:
                self._save(table, row, new=new)
            raise RuntimeError(f"{table}: a row was refused together but not alone") from None
        self._conn.execute("RELEASE save_rows")
        changed = self._changed.setdefault(table, {})
        for row in rows:
            changed[tuple(row[k] for k in keys)] = row

    def rewrite_tickets(
        self, rows: Sequence[dict[str, Any]], payloads: dict[int, dict[str, Any]]
    ) -> None:
        """Rewrite the past in place, to erase personal data (queue_core/retention.py): `rows`
        replace tickets' rows and `payloads` the events that logged earlier versions of them, so
        that the log still rebuilds the tables. Nothing else ever changes a logged event, and
        the next event appended must be the `purge` that says what was erased."""
        if rows:
            keys = TABLE_KEYS["tickets"]
            values = [
                tuple(v for c, v in r.items() if c not in keys) + tuple(r[k] for k in keys)
                for r in rows
            ]
            self._conn.executemany(_update_sql("tickets", tuple(rows[0])), values)
        self._conn.executemany(
            "UPDATE events SET payload = ? WHERE seq = ?",
            [(_encode(payload), seq) for seq, payload in payloads.items()],
        )
        self._rewritten = True

    def save_ticket(self, ticket: Ticket) -> None:
        """A ticket whose id `new_ticket_id` gave out is inserted, any other updated."""
        new = ticket.id in self._new_ids
        self._save("tickets", ticket.to_row(), new=new)
        self._new_ids.discard(ticket.id)

    def new_ticket_id(self) -> int:
        row = self._conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM tickets").fetchone()
        self._new_ids.add(int(row[0]))
        return int(row[0])

    def new_ticket_ids(self, count: int) -> range:
        """Ids for `count` new tickets that go in together, through `save_rows(new=True)`."""
        row = self._conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM tickets").fetchone()
        return range(int(row[0]), int(row[0]) + count)

    def add_desk(self, desk_id: str) -> None:
        """A desk the configuration gained (see registration.initialise)."""
        desk = DeskState(id=desk_id, changed_at=iso(self.now))
        self._save("desks", desk.to_row(), new=True)

    def save_desk(self, desk: DeskState) -> None:
        desk.changed_at = iso(self.now)
        self._save("desks", desk.to_row(), new=False)

    def remove_desk(self, desk_id: str) -> None:
        """A desk the configuration no longer has (see registration.initialise)."""
        self._conn.execute("DELETE FROM desks WHERE id = ?", (desk_id,))
        self._removed.setdefault("desks", []).append(desk_id)

    def save_setting(self, key: str, value: str) -> None:
        known = self._conn.execute("SELECT 1 FROM settings WHERE key = ?", (key,)).fetchone()
        self._save("settings", {"key": key, "value": value}, new=known is None)

    def take_number(self, day: str, queue: str) -> int:
        """The next daily sequence of a queue; the counter only grows, so no number is reused."""
        return self.take_numbers(day, queue, 1)[0]

    def take_numbers(self, day: str, queue: str, count: int) -> range:
        """The next `count` daily sequences of a queue at once, for an import's new tickets."""
        row = self._conn.execute(
            "SELECT last FROM counters WHERE day = ? AND queue = ?", (day, queue)
        ).fetchone()
        last = row[0] if row else 0
        self._save("counters", {"day": day, "queue": queue, "last": last + count}, new=row is None)
        return range(last + 1, last + count + 1)

    def save_day(self, day: str) -> None:
        """`day` is closed (queue_core/closing.py)."""
        self._save("days", {"day": day, "closed_at": iso(self.now)}, new=True)

    def day_closed(self, day: str) -> bool:
        return self._conn.execute("SELECT 1 FROM days WHERE day = ?", (day,)).fetchone() is not None

    def save_receipt(self, call_seq: int, screen: str) -> bool:
        """Record that `screen` announced the call at `call_seq`; False if it already had."""
        known = self._conn.execute(
            "SELECT 1 FROM receipts WHERE call_seq = ? AND screen = ?", (call_seq, screen)
        ).fetchone()
        if known is not None:
            return False
        self._save(
            "receipts", {"call_seq": call_seq, "screen": screen, "at": iso(self.now)}, new=True
        )
        return True

    def unlogged(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        """A statement on the tables the log never carries: the staff tables (password hashes,
        session hashes, stored answers), whose event appended with it says what happened, and
        the outbox (queue_core/outbox.py), derived from the events themselves, and what the
        display servers of one clinic share (queue_core/duties.py, queue_core/screen_status.py)."""
        if not sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "SELECT")) or not (
            _UNLOGGED_TABLE.search(sql)
        ):
            raise ValueError(
                "only the staff tables, the outbox and the servers' shared rows are written"
                " without the log"
            )
        return self._conn.execute(sql, tuple(params))

    def append(self, fact: Fact, actor: str) -> Event:
        """Append `fact` as an event carrying every row changed since the previous append.

        Every event names who acted: the actor is cleaned here, the one way into the log, so
        no command (and no client on the network) can write a terminal's escapes into it."""
        actor = clean_actor(actor)
        if self._rewritten and fact.TYPE is not EventType.PURGE:
            raise RuntimeError("the past was rewritten: only a purge event may say so")
        self._rewritten = False
        payload = fact.payload()
        changes: dict[str, Any] = {
            table: list(self._changed[table].values())
            for table in TABLE_KEYS
            if table in self._changed
        }
        if self._removed:
            changes["removed"] = self._removed
        payload["changes"] = changes
        self._changed, self._removed = {}, {}
        at = iso(self.now)
        seq = self._backend.insert_event(
            self._conn,
            (
                at,
                self.day,
                fact.TYPE.value,
                fact.ticket,
                fact.desk,
                fact.queue,
                actor,
                fact.reason,
                _encode(payload),
            ),
        )
        event = Event(
            seq,
            at,
            self.day,
            fact.TYPE,
            fact.ticket,
            fact.desk,
            fact.queue,
            actor,
            fact.reason,
            payload,
        )
        self.events.append(event)
        return event


class Store:
    """One connection to the shared queue database. Safe to share between threads of one
    process. `path` is the SQLite file, or for PostgreSQL where the queue's own files live."""

    def __init__(
        self,
        backend: Backend,
        conn: Connection,
        config: ClinicConfig,
        clock: Clock,
        give_up_after_s: float = GIVE_UP_AFTER_S,
    ):
        self.backend = backend
        self.path = backend.path
        self.conn = conn
        self.config = config
        self.clock = clock
        self.give_up_after_s = give_up_after_s  # how long a write may wait for its turn
        self._lock = threading.RLock()  # the connection: one statement at a time
        self._turn = threading.Lock()  # the writer gate: one write of this Store at a time
        self.opened = backend.opened()
        self._day_opened: str | None = None  # the service day whose earlier days were closed
        self._open = threading.local()  # the write this thread has open, which nested ones join
        self._notices: Notices | None = None  # what the outbox knows of the line (notices.py)

    @classmethod
    def open(
        cls,
        path: Path | str | None = None,
        clock: Clock = utc_now,
        give_up_after_s: float = GIVE_UP_AFTER_S,
    ) -> Store:
        """Open an initialised database; refuses one that `init` never set up."""
        backend = backend_for(path if path is not None else default_db())
        if not backend.exists():
            raise NotInitialised(backend.location)
        conn = backend.connect()
        try:
            with backend.faults():
                if backend.pending(conn):
                    raise NotInitialised(backend.location)
                row = conn.execute(
                    "SELECT value FROM settings WHERE key = ?", (CONFIG_KEY,)
                ).fetchone()
        except (FileFault, NotInitialised):
            conn.close()
            raise
        except backend.database_error:
            conn.close()
            raise NotInitialised(backend.location) from None
        if row is None:
            conn.close()
            raise NotInitialised(backend.location)
        config = parse_config(row[0], "stored configuration", stored=True)
        return cls(backend, conn, config, clock, give_up_after_s)

    def open_again(self, give_up_after_s: float | None = None) -> Store:
        """Another connection to the same database, with this one's clock: a server's reader,
        writer and notifications each have their own."""
        give_up = self.give_up_after_s if give_up_after_s is None else give_up_after_s
        return Store.open(self.backend.target, clock=self.clock, give_up_after_s=give_up)

    def watch(self, poll_s: float, idle_s: float = SAFETY_LOOK_S) -> LogWatch:
        """What paces a reader of this database's log (queue_core/backend.py, `watch`)."""
        return self.backend.watch(poll_s, idle_s)

    @classmethod
    def create(cls, path: Path | str, config: ClinicConfig, clock: Clock = utc_now) -> Store:
        """Create or migrate the database and store `config` in it (see commands.initialise)."""
        backend = backend_for(path)
        conn = backend.connect()
        try:
            with backend.faults():
                backend.begin_write(conn, time.monotonic() + GIVE_UP_AFTER_S)
                try:
                    if backend.pending(conn):
                        backend.migrate(conn)
                    backend.commit(conn)
                except BaseException:
                    backend.roll_back(conn)
                    raise
        except BaseException:
            conn.close()
            raise
        return cls(backend, conn, config, clock)

    def file(self, what: str) -> Path:
        """The SQLite file, for `what` only a file can do (a copy of it, compacting it); on
        another backend, FileOnly says so."""
        if self.backend.name != "sqlite":
            raise FileOnly(what, self.backend.location)
        return self.path

    def close(self) -> None:
        """Under the lock: a worker thread mid-statement must never see the connection vanish."""
        with self._lock:
            self.conn.close()
            self.backend.close()

    def now(self) -> datetime:
        return self.clock()

    def today(self, now: datetime | None = None) -> str:
        return (now or self.now()).astimezone(self.config.tz).date().isoformat()

    @contextmanager
    def write(self, now: datetime | None = None) -> Iterator[Tx]:
        """One command: through the writer gate, a write transaction that no other writer runs
        beside (SQLite's BEGIN IMMEDIATE, retried while busy; PostgreSQL's advisory lock), then
        commit, or roll back on error; the gate opens again only after COMMIT or ROLLBACK.

        The turn among this Store's threads, the gate and BEGIN share one deadline: past it,
        StoreBusy. The connection is held only inside the transaction, so this Store's
        readers (a console's watcher) never wait for a write's turn.

        A write opened inside another on the same thread joins it: a command run for the
        staff API commits together with its idempotency key (queue_core/idempotency.py)."""
        outer: Tx | None = getattr(self._open, "tx", None)
        if outer is not None:
            yield outer
            return
        with self.backend.faults(), self._turn_at_gate() as deadline, self._lock:
            yield from self._transaction(now, deadline)

    @contextmanager
    def _turn_at_gate(self) -> Iterator[float]:
        """This Store's turn among its threads, then the writer gate, before one deadline,
        which is given on to what follows (BEGIN's retries, the advisory lock's wait)."""
        deadline = time.monotonic() + self.give_up_after_s
        if not self._turn.acquire(timeout=self.give_up_after_s):
            raise StoreBusy()
        try:
            with self.backend.gate(deadline):
                yield deadline
        finally:
            self._turn.release()

    def _transaction(self, now: datetime | None, deadline: float) -> Iterator[Tx]:
        backend = self.backend
        backend.begin_write(self.conn, deadline)
        tx = Tx(self.conn, now or self.now(), self.config, backend)
        try:
            self.opened.check()  # a write to a file nobody else sees would be lost
            notices = self._notices_of(tx)
            if self._day_opened != tx.day:
                # Imported here: closing is a command built on this write path.
                from queue_core.closing import close_earlier_days

                close_earlier_days(tx)
            self._open.tx = tx
            try:
                yield tx
            finally:
                self._open.tx = None
            if tx.pending:
                raise RuntimeError("rows changed without an event describing them")
            if notices is not None:
                notices.finish(tx)
            backend.commit(self.conn)
            self._day_opened = tx.day
        except BaseException:
            backend.roll_back(self.conn)
            self._notices = None  # its line may have taken events that were rolled back
            raise

    def _notices_of(self, tx: Tx) -> Notices | None:
        """The outbox's view of the line, caught up, when the clinic has webhooks."""
        if not self.config.notify.webhooks:
            return None
        # Imported here: notifications are derived from the read model, built on this store.
        from queue_core.notices import Notices

        if self._notices is None:
            self._notices = Notices()
        self._notices.begin(tx)
        return self._notices

    @contextmanager
    def between_writers(self) -> Iterator[Connection]:
        """The connection with the writer gate held and no transaction open, for work on the
        whole file that changes no row (VACUUM, a checkpoint): no writer comes in meanwhile."""
        with self.backend.faults(), self._turn_at_gate(), self._lock:
            yield self.conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A consistent snapshot across several queries (readers never block writers).
        Inside a write of this thread, the read is the write's: it sees what the write did
        (an operation run with its idempotency key reads what it has just written)."""
        if getattr(self._open, "tx", None) is not None:
            yield self.conn
            return
        with self._lock, self.backend.faults():
            self.backend.begin_read(self.conn)
            try:
                yield self.conn
            finally:
                if self.conn.in_transaction:
                    self.conn.execute("COMMIT")

    def data_version(self) -> int:
        """Changes whenever another connection commits: a cheap way for a desk to poll."""
        with self._lock, self.backend.faults():
            return self.backend.data_version(self.conn)

    def last_seq(self) -> int:
        with self._lock, self.backend.faults():
            row = self.backend.retry(
                lambda: self.conn.execute("SELECT MAX(seq) FROM events").fetchone()
            )
        return int(row[0] or 0)

    def events_since(self, seq: int, limit: int | None = None) -> list[Event]:
        """Committed events after `seq`, oldest first: what the server tails."""
        query = "SELECT * FROM events WHERE seq > ? ORDER BY seq"
        params: tuple[Any, ...] = (seq,)
        if limit is not None:
            query += " LIMIT ?"
            params = (seq, limit)
        with self._lock, self.backend.faults():
            rows = self.backend.retry(lambda: self.conn.execute(query, params).fetchall())
        return [_event(dict(r)) for r in rows]

    def events_matching(self, since: int = 0, **columns: str | None) -> list[Event]:
        """The audit trail: events after `since` whose columns (day, ticket, desk, queue, type,
        actor) equal the values given; None leaves a column free."""
        unknown = set(columns) - _EVENT_FILTERS
        if unknown:
            raise ValueError(f"events cannot be filtered by {sorted(unknown)}")
        wanted = {k: v for k, v in columns.items() if v is not None}
        where = "".join(f" AND {k} = ?" for k in wanted)
        query = f"SELECT * FROM events WHERE seq > ?{where} ORDER BY seq"
        with self._lock, self.backend.faults():
            rows = self.backend.retry(
                lambda: self.conn.execute(query, (since, *wanted.values())).fetchall()
            )
        return [_event(dict(r)) for r in rows]


_EVENT_FILTERS = frozenset(("day", "ticket", "desk", "queue", "type", "actor"))


def _encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _event(row: dict[str, Any]) -> Event:
    return Event(
        seq=row["seq"],
        at=row["at"],
        day=row["day"],
        type=EventType(row["type"]),
        ticket=row["ticket"],
        desk=row["desk"],
        queue=row["queue"],
        actor=row["actor"],
        reason=row["reason"],
        payload=json.loads(row["payload"]),
    )
