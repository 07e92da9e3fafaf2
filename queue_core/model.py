"""The nouns of a clinic day: tickets, their states, why they stand where they stand, desks."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, ClassVar

_KEY_OFFSET = 1 << 63
_KEY_WIDTH = 16


def encode_key(key: tuple[int, ...]) -> str:
    """Fixed-width hex per element: text order equals tuple order, so SQLite can sort and index."""
    return "".join(format(part + _KEY_OFFSET, "016x") for part in key)


def decode_key(text: str) -> tuple[int, ...]:
    return tuple(
        int(text[i : i + _KEY_WIDTH], 16) - _KEY_OFFSET for i in range(0, len(text), _KEY_WIDTH)
    )


class TicketState(StrEnum):
    REGISTERED = "registered"  # appointment imported, not checked in: not in the line
    WAITING = "waiting"
    CALLED = "called"
    MISSED = "missed"
    AWAY = "away"  # sent for tests, will come back to the same desk
    DONE = "done"
    CANCELLED = "cancelled"
    NOT_SEEN = "not_seen"  # still waiting (or never checked in) when its day closed
    NO_SHOW = "no_show"  # on the missed list when its day closed


# Tickets a patient can still act on; the others are over, for good.
OPEN_STATES = (
    TicketState.REGISTERED,
    TicketState.WAITING,
    TicketState.CALLED,
    TicketState.MISSED,
    TicketState.AWAY,
)


class Presence(StrEnum):
    """What a patient said from their phone page."""

    ON_MY_WAY = "on_my_way"
    HERE = "here"


PRESENCE = tuple(p.value for p in Presence)


class Source(StrEnum):
    WALK_IN = "walk_in"
    APPOINTMENT = "appointment"


class Placement(StrEnum):
    """Why a waiting ticket stands where it stands: the reason shown on every surface."""

    WALK_IN = "walk_in"
    APPOINTMENT = "appointment"
    LATE_APPOINTMENT = "late_appointment"
    REQUEUED = "requeued"
    RETURNED = "returned"
    TRANSFERRED = "transferred"
    PRIORITY = "priority"


@dataclass
class Ticket:
    id: int
    day: str
    number: str
    queue: str
    token: str
    state: TicketState
    source: Source
    created_at: str
    name: str = ""
    phone_last4: str = ""
    external_id: str | None = None
    slot_start: str | None = None
    priority: str | None = None
    pinned_desk: str | None = None
    checked_in_at: str | None = None
    arrival_key: int | None = None  # microseconds; the arrival time that orders this ticket
    sort_key: tuple[int, ...] = ()
    placement: Placement = Placement.WALK_IN
    desk: str | None = None  # desk currently serving (called) or that sent it away
    called_at: str | None = None
    recalls: int = 0
    finished_at: str | None = None
    note: str | None = None
    presence: str | None = None  # a Presence, from the patient's phone
    presence_at: str | None = None

    ROW_FIELDS: ClassVar[tuple[str, ...]]  # the columns of its row: every field, in order

    def to_row(self) -> dict[str, Any]:
        row = dict(vars(self))  # the fields, and nothing else: a plain dataclass's instance dict
        row["state"] = self.state.value
        row["source"] = self.source.value
        row["placement"] = self.placement.value
        row["sort_key"] = encode_key(self.sort_key)
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Ticket:
        """From a table row, or a row logged before a column existed (it reads as empty)."""
        values: dict[str, Any] = {f: row.get(f) for f in cls.ROW_FIELDS}
        values["state"] = TicketState(row["state"])
        values["source"] = Source(row["source"])
        values["placement"] = Placement(row["placement"])
        values["sort_key"] = decode_key(row["sort_key"] or "")
        return cls(**values)


Ticket.ROW_FIELDS = tuple(f.name for f in fields(Ticket))


@dataclass
class DeskState:
    id: str
    current_ticket: int | None = None
    paused: bool = False
    changed_at: str | None = None

    def to_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "current_ticket": self.current_ticket,
            "paused": int(self.paused),
            "changed_at": self.changed_at,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DeskState:
        return cls(
            id=row["id"],
            current_ticket=row["current_ticket"],
            paused=bool(row["paused"]),
            changed_at=row["changed_at"],
        )
