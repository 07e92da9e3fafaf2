"""Which notifications a write causes: derived from its events and the line around them.

Called from one place, the write path (`Store.write`), inside the transaction: `begin` before
the command runs, `finish` once its events are appended, so the outbox rows commit with the
events or not at all. No caller writes a notification.

The rule, as docs/notifications.md states it:

- `called`, `recalled`, `missed`, `requeued` and `closed` are events: one notification each.
- The line is compared before and after the write's events. A ticket that is waiting after
  and was not before (checked in, issued, back from tests, transferred, a correction) gets
  `waiting`, unless a `requeued` told it already. A ticket with `clinic.alert_ahead` patients
  ahead or fewer after, and more (or not waiting) before, gets `ahead`.
- A ticket still waiting with more than `alert_ahead` ahead gets `estimate` when the moment
  its call is expected (the write's time plus the middle of its range) moved
  `notify.estimate_moved_minutes` or more from the moment it was last told (in a notification
  carrying a range; a ticket never told one is measured from the first the outbox saw). A
  line moving as expected keeps that moment where it was: the wait shrinks as time passes.

The line is kept in memory per Store and caught up with what other writers committed; it is
read again at a new day or configuration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from queue_core.estimate import Estimate, moved_a_lot
from queue_core.events import Called, Closed, Event, EventType, Recalled
from queue_core.line import Line
from queue_core.model import Ticket, TicketState
from queue_core.outbox import insert_rows, rows_after
from queue_core.store import Tx, iso, parse_iso

# The events that are notifications by themselves, and the kind each is.
EVENT_KINDS = {
    EventType.CALL: "called",
    EventType.RECALL: "recalled",
    EventType.SKIP: "missed",
    EventType.REQUEUE: "requeued",
    EventType.CLOSED: "closed",
}
Wait = tuple[int, int]


def expected_at(at: datetime, wait: Wait) -> float:
    """When the call is expected, in minutes since the epoch: what a patient plans by."""
    return at.timestamp() / 60 + (wait[0] + wait[1]) / 2


@dataclass(frozen=True)
class Notice:
    """One notification, before it is a row for each webhook that wants it."""

    kind: str
    ticket: Ticket
    seq: int  # the event that caused it (for a change of the line: the write's last)
    ahead: int | None = None
    wait: Wait | None = None
    room: str | None = None

    @property
    def key(self) -> str:
        """The idempotency key: the same for every webhook and every retry of it."""
        return f"{self.ticket.day}-{self.ticket.id}-{self.kind}-{self.seq}"


class Notices:
    """The outbox's view of the line for one Store: what the tickets were last told."""

    def __init__(self) -> None:
        self.line: Line | None = None
        self.told: dict[int, float] = {}  # ticket id -> the call's moment last told (expected_at)
        self.seen = 0  # the last outbox row id read into `told`

    def begin(self, tx: Tx) -> None:
        """Before the command: the line as the other writers left it."""
        line = self.line
        if line is None or line.needs_reload or line.day != tx.day:
            line = self.line = Line.read(tx.read, tx.config, tx.day, iso(tx.now))
            self.told, self.seen = {}, 0
        else:
            for event in tx.events_after(line.seq):
                line.apply(event)
            if line.needs_reload:
                self.line = None
                return self.begin(tx)
        for row_id, ticket_id, payload in rows_after(tx.read, self.seen, tx.day):
            told = json.loads(payload)
            wait = told.get("wait")
            if wait is not None:
                moment = expected_at(parse_iso(told["at"]), (int(wait[0]), int(wait[1])))
                self.told[ticket_id] = moment
            self.seen = row_id

    def finish(self, tx: Tx) -> None:
        """After the command: the notifications its events caused, as outbox rows."""
        line = self.line
        if not tx.events or line is None:
            return
        # A receipt, a presence, a login: no place or estimate can have moved.
        moves = any(e.changed("tickets") or e.changed("desks") for e in tx.events)
        before_ahead = dict(line.facts.ahead) if moves else {}
        before_waits = line.estimates if moves else {}
        before_at = parse_iso(line.at) if line.at else tx.now
        for event in tx.events:
            line.apply(event)
        notices = [n for e in tx.events if (n := _of_event(e, line, tx)) is not None]
        if line.needs_reload:
            self.line = None  # a new configuration: its line is read at the next write
        elif moves:
            notices += self._of_line(line, tx, before_ahead, (before_at, before_waits), notices)
        last = insert_rows(tx, [_row(n, tx) for n in notices])
        for notice in notices:
            if notice.wait is not None:
                self.told[notice.ticket.id] = expected_at(tx.now, notice.wait)
        self.seen = max(self.seen, last)

    def _of_line(
        self,
        line: Line,
        tx: Tx,
        before: dict[int, int],
        before_waits: tuple[datetime, dict[int, Estimate]],
        told_now: list[Notice],
    ) -> list[Notice]:
        alert = tx.config.alert_ahead
        moved = tx.config.notify.estimate_moved_minutes
        entered_told = {n.ticket.id for n in told_now if n.kind == "requeued"}
        waits = line.estimates
        seq = tx.events[-1].seq
        out: list[Notice] = []
        for ticket_id, ahead in line.facts.ahead.items():
            ticket = line.tickets[ticket_id]
            estimate = waits.get(ticket_id)
            wait = None if estimate is None else (estimate[1], estimate[2])
            was = before.get(ticket_id)
            room = _room(tx, ticket.pinned_desk)
            if was is None and ticket_id not in entered_told:
                out.append(Notice("waiting", ticket, seq, ahead, wait, room))
            if ahead <= alert and (was is None or was > alert):
                out.append(Notice("ahead", ticket, seq, ahead, wait, room))
                continue
            if wait is None or was is None or ahead <= alert:
                continue
            told = self.told.get(ticket_id)
            if told is None:
                first = before_waits[1].get(ticket_id)
                at, seen = (tx.now, wait) if first is None else (before_waits[0], first[1:])
                self.told[ticket_id] = expected_at(at, (seen[0], seen[1]))
            elif moved_a_lot(told, expected_at(tx.now, wait), moved):
                out.append(Notice("estimate", ticket, seq, ahead, wait, room))
        return out


