"""A sync's plan written inside the one write transaction, while every desk waits for it.

So that the wait stays short, whatever does not need the database is done before the lock: a
new ticket's row, with the secret of its phone link, is drafted from the plan; inside, it only
gets its id, its number and the time. All rows go in with one statement.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from queue_core.events import Cancelled, Imported
from queue_core.his_diff import HIS_REASON, Change, Kind, Plan
from queue_core.his_rows import Appointment
from queue_core.model import Source, Ticket, TicketState
from queue_core.registration import new_token
from queue_core.store import Tx, iso
from queue_core.text import REASON_LIMIT, cleaned

Row = dict[str, Any]


def _registered(a: Appointment, ticket_id: int, number: str, token: str, created_at: str) -> Ticket:
    return Ticket(
        id=ticket_id,
        day=a.day,
        number=number,
        queue=a.queue,
        token=token,
        state=TicketState.REGISTERED,
        source=Source.APPOINTMENT,
        created_at=created_at,
        name=a.name,
        phone_last4=a.phone_last4,
        external_id=a.external_id,
        slot_start=iso(a.slot_start),
        priority=a.priority,
        pinned_desk=a.desk,
    )


def _draft(a: Appointment) -> Row:
    return _registered(a, 0, "", new_token(), "").to_row()


def drafts(plan: Plan) -> dict[str, Row]:
    """The rows of the tickets to add, by HIS id, but for their id, number and time."""
    return {c.external_id: _draft(c.appointment) for c in plan.of(Kind.ADD) if c.appointment}


def _updated(ticket: Ticket, a: Appointment, number: str) -> Ticket:
    """The row's values on a ticket not yet checked in; one the sync cancelled is registered
    again as new, keeping its id and phone link."""
    if ticket.state is TicketState.CANCELLED:
        return _registered(a, ticket.id, number, ticket.token, ticket.created_at)
    return dataclasses.replace(
        ticket,
        number=number,
        day=a.day,
        queue=a.queue,
        slot_start=iso(a.slot_start),
        pinned_desk=a.desk,
        priority=a.priority,
        name=a.name,
        phone_last4=a.phone_last4,
    )


def _rows(tx: Tx, changes: list[Change], drafted: dict[str, Row]) -> tuple[list[Row], list[Row]]:
    """(new tickets, updated tickets); new numbers go out per queue and day in slot order.
    The drafts are this write's own: they are completed in place."""
    numbered = [c for c in changes if c.kind is Kind.ADD or c.renumbered]
    appointments = [c.appointment for c in numbered if c.appointment is not None]
    assert len(appointments) == len(numbered)
    order = sorted(range(len(numbered)), key=lambda i: appointments[i].slot_start)
    wanted = Counter((a.day, a.queue) for a in appointments)
    sequences = {key: iter(tx.take_numbers(*key, n)) for key, n in wanted.items()}
    prefixes = {q.id: q.prefix for q in tx.config.queues}
    ids = iter(tx.new_ticket_ids(sum(1 for c in numbered if c.ticket is None)))
    at = iso(tx.now)
    added: list[Row] = []
    updated: list[Row] = []
    for i in order:
        c, a = numbered[i], appointments[i]
        number = f"{prefixes[a.queue]}{next(sequences[a.day, a.queue]):03d}"
        if c.ticket is None:
            row = drafted.pop(a.external_id, None) or _draft(a)
            row["id"], row["number"], row["created_at"] = next(ids), number, at
            added.append(row)
        else:
            updated.append(_updated(c.ticket, a, number).to_row())
    for c in changes:
        if c.kind is Kind.UPDATE and not c.renumbered and c.ticket and c.appointment:
            updated.append(_updated(c.ticket, c.appointment, c.ticket.number).to_row())
    return added, updated


def write(
    tx: Tx,
    plan: Plan,
    drafted: dict[str, Row],
    source: str,
    actor: str,
    reason: str = HIS_REASON,
) -> None:
    """One `import` event with every added and updated row, then one `cancel` per ticket with
    `reason`. The import's reason is the file's name, cleaned like any reason; a name too long
    for one is cut, as it only labels the event. A cancelled ticket's note stays `HIS_REASON`
    whatever the reason: it is how a later booking knows the HIS took it out."""
    added, updated = _rows(tx, plan.changes, drafted)
    tx.save_rows("tickets", added, new=True)
    tx.save_rows("tickets", updated, new=False)
    counts = Counter(c.kind for c in plan.changes)
    tx.append(
        Imported(
            reason=cleaned(source[:REASON_LIMIT], "reason", REASON_LIMIT),
            added=counts[Kind.ADD],
            updated=counts[Kind.UPDATE],
            cancelled=counts[Kind.CANCEL],
            kept=counts[Kind.KEEP],
            unchanged=plan.unchanged,
        ),
        actor,
    )
    for c in plan.of(Kind.CANCEL):
        assert c.ticket is not None
        ticket = dataclasses.replace(
            c.ticket, state=TicketState.CANCELLED, note=HIS_REASON, finished_at=iso(tx.now)
        )
        tx.save_ticket(ticket)
        tx.append(Cancelled(ticket=ticket.number, queue=ticket.queue, reason=reason), actor)
