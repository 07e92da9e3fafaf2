"""What a sound queue file looks like after any fault: checks over its tables and its event log.

Every fault scenario (desk crashes, contention, a long day) ends with `violations(db)`; an empty
list means the file passed them all.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from queue_core.events import Called, Event, EventType
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
    """Walk the log in order: every call must find its ticket callable, no ticket at two desks."""
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


def violations(db: Path) -> tuple[list[str], LogFacts]:
    """Every way the file could show a fault, from one consistent snapshot; empty when sound."""
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
                "SELECT number FROM tickets GROUP BY day, number HAVING COUNT(*) > 1"
            ).fetchall()
        seqs = [e.seq for e in events]
        if seqs != list(range(1, len(seqs) + 1)):
            problems.append("event seqs have a hole")
        if replay(events) != tables:
            problems.append("replaying the event log does not rebuild the tables")
        problems += [f"number {r[0]} used twice" for r in doubles]
        problems += call_violations(events)
        problems += counter_violations(tables, store)
    finally:
        store.close()
    calls = sum(1 for e in events if e.type is EventType.CALL)
    return problems, LogFacts(len(events), calls, len(tables["tickets"]))
