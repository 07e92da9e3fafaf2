"""What a HIS export asks of the queue, keyed by the HIS's appointment id: pure, no I/O.

Until a patient checks in, the HIS owns the appointment: a new id is added, a changed row
(queue, slot, desk, priority, name, phone) updates the ticket, a refund (退号) cancels it, and a
ticket the sync itself cancelled comes back when the HIS books it again. From check-in on, the
ticket is the clinic's: a change the HIS makes is not applied, and is listed as kept with what
it was. A waiting or missed patient the HIS cancels is cancelled (their phone is told); one in
the room or away for tests is never cancelled by a file, only listed. Closed tickets (done,
cancelled by staff) are left alone without a word.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from queue_core.config import ClinicConfig
from queue_core.his_rows import Appointment
from queue_core.masking import mask_name
from queue_core.model import OPEN_STATES, Ticket, TicketState
from queue_core.store import iso, parse_iso

HIS_REASON = "HIS"  # the reason of every cancellation a sync makes, and how it knows its own
# Tickets a HIS cancellation may take out: nobody is with a doctor.
CANCELLABLE = (TicketState.REGISTERED, TicketState.WAITING, TicketState.MISSED)


class Kind(StrEnum):
    ADD = "add"
    UPDATE = "update"
    CANCEL = "cancel"
    KEEP = "keep"  # the HIS differs, and the ticket is left as it is: the reason says why


@dataclass(frozen=True)
class Change:
    kind: Kind
    where: str | None  # the row ("line 7"); None for a ticket missing from a complete export
    external_id: str
    ticket: Ticket | None  # as it stands; None for an appointment to add
    appointment: Appointment | None  # the row; None for a ticket missing from the export
    detail: str  # what changes, or why nothing does; masked names only

    @property
    def renumbered(self) -> bool:
        """A new queue or day gives a not yet checked-in ticket that queue's next number."""
        a, t = self.appointment, self.ticket
        return (
            self.kind is Kind.UPDATE
            and a is not None
            and t is not None
            and (a.queue, a.day) != (t.queue, t.day)
        )


@dataclass
class Known:
    """What the queue holds that a file's rows can touch: the HIS tickets by HIS id, and which
    of the rows' days are closed (`closing`), so that no ticket joins them."""

    tickets: dict[str, Ticket] = field(default_factory=dict)
    closed: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Plan:
    changes: list[Change]
    unchanged: int  # rows that ask for nothing
    by_row: list[Change | None]  # what each row asks, in the file's order: to decide again

    def of(self, kind: Kind) -> list[Change]:
        return [c for c in self.changes if c.kind is kind]

    @property
    def writes(self) -> bool:
        return any(c.kind is not Kind.KEEP for c in self.changes)


def _when(slot: str | None, config: ClinicConfig, day: str) -> str:
    if slot is None:
        return "none"
    local = parse_iso(slot).astimezone(config.tz)
    return f"{local:%H:%M}" if local.date().isoformat() == day else f"{local:%Y-%m-%d %H:%M}"


def differences(ticket: Ticket, a: Appointment, config: ClinicConfig) -> list[str]:
    """What the row says otherwise than the ticket, as a nurse reads it."""
    found = []
    if ticket.queue != a.queue:
        found.append(f"queue {ticket.queue} → {a.queue}")
    slot = iso(a.slot_start)
    if ticket.slot_start != slot:
        same_day = a.day if ticket.day == a.day else ""
        found.append(
            f"slot {_when(ticket.slot_start, config, same_day)} → {_when(slot, config, same_day)}"
        )
    for what, here, there in (
        ("desk", ticket.pinned_desk, a.desk),
        ("priority", ticket.priority, a.priority),
    ):
        if (here or None) != there:
            found.append(f"{what} {here or 'none'} → {there or 'none'}")
    if ticket.name != a.name:
        found.append(f"name {mask_name(ticket.name)} → {mask_name(a.name)}")
    if ticket.phone_last4 != a.phone_last4:
        found.append("phone")
    return found


def _standing(ticket: Ticket) -> str:
    at = f" at desk {ticket.desk}" if ticket.desk else ""
    return f"{ticket.number} is {ticket.state.value}{at}"


