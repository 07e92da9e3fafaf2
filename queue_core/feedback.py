"""What comes back from screens and phones: call receipts and patients' presence.

Both are commands like any desk action (one transaction, one event), so desks learn of them
through the same log, and an audit can tell that a call was announced and when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from queue_core.errors import (
    InvalidState,
    PresenceTooSoon,
    QueueError,
    ReceiptRefused,
    ScreenNotRegistered,
    TicketNotFound,
)
from queue_core.events import ANNOUNCED_HOW, CALLS, Announced, PresenceSet
from queue_core.model import OPEN_STATES, PRESENCE, Ticket
from queue_core.retention import ERASED
from queue_core.screens import registered_filter
from queue_core.store import Reader, Store, Tx, iso, parse_iso

PRESENCE_EVERY_S = 10.0


def record_receipt(
    store: Store,
    call_seq: int,
    screen_id: str,
    now: datetime | None = None,
    how: str = "os_voice",
) -> bool:
    """The registered screen `screen_id` announced the call event `call_seq`, `how` it says
    (ANNOUNCED_HOW: spoken with the server's audio or its own voice, or only chimed or shown).

    It counts only for a call of today that the screen shows and that is still its desk's
    current call (the latest call or recall of the patient in that room); anything else is
    refused, so a receipt always means: this call, now, on that screen. Returns False (and
    appends nothing) when that screen had already acknowledged that call.
    """
    if how not in ANNOUNCED_HOW:
        raise QueueError(f"A receipt's how must be one of {', '.join(ANNOUNCED_HOW)}.")
    screen = store.config.screen(screen_id)
    if screen is None:
        raise ScreenNotRegistered(screen_id)
    shown = registered_filter(store.config, screen)
    with store.write(now) as tx:
        row = tx.read.execute(
            "SELECT type, day, ticket, desk, queue FROM events WHERE seq = ?", (call_seq,)
        ).fetchone()
        if row is None or row["type"] not in CALLS:
            raise ReceiptRefused(call_seq, "is not a call")
        day, desk = row["day"], row["desk"]
        if tx.day_closed(day):
            raise ReceiptRefused(call_seq, f"is a call of {day}, a closed day")
        if day != tx.day:
            raise ReceiptRefused(call_seq, f"is a call of {day}, not of today")
        if desk not in shown.desks:
            raise ReceiptRefused(call_seq, f"is a call at desk {desk}, not shown on {screen.id}")
        if not _current_call(tx, call_seq, desk, row["ticket"], day):
            raise ReceiptRefused(call_seq, f"is no longer desk {desk}'s current call")
        if not tx.save_receipt(call_seq, screen.id):
            return False
        tx.append(
            Announced(
                ticket=row["ticket"],
                desk=row["desk"],
                queue=row["queue"],
                call_seq=call_seq,
                screen=screen.id,
                how=how,
            ),
            "screen:" + screen.id,
        )
        return True


def _within(stamp: str, now: datetime, seconds: float) -> bool:
    return (now - parse_iso(stamp)).total_seconds() < seconds


def _current_call(tx: Tx, call_seq: int, desk: str, number: str, day: str) -> bool:
    """Whether `number` is still the patient at `desk` and `call_seq` its latest call there:
    what the desk console counts receipts for (Line.receipts_of)."""
    current = tx.read.execute(
        "SELECT tickets.number, tickets.day FROM desks JOIN tickets"
        " ON tickets.id = desks.current_ticket WHERE desks.id = ?",
        (desk,),
    ).fetchone()
    if current is None or (current["number"], current["day"]) != (number, day):
        return False
    return _latest_call(tx.read, day, number, desk) == call_seq


def _latest_call(conn: Reader, day: str, number: str, desk: str) -> int | None:
    """The seq of the latest call or recall of `number` at `desk` on `day`."""
    row = conn.execute(
        "SELECT MAX(seq) FROM events WHERE day = ? AND ticket = ? AND desk = ? AND type IN (?, ?)",
        (day, number, desk, *CALLS),
    ).fetchone()
    return int(row[0]) if row[0] is not None else None


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
        return _latest_call(conn, store.today(), number, desk_id)


def _by_token(conn: Reader, token: str) -> Any:
    """The ticket row a phone link opens. An erased ticket's token (queue_core/retention.py) is
    known to anyone who knows its id, so it opens nothing."""
    if token.startswith(ERASED):
        return None
    return conn.execute("SELECT * FROM tickets WHERE token = ?", (token,)).fetchone()


def ticket_by_token(store: Store, token: str) -> Ticket:
    with store.read() as conn:
        row = _by_token(conn, token)
    if row is None:
        raise TicketNotFound("(link)")
    return Ticket.from_row(dict(row))


def record_presence(store: Store, token: str, status: str, now: datetime | None = None) -> Ticket:
    """The patient pressed "I'm on my way" or "I'm here" on their phone page.

    The same status again changes nothing and appends nothing; a change sooner than
    PRESENCE_EVERY_S after the ticket's last one is refused. A person taps these buttons a
    few times a morning: every event is echoed to the ticket's pages and kept in the journal
    that resumes replay, so a page must not be able to write them as fast as it can send.
    """
    if status not in PRESENCE:
        raise QueueError(f"Presence must be one of {', '.join(PRESENCE)}.")
    with store.write(now) as tx:
        row = _by_token(tx.read, token)
        if row is None:
            raise TicketNotFound("(link)")
        ticket = Ticket.from_row(dict(row))
        if ticket.state not in OPEN_STATES:
            raise InvalidState(
                f"{ticket.number} is {ticket.state.value}.",
                number=ticket.number,
                state=ticket.state.value,
            )
        if ticket.presence == status:
            return ticket
        if ticket.presence_at is not None and _within(ticket.presence_at, tx.now, PRESENCE_EVERY_S):
            raise PresenceTooSoon(ticket.number, PRESENCE_EVERY_S)
        ticket.presence = status
        ticket.presence_at = iso(tx.now)
        tx.save_ticket(ticket)
        tx.append(
            PresenceSet(ticket=ticket.number, desk=ticket.desk, queue=ticket.queue, status=status),
            "patient",
        )
        return ticket
