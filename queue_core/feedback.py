"""What comes back from screens and phones: call receipts and patients' presence.

Both are commands like any desk action (one transaction, one event), so desks learn of them
through the same log, and an audit can tell that a call was announced and when.
"""

from __future__ import annotations

from datetime import datetime

from queue_core.errors import InvalidState, QueueError, TicketNotFound
from queue_core.events import CALLS, Announced, PresenceSet
from queue_core.model import OPEN_STATES, PRESENCE, Ticket
from queue_core.store import Store, iso
from queue_core.text import screen_name


def record_receipt(store: Store, call_seq: int, screen: str, now: datetime | None = None) -> bool:
    """A screen played the chime and the spoken call for the call event `call_seq`.

    Returns False (and appends nothing) when that screen had already acknowledged that call.
    Any client may send any name: only a safe few characters of it are kept (text.screen_name).
    """
    screen = screen_name(screen)
    with store.write(now) as tx:
        row = tx.read.execute(
            "SELECT type, day, ticket, desk, queue FROM events WHERE seq = ?", (call_seq,)
        ).fetchone()
        if row is None or row["type"] not in CALLS:
            raise QueueError(f"Event {call_seq} is not a call.")
        if tx.day_closed(row["day"]):
            raise QueueError(f"Event {call_seq} is a call of {row['day']}, a closed day.")
        if not tx.save_receipt(call_seq, screen):
            return False
        tx.append(
            Announced(
                ticket=row["ticket"],
                desk=row["desk"],
                queue=row["queue"],
                call_seq=call_seq,
                screen=screen,
            ),
            "screen:" + screen,
        )
        return True


def receipts_for(store: Store, call_seq: int) -> int:
    """On how many screens the call at `call_seq` was announced."""
    with store.read() as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM receipts WHERE call_seq = ?", (call_seq,)
        ).fetchone()
    return int(row[0])


def last_call_seq(store: Store, desk_id: str, number: str) -> int | None:
    """The latest call or recall of `number` at `desk_id` today: the seq that receipts refer to."""
    with store.read() as conn:
        row = conn.execute(
            "SELECT MAX(seq) FROM events WHERE day = ? AND ticket = ? AND desk = ?"
            " AND type IN (?, ?)",
            (store.today(), number, desk_id, *CALLS),
        ).fetchone()
    return int(row[0]) if row[0] is not None else None


def ticket_by_token(store: Store, token: str) -> Ticket:
    with store.read() as conn:
        row = conn.execute("SELECT * FROM tickets WHERE token = ?", (token,)).fetchone()
    if row is None:
        raise TicketNotFound("(link)")
    return Ticket.from_row(dict(row))


def record_presence(store: Store, token: str, status: str, now: datetime | None = None) -> Ticket:
    """The patient pressed "I'm on my way" or "I'm here" on their phone page."""
    if status not in PRESENCE:
        raise QueueError(f"Presence must be one of {', '.join(PRESENCE)}.")
    with store.write(now) as tx:
        row = tx.read.execute("SELECT * FROM tickets WHERE token = ?", (token,)).fetchone()
        if row is None:
            raise TicketNotFound("(link)")
        ticket = Ticket.from_row(dict(row))
        if ticket.state not in OPEN_STATES:
            raise InvalidState(
                f"{ticket.number} is {ticket.state.value}.",
                number=ticket.number,
                state=ticket.state.value,
            )
        ticket.presence = status
        ticket.presence_at = iso(tx.now)
        tx.save_ticket(ticket)
        tx.append(
            PresenceSet(ticket=ticket.number, desk=ticket.desk, queue=ticket.queue, status=status),
            "patient",
        )
        return ticket