def _row_change(
    a: Appointment, ticket: Ticket | None, config: ClinicConfig, closed: bool
) -> Change | None:
    """What the row asks of its ticket; `closed`: the row's day takes no tickets any more."""

    def change(kind: Kind, detail: str) -> Change:
        return Change(kind, a.where, a.external_id, ticket, a, detail)

    if ticket is None:
        if a.cancelled:
            return None  # refunded before it ever reached the queue
        if closed:
            return change(Kind.KEEP, f"{a.day} is closed: not added")
        return change(
            Kind.ADD, f"{mask_name(a.name)}, {a.queue}, {_when(iso(a.slot_start), config, '')}"
        )
    if a.cancelled:
        if ticket.state in CANCELLABLE:
            return change(Kind.CANCEL, f"{ticket.number} cancelled in the HIS (退号)")
        if ticket.state in OPEN_STATES:
            return change(Kind.KEEP, f"{_standing(ticket)}: cancelled in the HIS, not here")
        return None
    found = differences(ticket, a, config)
    renumber = ["a new number"] if (ticket.queue, ticket.day) != (a.queue, a.day) else []
    if ticket.state is TicketState.REGISTERED and found and closed:
        return change(
            Kind.KEEP,
            f"{ticket.number}: {a.day} is closed: the HIS's {', '.join(found)} not applied",
        )
    if ticket.state is TicketState.REGISTERED:
        detail = f"{ticket.number}: {', '.join([*found, *renumber])}"
        return change(Kind.UPDATE, detail) if found else None
    if ticket.state is TicketState.CANCELLED and ticket.note == HIS_REASON and not closed:
        again = f"{ticket.number}: booked again in the HIS"
        return change(Kind.UPDATE, ", ".join([again, *found, *renumber]))
    if ticket.state in OPEN_STATES and found:
        return change(Kind.KEEP, f"{_standing(ticket)}: the HIS's {', '.join(found)} not applied")
    return None


def _absent_change(ticket: Ticket) -> Change | None:
    """A ticket of a day the complete export covers, whose id the export no longer has."""
    ext = ticket.external_id or ""
    if ticket.state in CANCELLABLE:
        return Change(Kind.CANCEL, None, ext, ticket, None, f"{ticket.number} not in the export")
    if ticket.state in OPEN_STATES:
        detail = f"{_standing(ticket)}: not in the export, not cancelled here"
        return Change(Kind.KEEP, None, ext, ticket, None, detail)
    return None


def _decide(a: Appointment, known: Known, config: ClinicConfig, today: str) -> Change | None:
    closed = a.day < today or a.day in known.closed
    return _row_change(a, known.tickets.get(a.external_id), config, closed)


def _assemble(
    by_row: list[Change | None], rows: Sequence[Appointment], known: Known, complete: bool
) -> Plan:
    changes = [c for c in by_row if c is not None]
    unchanged = len(by_row) - len(changes)
    if complete:
        changes += _absent(rows, known.tickets.values())
    return Plan(changes, unchanged, by_row)


def plan(
    rows: Sequence[Appointment],
    known: Known,
    config: ClinicConfig,
    today: str,
    complete: bool = False,
) -> Plan:
    """The changes the rows ask for, against what the queue holds. A day before `today`, or
    one closed, takes no new tickets. With `complete`, the export lists every appointment of
    each day it has rows for: a ticket of such a day whose id it lacks was cancelled in the HIS."""
    return _assemble([_decide(a, known, config, today) for a in rows], rows, known, complete)


def replan(
    previous: Plan,
    moved: Collection[str],
    rows: Sequence[Appointment],
    known: Known,
    config: ClinicConfig,
    today: str,
    complete: bool = False,
) -> Plan:
    """`previous`, with only the rows whose tickets (HIS ids) `moved` since decided again: what
    catching up inside the write lock costs grows with what the desks did, not with the file."""
    by_row = [
        _decide(a, known, config, today) if a.external_id in moved else before
        for a, before in zip(rows, previous.by_row, strict=True)
    ]
    return _assemble(by_row, rows, known, complete)


def _absent(rows: Sequence[Appointment], tickets: Iterable[Ticket]) -> list[Change]:
    """The HIS tickets of the rows' days that the rows do not name, in the order they came."""
    days = {a.day for a in rows}
    listed = {a.external_id for a in rows}
    missing = (
        t
        for t in sorted(tickets, key=lambda t: t.id)
        if t.day in days and t.external_id and t.external_id not in listed
    )
    return [c for t in missing if (c := _absent_change(t)) is not None]
