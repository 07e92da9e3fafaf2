"""One patient's own view of the line: what their phone shows, and why it changed.

Pure functions over the read model's facts (queue_core/line.py), so the display server, a
report or a test get the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from queue_core.estimate import Estimate
from queue_core.events import Event, Why
from queue_core.model import Ticket, TicketState

# (room, number) of each room serving a queue, in configuration order: the number that room
# last called from the queue today. One number alone would hide the other rooms' progress.
Calls = tuple[tuple[str, str], ...]
# (low, high) minutes until the call, as the patient reads them (queue_core/estimate.py).
Eta = tuple[int, int]
# Why a waiting ticket has no estimate: no visit has finished today and the queue has no
# configured typical visit, or every desk serving it is paused.
NO_ETA_FIRST_VISIT = "first_visit"
NO_ETA_PAUSED = "paused"


@dataclass(frozen=True)
class LineFacts:
    """What every phone view of one board needs, indexed once so each view is O(1)."""

    seq: int
    tickets: dict[int, Ticket]  # every ticket the board holds: waiting, called, missed, away
    ahead: dict[int, int]  # waiting ticket id -> patients before it in the line it waits in
    reasons: dict[int, str]  # waiting ticket id -> why it stands where it stands
    now: dict[str, str | None]  # queue id -> number most recently called and still served
    calls: dict[str, Calls]  # queue id -> what each room serving it last called from it
    open_desks: dict[str, int]  # queue id -> desks serving it that are not paused
    rooms: dict[str, str]  # desk id -> room


@dataclass(frozen=True)
class PatientView:
    number: str
    state: str
    queue: str
    ahead: int | None  # None unless waiting
    now: str | None
    calls: Calls
    eta: Eta | None  # None when there is no basis for an estimate
    no_eta: str | None  # while waiting without an estimate: why (NO_ETA_*)
    desk: str | None
    room: str | None
    recall: int


# (the ticket as the board holds it, patients ahead, the number served in its queue, what each
# room serving it last called, the estimate in minutes, why there is none): ahead and the
# estimate are None unless it waits. A plain tuple: a phone round makes one per phone.
Place = tuple[Ticket, int | None, str | None, Calls, Eta | None, str | None]


def place_of(facts: LineFacts, ticket: Ticket, estimates: dict[int, Estimate]) -> Place:
    """The one derivation of a patient's place, for a whole view and for a phone round's
    position alike. `estimates`: the read model's, by ticket id (Line.estimates)."""
    current = facts.tickets.get(ticket.id, ticket)
    queue = current.queue
    now = facts.now.get(queue)
    calls = facts.calls.get(queue, ())
    if current.state is not TicketState.WAITING:
        return current, None, now, calls, None, None
    ahead = facts.ahead.get(current.id)
    if ahead is None:
        return current, None, now, calls, None, None
    estimate = estimates.get(current.id)
    if estimate is not None:
        return current, ahead, now, calls, (estimate[1], estimate[2]), None
    open_desks = facts.open_desks.get(queue, 0)
    why = NO_ETA_PAUSED if open_desks <= 0 else NO_ETA_FIRST_VISIT
    return current, ahead, now, calls, None, why


def place_desk(ticket: Ticket) -> str | None:
    """The desk whose room the patient is to go to: the one that called them or sent them for
    tests, else the one they are pinned to. None: the waiting area, or the triage desk for a
    patient who missed their call or has not checked in (no room sees them before it does)."""
    state = ticket.state
    if state in (TicketState.MISSED, TicketState.REGISTERED):
        return None
    desk = ticket.desk if state in (TicketState.CALLED, TicketState.AWAY) else None
    return desk or ticket.pinned_desk


def patient_view(facts: LineFacts, ticket: Ticket, estimates: dict[int, Estimate]) -> PatientView:
    """The view of `ticket`; its state comes from the board when the board holds it."""
    current, ahead, now, calls, eta, no_eta = place_of(facts, ticket, estimates)
    desk = place_desk(current)
    return PatientView(
        number=current.number,
        state=current.state.value,
        queue=current.queue,
        ahead=ahead,
        now=now,
        calls=calls,
        eta=eta,
        no_eta=no_eta,
        desk=desk,
        room=facts.rooms.get(desk) if desk else None,
        recall=current.recalls if current.state is TicketState.CALLED else 0,
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
