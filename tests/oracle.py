"""What a sound queue file looks like after any run: checks over its tables and its event log.

Every scenario (desk crashes, contention, a long day, the long day through the server) ends
with `violations(db)`; an empty list means the file passed every check, each made once here.
The scenarios that play a day also hold the read model to the log (`read_model_problems`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from queue_core.board import public_board
from queue_core.events import CORRECTIONS, Called, Event, EventType
from queue_core.line import Line
from queue_core.model import DeskState, Ticket
from queue_core.replay import current_tables, replay
from queue_core.store import Store

# A call is legitimate only for a ticket in the line; out of turn (with a reason) it may also
# come from the missed list. A second call of one ticket therefore needs it back in the line
# first: requeued after a skip, transferred, or back from tests.
CALLABLE = {False: ("waiting",), True: ("waiting", "missed")}


@dataclass(frozen=True)
class LogFacts:
    events: int
    calls: int
    tickets: int


def integrity(conn: sqlite3.Connection) -> list[str]:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    return [] if rows == ["ok"] else [f"integrity_check: {rows[:5]}"]


def call_violations(events: list[Event]) -> list[str]:
    """Walk the log in order: every call must find its ticket callable, every correction its
    reason, no ticket at two desks."""
    problems: list[str] = []
    state: dict[int, str] = {}
    ids: dict[tuple[str, str], int] = {}
    current: dict[str, int | None] = {}
    for event in events:
        fact = event.fact()
        if isinstance(fact, Called):
            ticket_id = ids.get((event.day, event.ticket or ""))
            out_of_turn = fact.out_of_turn
            before = state.get(ticket_id) if ticket_id is not None else None
            if before not in CALLABLE[out_of_turn]:
                problems.append(f"seq {event.seq}: {event.ticket} called while {before}")
            if out_of_turn and not (event.reason or "").strip():
                problems.append(f"seq {event.seq}: {event.ticket} called out of turn, no reason")
        if event.type in CORRECTIONS and not (event.reason or "").strip():
            problems.append(f"seq {event.seq}: {event.type} of {event.ticket} without a reason")
        for row in event.changed("tickets"):
            key = (row["day"], row["number"])
            if ids.setdefault(key, row["id"]) != row["id"]:
                problems.append(f"seq {event.seq}: number {row['number']} given to two tickets")
            state[row["id"]] = row["state"]
        for row in event.changed("desks"):
            current[row["id"]] = row["current_ticket"]
        held = [t for t in current.values() if t is not None]
        if len(held) != len(set(held)):
            problems.append(f"seq {event.seq}: one ticket current at two desks")
    return problems


def counter_violations(tables: dict[str, dict[Any, dict[str, Any]]], store: Store) -> list[str]:
    """A queue's daily counter is never behind a number it issued, so none is issued twice."""
    prefixes = {q.id: q.prefix for q in store.config.queues}
    last = {
        (day, prefixes[queue]): row["last"]
        for (day, queue), row in tables["counters"].items()
        if queue in prefixes
    }
    problems = []
    for row in tables["tickets"].values():
        prefix = row["number"].rstrip("0123456789")
        if int(row["number"][len(prefix) :]) > last.get((row["day"], prefix), 0):
            problems.append(f"{row['number']} is beyond its queue's counter")
    return problems


def violations(db: Path | str) -> tuple[list[str], LogFacts]:
    """Every way the database could show a fault, from one consistent snapshot; empty when
    sound. A file is checked by SQLite's own integrity check first."""
    problems: list[str] = []
    if isinstance(db, Path):
        conn = sqlite3.connect(str(db))
        try:
            problems = integrity(conn)
        finally:
            conn.close()
    store = Store.open(db)
    try:
        with store.read() as snapshot:
            events = store.events_since(0)
            tables = current_tables(snapshot)
            doubles = snapshot.execute(
                "SELECT day, number FROM tickets GROUP BY day, number HAVING COUNT(*) > 1"
            ).fetchall()
        seqs = [e.seq for e in events]
        if seqs != list(range(1, len(seqs) + 1)):
            problems.append(f"event seqs are not 1..{len(seqs)} without a hole")
        if replay(events) != tables:
            problems.append("replaying the event log does not rebuild the tables")
        problems += [f"number {number} used twice on {day}" for day, number in doubles]
        problems += call_violations(events)
        problems += counter_violations(tables, store)
    finally:
        store.close()
    calls = sum(1 for e in events if e.type is EventType.CALL)
    return problems, LogFacts(len(events), calls, len(tables["tickets"]))


def line_from_log(events: list[Event], store: Store) -> Line:
    """The read model as the log alone tells it: the replayed rows, not the tables."""
    tables = replay(events)
    tickets = [Ticket.from_row(r) for r in tables["tickets"].values()]
    desks = [DeskState.from_row(r) for r in tables["desks"].values()]
    seq = events[-1].seq if events else 0
    day = store.today()
    return Line(store.config, seq, day, (t for t in tickets if t.day == day), desks)


@dataclass(frozen=True)
class ReadModel:
    """The read model loaded from the tables held to the one rebuilt from the log."""

    board_equal: bool
    views: int  # phone views compared
    problems: list[str]


def read_model_problems(store: Store, phones: bool = True) -> ReadModel:
    """The public board, and (with `phones`) every ticket's phone view: its state, its desk and
    room when called, a waiting patient's `ahead`. Nothing may commit between the two reads,
    so the caller is the only writer."""
    live = Line.load(store)
    rebuilt = line_from_log(store.events_since(0), store)
    board_equal = public_board(live.board, limit=None) == public_board(rebuilt.board, limit=None)
    problems = [] if board_equal else ["the public board differs from the one the log rebuilds"]
    tickets = [t for t in live.tickets.values() if t.day == live.day] if phones else []
    for ticket in tickets:
        got, want = live.view(ticket), rebuilt.view(rebuilt.tickets.get(ticket.id, ticket))
        shown = {"state": got.state, "ahead": got.ahead, "desk": got.desk, "room": got.room}
        told = {"state": want.state, "ahead": want.ahead, "desk": want.desk, "room": want.room}
        if shown != told:
            problems.append(f"{ticket.number}: phone shows {shown}, the log says {told}")
    return ReadModel(board_equal, len(tickets), problems)
