"""Taking back a desk's mistake: a visit ended too soon, a ticket cancelled by error, a patient
sent for tests who never left. Each needs a reason and is one transaction with its own event,
so the log says who corrected what and why; none lets a ticket past the line's rules.

- `reopen`: the visit a desk just finished goes on, back in that room, until the desk calls
  someone else (after that the room belongs to the next patient).
- `uncancel`: a cancelled ticket of today is put back as it was before the cancel, at its
  original place in the line; one cancelled while called or missed goes to the missed list,
  where a requeue puts it behind the head, as for any patient who missed their call.
- `undo_away`: a patient sent for tests who never went is back in the room of the desk that
  sent them when that room is still free; otherwise (or sent from the line) back to waiting
  at their original place.
"""

from __future__ import annotations

from datetime import datetime

from queue_core.commands import desk_config
from queue_core.errors import InvalidState, ReasonRequired
from queue_core.events import AwayUndone, EventType, Reopened, Uncancelled
from queue_core.model import DeskState, Ticket, TicketState
from queue_core.store import Store, Tx
from queue_core.text import clean_reason


def _reason(action: str, reason: str) -> str:
    cleaned = clean_reason(reason)
    if not cleaned:
        raise ReasonRequired(action)
    return cleaned


def _open_day(tx: Tx) -> None:
    """A closed day's tickets have their final states: nothing of it is taken back."""
    if tx.day_closed(tx.day):
        raise InvalidState(
            f"The queue of {tx.day} is closed; its tickets keep their final states.",
            "day_closed",
            day=tx.day,
        )


def _state_before(tx: Tx, ticket: Ticket, kind: EventType) -> TicketState:
    """The state the ticket was in just before its latest `kind` event today. A ticket with
    no row before it came from a HIS file and was never checked in."""
    state, before = TicketState.REGISTERED, TicketState.REGISTERED
    for event in tx.ticket_events(ticket.number):
        if event.type is kind:
            before = state
        own = event.own_ticket()
        if own is not None and own.id == ticket.id:
            state = own.state
    return before


def _into_room(tx: Tx, desk: DeskState, ticket: Ticket) -> None:
    ticket.state = TicketState.CALLED
    ticket.desk = desk.id
    ticket.finished_at = None
    desk.current_ticket = ticket.id
    tx.save_desk(desk)


def reopen(
    store: Store, desk_id: str, reason: str, actor: str, now: datetime | None = None
) -> Ticket:
    """The visit this desk finished last goes on: back in the room, while the desk has called
    nobody since."""
    desk = desk_config(store, desk_id)
    reason = _reason("reopen", reason)
    with store.write(now) as tx:
        _open_day(tx)
        state = tx.desk(desk.id)
        if state.current_ticket is not None:
            busy = tx.ticket(state.current_ticket)
            raise InvalidState(
                f"{busy.number} is in the room at desk {desk.id}; only an empty room takes a"
                " visit back.",
                "room_taken",
                number=busy.number,
                desk=desk.id,
            )
        last = tx.read.execute(
            "SELECT type, ticket FROM events WHERE day = ? AND desk = ? AND type IN (?, ?)"
            " ORDER BY seq DESC LIMIT 1",
            (tx.day, desk.id, EventType.CALL.value, EventType.DONE.value),
        ).fetchone()
        if last is None or last[0] != EventType.DONE.value:
            raise InvalidState(
                f"Desk {desk.id} has no visit to reopen: it has called nobody since, or"
                " finished nobody today.",
                "nothing_to_reopen",
                desk=desk.id,
            )
        ticket = tx.ticket_in(str(last[1]), (TicketState.DONE,), "; only a finished visit reopens.")
        _into_room(tx, state, ticket)
        tx.save_ticket(ticket)
        tx.append(
            Reopened(
                ticket=ticket.number,
                desk=desk.id,
                queue=ticket.queue,
                reason=reason,
                room=desk.room,
            ),
            actor,
        )
        return ticket


def uncancel(
    store: Store, number: str, reason: str, actor: str, now: datetime | None = None
) -> Ticket:
    """A ticket cancelled by mistake comes back as it was, at its original place."""
    reason = _reason("uncancel", reason)
    with store.write(now) as tx:
        _open_day(tx)
        ticket = tx.ticket_in(number, (TicketState.CANCELLED,), "; only a cancelled ticket.")
        was = _state_before(tx, ticket, EventType.CANCEL)
        if was is TicketState.CALLED:
            was = TicketState.MISSED  # its desk has moved on: the patient missed that call
        ticket.state = was
        ticket.note = None
        ticket.finished_at = None
        tx.save_ticket(ticket)
        tx.append(
            Uncancelled(
                ticket=ticket.number,
                desk=ticket.pinned_desk if was is TicketState.WAITING else ticket.desk,
                queue=ticket.queue,
                reason=reason,
                was=was.value,
            ),
            actor,
        )
        return ticket


def undo_away(
    store: Store, number: str, reason: str, actor: str, now: datetime | None = None
) -> Ticket:
    """Sent for tests by mistake: back in the room if it came from one still free, or back to
    waiting at its original place."""
    reason = _reason("undo_away", reason)
    with store.write(now) as tx:
        _open_day(tx)
        ticket = tx.ticket_in(number, (TicketState.AWAY,), ", not away for tests.")
        room: DeskState | None = None
        sent_from = ticket.desk
        if _state_before(tx, ticket, EventType.AWAY) is TicketState.CALLED and sent_from:
            candidate = tx.desk(sent_from)
            if candidate.current_ticket is None and tx.config.desk(sent_from) is not None:
                room = candidate
        if room is not None:
            _into_room(tx, room, ticket)
        else:
            ticket.state = TicketState.WAITING  # sending away kept its place in the line
        tx.save_ticket(ticket)
        tx.append(
            AwayUndone(
                ticket=ticket.number,
                desk=ticket.desk,
                queue=ticket.queue,
                reason=reason,
                to=ticket.state.value,
            ),
            actor,
        )
        return ticket
