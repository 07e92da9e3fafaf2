"""One patient's own view of the line: what their phone shows, and why it changed.

Computed from the read model (`Board`) by pure functions, so the display server, a report or a
test get the same numbers; only `service_minutes` touches the database.
"""

from __future__ import annotations

import math
import sqlite3
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from queue_core.board import Board
from queue_core.events import Event, Why
from queue_core.model import Ticket, TicketState


@dataclass(frozen=True)
class LineFacts:
    """What every phone view of one board needs, indexed once so each view is O(1)."""

    seq: int
    tickets: dict[int, Ticket]  # every ticket the board holds: waiting, called, missed, away
    ahead: dict[int, int]  # waiting ticket id -> patients before it in the line it waits in
    reasons: dict[int, str]  # waiting ticket id -> why it stands where it stands
    now: dict[str, str | None]  # queue id -> number most recently called and still served
    open_desks: dict[str, int]  # queue id -> desks serving it that are not paused
    rooms: dict[str, str]  # desk id -> room


@dataclass(frozen=True)
class PatientView:
    number: str
    state: str
    queue: str
    ahead: int | None  # None unless waiting
    now: str | None
    eta: int | None  # minutes, None when there is no basis for an estimate
    desk: str | None
    room: str | None
    recall: int


def line_facts(board: Board, last_called: dict[str, str] | None = None) -> LineFacts:
    """Index a board: a pinned ticket counts its place in its desk's line, others their queue's."""
    tickets: dict[int, Ticket] = {}
    ahead: dict[int, int] = {}
    reasons: dict[int, str] = {}
    for queue in board.queues:
        for placed in queue.line:
            tickets[placed.ticket.id] = placed.ticket
            ahead[placed.ticket.id] = placed.position
            reasons[placed.ticket.id] = placed.reason.value
        for ticket in [*queue.missed, *queue.away]:
            tickets[ticket.id] = ticket
    for desk in board.desks:
        for index, placed in enumerate(desk.line):
            if placed.ticket.pinned_desk == desk.config.id:
                ahead[placed.ticket.id] = index
    return facts_with_desks(board, tickets, ahead, reasons, last_called or {})


def facts_with_desks(
    board: Board,
    tickets: dict[int, Ticket],
    ahead: dict[int, int],
    reasons: dict[int, str],
    last_called: dict[str, str],
) -> LineFacts:
    """Complete the line's facts with what the desks tell: who is in a room, which desks are open.

    `now` is the queue's ticket in a room; when none is, the queue's last called number.
    """
    latest: dict[str, Ticket] = {}
    open_desks: dict[str, int] = {q.config.id: 0 for q in board.queues}
    for desk in board.desks:
        current = desk.current
        if current is not None:
            tickets[current.id] = current
            best = latest.get(current.queue)
            if best is None or (current.called_at or "") > (best.called_at or ""):
                latest[current.queue] = current
        if not desk.paused:
            for queue_id in desk.config.queues:
                open_desks[queue_id] = open_desks.get(queue_id, 0) + 1
    now = {
        q.config.id: latest[q.config.id].number
        if q.config.id in latest
        else last_called.get(q.config.id)
        for q in board.queues
    }
    rooms = {d.config.id: d.config.room for d in board.desks}
    return LineFacts(board.seq, tickets, ahead, reasons, now, open_desks, rooms)


def median_minutes(durations: Sequence[float]) -> float | None:
    return statistics.median(durations) if durations else None


def service_minutes(conn: sqlite3.Connection, day: str) -> dict[str, float]:
    """Today's median visit length per queue (call to finish), the basis of every estimate."""
    durations: dict[str, list[float]] = {}
    rows = conn.execute(
        "SELECT queue, called_at, finished_at FROM tickets"
        " WHERE day = ? AND state = 'done' AND called_at IS NOT NULL AND finished_at IS NOT NULL",
        (day,),
    )
    for queue, called_at, finished_at in rows:
        seconds = (
            datetime.fromisoformat(finished_at) - datetime.fromisoformat(called_at)
        ).total_seconds()
        durations.setdefault(queue, []).append(max(seconds, 0.0) / 60)
    medians = {q: median_minutes(d) for q, d in durations.items()}
    return {q: m for q, m in medians.items() if m is not None}


def last_called(conn: sqlite3.Connection, day: str) -> dict[str, str]:
    """The number each queue called most recently today, whatever became of that patient.

    Two calls in the same instant (desks sharing a queue) go to the higher ticket id: a bare
    column beside MAX() would take whichever row the index scan met first.
    """
    rows = conn.execute(
        "SELECT queue, number FROM tickets"
        " WHERE day = ? AND called_at IS NOT NULL ORDER BY called_at, id",
        (day,),
    )
    return {queue: number for queue, number in rows}


def estimate_minutes(ahead: int, median: float | None, open_desks: int) -> int | None:
    """Patients ahead times the usual visit, shared by the open desks; unknown before any visit."""
    if median is None or open_desks <= 0:
        return None
    return math.ceil(ahead * median / open_desks)


def patient_view(facts: LineFacts, ticket: Ticket, medians: dict[str, float]) -> PatientView:
    """The view of `ticket`; its state comes from the board when the board holds it."""
    current = facts.tickets.get(ticket.id, ticket)
    state = current.state
    ahead = facts.ahead.get(current.id) if state is TicketState.WAITING else None
    eta = None
    if ahead is not None:
        eta = estimate_minutes(
            ahead, medians.get(current.queue), facts.open_desks.get(current.queue, 0)
        )
    desk = current.desk if state in (TicketState.CALLED, TicketState.AWAY) else None
    desk = desk or current.pinned_desk
    return PatientView(
        number=current.number,
        state=state.value,
        queue=current.queue,
        ahead=ahead,
        now=facts.now.get(current.queue),
        eta=eta,
        desk=desk,
        room=facts.rooms.get(desk) if desk else None,
        recall=current.recalls if state is TicketState.CALLED else 0,
    )


def position_reason(
    number: str,
    batch: Sequence[Event],
    before: int | None,
    after: int | None,
    facts: LineFacts,
) -> str:
    """The reason code shown when a patient's place changes: their own event first, then others'."""
    own = [e.kind.OWN for e in batch if e.ticket == number and e.kind.OWN is not None]
    if own:
        return own[-1]
    if before is not None and after is not None and after > before:
        numbers = {t.number: i for i, t in facts.tickets.items()}
        for event in batch:
            ticket_id = numbers.get(event.ticket or "")
            if ticket_id is not None and facts.ahead.get(ticket_id, after) < after:
                return facts.reasons.get(ticket_id, Why.INSERTED)
        return Why.INSERTED
    if before is not None and after is not None and after < before:
        left = [e.kind.LEFT for e in batch if e.kind.LEFT is not None]
        return left[0] if left else Why.MOVED_UP
    desk_changes = [e.kind.DESK for e in batch if e.kind.DESK is not None]
    return desk_changes[-1] if desk_changes else Why.PROGRESS
