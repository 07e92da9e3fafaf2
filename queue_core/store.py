"""The shared SQLite file: connection settings, the write path, and consistent reads.

Every change goes through `Store.write()`: one `BEGIN IMMEDIATE` transaction that changes rows
and appends exactly the events describing them. Readers (desks, the display server) see whole
commands or nothing, and event sequence numbers appear to them without holes.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from queue_core import schema
from queue_core.config import ClinicConfig, parse_config
from queue_core.errors import (
    InvalidState,
    NotADatabase,
    NotInitialised,
    StoreBusy,
    TicketNotFound,
)
from queue_core.model import DeskState, Event, Ticket, TicketState
from queue_core.writer_gate import WriterGate

Clock = Callable[[], datetime]
BUSY_TIMEOUT_MS = 5_000
GIVE_UP_AFTER_S = 30.0
DB_ENV = "CLINIC_QUEUE_DB"
DEFAULT_DB = "clinic-queue.db"


def default_db_path() -> Path:
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(
            str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
    except sqlite3.DatabaseError as exc:
        raise NotADatabase(str(path), str(exc)) from None
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _retry(lambda: conn.execute("PRAGMA journal_mode = WAL"))
        # A number printed on a ticket must survive a power cut: fsync on every commit.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        # A directory, or a file that is not SQLite: say so instead of a traceback.
        conn.close()
        raise NotADatabase(str(path), str(exc)) from None
    return conn


def _retry(action: Callable[[], Any]) -> Any:
    """Retry what SQLite refused as busy, with jittered backoff, instead of surfacing it."""
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


@dataclass
class Tx:
    """An open write transaction: rows saved here are recorded into the events it appends."""

    conn: sqlite3.Connection
    now: datetime
    config: ClinicConfig
    _tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    _desks: dict[str, dict[str, Any]] = field(default_factory=dict)
    _counters: dict[tuple[str, str], int] = field(default_factory=dict)
    _receipts: list[dict[str, Any]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def day(self) -> str:
        return self.now.astimezone(self.config.tz).date().isoformat()

    def next_seq(self) -> int:
        row = self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        return (row[0] if row else 0) + 1

    def ticket(self, ticket_id: int) -> Ticket:
        row = self.conn.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        if row is None:
            raise TicketNotFound(f"#{ticket_id}")
        return Ticket.from_row(dict(row))

    def ticket_by_number(self, number: str) -> Ticket:
        row = self.conn.execute(
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

    def tickets_where(self, clause: str, params: tuple[Any, ...]) -> list[Ticket]:
        rows = self.conn.execute(f"SELECT * FROM tickets WHERE {clause}", params)
        return [Ticket.from_row(dict(r)) for r in rows]

    def desk(self, desk_id: str) -> DeskState:
        row = self.conn.execute("SELECT * FROM desks WHERE id = ?", (desk_id,)).fetchone()
        return DeskState.from_row(dict(row)) if row else DeskState(id=desk_id)

    def save_ticket(self, ticket: Ticket) -> None:
        row = ticket.to_row()
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.conn.execute(
            f"INSERT OR REPLACE INTO tickets ({columns}) VALUES ({marks})", tuple(row.values())
        )
        self._tickets[ticket.id] = row

    def new_ticket_id(self) -> int:
        row = self.conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM tickets").fetchone()
        return int(row[0])

    def save_desk(self, desk: DeskState) -> None:
        desk.changed_at = iso(self.now)
        row = desk.to_row()
        self.conn.execute(
            "INSERT OR REPLACE INTO desks (id, current_ticket, paused, changed_at)"
            " VALUES (?, ?, ?, ?)",
            (row["id"], row["current_ticket"], row["paused"], row["changed_at"]),
        )
        self._desks[desk.id] = row

    def take_number(self, day: str, queue: str) -> int:
        """The next daily sequence of a queue; the counter only grows, so no number is reused."""
        row = self.conn.execute(
            "SELECT last FROM counters WHERE day = ? AND queue = ?", (day, queue)
        ).fetchone()
        value = (row[0] if row else 0) + 1
        self.conn.execute(
            "INSERT OR REPLACE INTO counters (day, queue, last) VALUES (?, ?, ?)",
            (day, queue, value),
        )
        self._counters[(day, queue)] = value
        return value

    def save_receipt(self, call_seq: int, screen: str) -> bool:
        """Record that `screen` announced the call at `call_seq`; False if it already had."""
        cursor = self.conn.execute(
            "INSERT OR IGNORE INTO receipts (call_seq, screen, at) VALUES (?, ?, ?)",
            (call_seq, screen, iso(self.now)),
        )
        if cursor.rowcount:
            self._receipts.append({"call_seq": call_seq, "screen": screen, "at": iso(self.now)})
        return bool(cursor.rowcount)

    def append(
        self,
        type_: str,
        actor: str,
        *,
        ticket: str | None = None,
        desk: str | None = None,
        queue: str | None = None,
        reason: str | None = None,
        **extra: Any,
    ) -> Event:
        """Append an event carrying every row changed since the previous append."""
        payload: dict[str, Any] = dict(extra)
        changes: dict[str, Any] = {}
        if self._tickets:
            changes["tickets"] = list(self._tickets.values())
        if self._desks:
            changes["desks"] = list(self._desks.values())
        if self._counters:
            changes["counters"] = [
                {"day": d, "queue": q, "last": v} for (d, q), v in self._counters.items()
            ]
        if self._receipts:
            changes["receipts"] = self._receipts
        payload["changes"] = changes
        self._tickets, self._desks, self._counters, self._receipts = {}, {}, {}, []
        at = iso(self.now)
        cursor = self.conn.execute(
            "INSERT INTO events (at, day, type, ticket, desk, queue, actor, reason, payload)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                at,
                self.day,
                type_,
                ticket,
                desk,
                queue,
                actor,
                reason,
                json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
            ),
        )
        event = Event(
            int(cursor.lastrowid or 0),
            at,
            self.day,
            type_,
            ticket,
            desk,
            queue,
            actor,
            reason,
            payload,
        )
        self.events.append(event)
        return event


class Store:
    """One connection to the shared queue file. Safe to share between threads of one process."""

    def __init__(self, path: Path, conn: sqlite3.Connection, config: ClinicConfig, clock: Clock):
        self.path = path
        self.conn = conn
        self.config = config
        self.clock = clock
        self._lock = threading.RLock()
        self._gate = WriterGate(path)

    @classmethod
    def open(cls, path: Path | str | None = None, clock: Clock = utc_now) -> Store:
        """Open an initialised database; refuses a file that `init` never set up."""
        target = Path(path) if path is not None else default_db_path()
        if not target.exists():
            raise NotInitialised(str(target))
        conn = _connect(target)
        try:
            if schema.pending(conn):
                raise NotInitialised(str(target))
            row = conn.execute("SELECT value FROM settings WHERE key = 'config'").fetchone()
        except sqlite3.DatabaseError:
            conn.close()
            raise NotInitialised(str(target)) from None
        if row is None:
            conn.close()
            raise NotInitialised(str(target))
        return cls(target, conn, parse_config(row[0], "stored configuration"), clock)

    @classmethod
    def create(cls, path: Path | str, config: ClinicConfig, clock: Clock = utc_now) -> Store:
        """Create or migrate the file and store `config` in it (see commands.initialise)."""
        target = Path(path)
        conn = _connect(target)
        _retry(lambda: conn.execute("BEGIN IMMEDIATE"))
        try:
            if schema.pending(conn):
                schema.apply(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return cls(target, conn, config, clock)

    def close(self) -> None:
        """Under the lock: a worker thread mid-statement must never see the connection vanish."""
        with self._lock:
            self.conn.close()
            self._gate.close()

    def now(self) -> datetime:
        return self.clock()

    def today(self, now: datetime | None = None) -> str:
        return (now or self.now()).astimezone(self.config.tz).date().isoformat()

    @contextmanager
    def write(self, now: datetime | None = None) -> Iterator[Tx]:
        """One command: through the writer gate, BEGIN IMMEDIATE (retried while busy), then
        commit, or roll back on error; the gate opens again only after COMMIT or ROLLBACK."""
        with self._lock:
            self._gate.acquire()
            try:
                _retry(lambda: self.conn.execute("BEGIN IMMEDIATE"))
                tx = Tx(self.conn, now or self.now(), self.config)
                try:
                    yield tx
                    if tx._tickets or tx._desks or tx._counters or tx._receipts:
                        raise RuntimeError("rows changed without an event describing them")
                    _retry(lambda: self.conn.execute("COMMIT"))
                except BaseException:
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise
            finally:
                self._gate.release()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot across several queries (WAL readers never block writers)."""
        with self._lock:
            _retry(lambda: self.conn.execute("BEGIN"))
            try:
                yield self.conn
            finally:
                if self.conn.in_transaction:
                    self.conn.execute("COMMIT")

    def data_version(self) -> int:
        """Changes whenever another connection commits: a cheap way for a desk to poll."""
        with self._lock:
            return int(_retry(lambda: self.conn.execute("PRAGMA data_version").fetchone()[0]))

    def last_seq(self) -> int:
        with self._lock:
            row = _retry(lambda: self.conn.execute("SELECT MAX(seq) FROM events").fetchone())
        return int(row[0] or 0)

    def events_since(self, seq: int, limit: int | None = None) -> list[Event]:
        """Committed events after `seq`, oldest first: what the server tails."""
        query = "SELECT * FROM events WHERE seq > ? ORDER BY seq"
        params: tuple[Any, ...] = (seq,)
        if limit is not None:
            query += " LIMIT ?"
            params = (seq, limit)
        with self._lock:
            rows = _retry(lambda: self.conn.execute(query, params).fetchall())
        return [_event(dict(r)) for r in rows]


def _event(row: dict[str, Any]) -> Event:
    return Event(
        seq=row["seq"],
        at=row["at"],
        day=row["day"],
        type=row["type"],
        ticket=row["ticket"],
        desk=row["desk"],
        queue=row["queue"],
        actor=row["actor"],
        reason=row["reason"],
        payload=json.loads(row["payload"]),
    )
