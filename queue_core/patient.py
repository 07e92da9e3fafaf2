"""One patient's own view of the line: what their phone shows, and why it changed.

Pure functions over the read model's facts (queue_core/line.py), so the display server, a
report or a test get the same numbers.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

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


def median_minutes(durations: Sequence[float]) -> float | None:
    return statistics.median(durations) if durations else None


def estimate_minutes(ahead: int, median: float | None, open_desks: int) -> int | None:
    """Patients ahead times the usual visit, shared by the open desks; unknown before any visit."""
    if median is None or open_desks <= 0:
        return None
    return math.ceil(ahead * median / open_desks)


Place = tuple[Ticket, int | None, str | None, int | None]


def place_of(facts: LineFacts, ticket: Ticket, medians: dict[str, float]) -> Place:
    """(the ticket as the board holds it, patients ahead, the number served in its queue, the
    estimate in minutes): ahead and the estimate are None unless it waits. The one derivation
    of a patient's place, for a whole view and for a phone round's position alike."""
    current = facts.tickets.get(ticket.id, ticket)
    now = facts.now.get(current.queue)
    if current.state is not TicketState.WAITING:
        return current, None, now, None
    ahead = facts.ahead.get(current.id)
    if ahead is None:
        return current, None, now, None
    median = medians.get(current.queue)
    return (
        current,
        ahead,
        now,
        estimate_minutes(ahead, median, facts.open_desks.get(current.queue, 0)),
    )


def patient_view(facts: LineFacts, ticket: Ticket, medians: dict[str, float]) -> PatientView:
    """The view of `ticket`; its state comes from the board when the board holds it."""
    current, ahead, now, eta = place_of(facts, ticket, medians)
    state = current.state
    desk = current.desk if state in (TicketState.CALLED, TicketState.AWAY) else None
    desk = desk or current.pinned_desk
    return PatientView(
        number=current.number,
        state=state.value,
        queue=current.queue,
        ahead=ahead,
        now=now,
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
    own = [e.phones.own for e in batch if e.ticket == number and e.phones.own is not None]
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
        left = [e.phones.left for e in batch if e.phones.left is not None]
        return left[0] if left else Why.MOVED_UP
    desk_changes = [e.phones.desk for e in batch if e.phones.desk is not None]
    return desk_changes[-1] if desk_changes else Why.PROGRESS