def _room(tx: Tx, desk_id: str | None) -> str | None:
    desk = tx.config.desk(desk_id) if desk_id else None
    return desk.room if desk is not None else None


def _of_event(event: Event, line: Line, tx: Tx) -> Notice | None:
    kind = EVENT_KINDS.get(event.type)
    ticket = event.own_ticket()
    if kind is None or ticket is None:
        return None
    fact = event.fact()
    room = fact.room if isinstance(fact, Called | Recalled) else _room(tx, ticket.pinned_desk)
    ahead = line.ahead_of(ticket.id) if ticket.state is TicketState.WAITING else None
    estimate = line.estimates.get(ticket.id) if ahead is not None else None
    wait = None if estimate is None else (estimate[1], estimate[2])
    if isinstance(fact, Closed):
        ahead = wait = None
    return Notice(kind, ticket, event.seq, ahead, wait, room)


def _row(notice: Notice, tx: Tx) -> dict[str, Any]:
    """The payload a webhook receives (docs/notifications.md): never the name or the phone
    digits unless `[notify]` includes them."""
    ticket = notice.ticket
    queue = tx.config.queue(ticket.queue)
    payload: dict[str, Any] = {
        "id": notice.key,
        "kind": notice.kind,
        "at": iso(tx.now),
        "day": ticket.day,
        "ticket": ticket.number,
        "ticket_id": ticket.id,
        "his_id": ticket.external_id,
        "queue": ticket.queue,
        "queue_name": queue.name if queue is not None else ticket.queue,
        "room": notice.room,
        "state": ticket.state.value,
        "ahead": notice.ahead,
        "wait": list(notice.wait) if notice.wait is not None else None,
        "seq": notice.seq,
    }
    if tx.config.notify.include_name:
        payload["name"] = ticket.name
    if tx.config.notify.include_phone:
        payload["phone_last4"] = ticket.phone_last4
    return {
        "day": ticket.day,
        "ticket_id": ticket.id,
        "ticket": ticket.number,
        "kind": notice.kind,
        "payload": payload,
        "idempotency_key": notice.key,
    }
