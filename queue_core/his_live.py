"""Appointments the HIS pushes as they happen (docs/his-api.md): a booking, a change, a refund
(退号), the HIS kiosk's check-in, and the question what became of one.

A request is one row of the daily file: checked by `his_rows`, planned by `his_diff`, written by
`his_write` through the importer's own prepare and apply, so the live API and the file follow
the same rules (slots, pinned doctors, priority, what a checked-in patient keeps). A request
the rules refuse writes nothing; one that changes nothing appends nothing and says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from queue_core import importer, registration
from queue_core.address import public_address
from queue_core.errors import QueueError, TextRefused
from queue_core.his_diff import HIS_REASON, Change, Kind
from queue_core.his_rows import COLUMNS, check_rows
from queue_core.model import Ticket, TicketState
from queue_core.store import Store
from queue_core.text import REASON_LIMIT, cleaned

SOURCE = "his-api"  # the `import` event's reason for a live request, where a file gives its name
LABEL = "request"
_COLUMN = re.compile(r"\b(" + "|".join(COLUMNS) + r")\b")
RESULTS = {Kind.ADD: "added", Kind.UPDATE: "updated", Kind.CANCEL: "cancelled"}
UNCHANGED = "unchanged"
CHECKED_IN = "checked_in"


class BadRequest(QueueError):
    """A field of the request is refused; `field` names the first, `problems` are all."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        field, first = problems[0]
        super().__init__(f"{first}; nothing was changed.", "bad_request", field=field)


class AppointmentNotFound(QueueError):
    def __init__(self, external_id: str) -> None:
        super().__init__(
            f"No appointment {external_id!r} from the HIS.", "not_found", external_id=external_id
        )


class Kept(QueueError):
    """The HIS asked for a change the queue does not make: the patient is the clinic's now
    (checked in, with a doctor) or the day is closed. Nothing was written."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Not applied: {detail}.", "kept", detail=detail)


@dataclass(frozen=True)
class Outcome:
    result: str  # added, updated, cancelled, checked_in or unchanged
    detail: str
    ticket: Ticket


def field_of(problem: str) -> str:
    """The field a problem of `his_rows` is about: every one of them names it."""
    found = _COLUMN.search(problem)
    return found[1] if found else "external_id"


def find(store: Store, external_id: str) -> Ticket:
    """The ticket of a HIS appointment id, whatever its day."""
    with store.read() as conn:
        row = conn.execute(
            "SELECT * FROM tickets WHERE external_id = ? ORDER BY id DESC LIMIT 1",
            (external_id,),
        ).fetchone()
    if row is None:
        raise AppointmentNotFound(external_id)
    return Ticket.from_row(dict(row))


def _sync(
    store: Store,
    record: Mapping[str, object],
    actor: str,
    now: datetime | None,
    reason: str = HIS_REASON,
) -> Outcome:
    today = store.today(now)
    rows = check_rows(LABEL, [(1, dict(record))], store.config, today)
    if rows.refused:
        problems = rows.refused[0].problems
        raise BadRequest([(field_of(p), p) for p in problems])
    prepared = importer.prepare_rows(store, rows, SOURCE, "utf-8", today)
    sync = importer.apply(store, prepared, actor, now, reason)
    change: Change | None = sync.plan.changes[0] if sync.plan.changes else None
    external_id = rows.appointments[0].external_id
    if change is not None and change.kind is Kind.KEEP:
        raise Kept(change.detail)
    ticket = find(store, external_id)
    if change is None:
        return Outcome(UNCHANGED, f"{ticket.number} is as the HIS has it", ticket)
    return Outcome(RESULTS[change.kind], change.detail, ticket)


def book(
    store: Store, fields: Mapping[str, str | None], actor: str, now: datetime | None = None
) -> Outcome:
    """Create or update the appointment the HIS names by its id; the same request again
    changes nothing (`unchanged`)."""
    return _sync(store, {**fields, "status": ""}, actor, now)


def cancel(
    store: Store, external_id: str, reason: str, actor: str, now: datetime | None = None
) -> Outcome:
    """退号: the HIS refunded the appointment; its reason is the `cancel` event's."""
    try:
        said = cleaned(reason, "reason", REASON_LIMIT)
    except TextRefused as exc:
        raise BadRequest([("reason", exc.problem)]) from None
    if not said:
        raise BadRequest([("reason", "reason is empty")])
    ticket = find(store, external_id)
    record = {
        "external_id": external_id,
        "name": ticket.name,
        "queue": ticket.queue,
        "slot_start": ticket.slot_start or "",
        "phone": ticket.phone_last4,
        "priority": ticket.priority or "",
        "desk": ticket.pinned_desk or "",
        "status": "cancelled",
    }
    return _sync(store, record, actor, now, reason=said)


def check_in(store: Store, external_id: str, actor: str, now: datetime | None = None) -> Outcome:
    """The HIS's own kiosk checked the patient in (签到); a second time changes nothing."""
    ticket = find(store, external_id)
    if ticket.state is not TicketState.REGISTERED and ticket.checked_in_at is not None:
        return Outcome(UNCHANGED, f"{ticket.number} checked in already", ticket)
    if ticket.day != store.today(now):
        raise QueueError(
            f"{ticket.number} is an appointment of {ticket.day}, not today.", "not_today"
        )
    done = registration.check_in(store, ticket.number, actor, now)
    return Outcome(CHECKED_IN, f"{done.number} checked in", done)


def appointment_json(store: Store, ticket: Ticket) -> dict[str, object]:
    """What the HIS reads of its appointment: its ticket's state and the patient's link."""
    return {
        "external_id": ticket.external_id,
        "number": ticket.number,
        "day": ticket.day,
        "queue": ticket.queue,
        "slot_start": ticket.slot_start,
        "state": ticket.state.value,
        "checked_in": ticket.checked_in_at is not None,
        "pinned_desk": ticket.pinned_desk,
        "priority": ticket.priority,
        "desk": ticket.desk,
        "link": public_address(store.config).link(ticket.token),
    }
