"""The event vocabulary: every kind of change the log records, each declared once.

A declaration names the event's type, the fields it carries (its header columns and its
payload), and what it means for a patient's phone: the `why` of a new place it implies, and
the `state` message the ticket's own phones get. Commands append facts through `Tx.append`;
the read model, replay, the display server, reports and the phone page's tables all read
these declarations instead of matching type strings of their own.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from queue_core.model import Ticket, TicketState


class EventType(StrEnum):
    CONFIGURE = "configure"
    IMPORT = "import"
    ISSUE = "issue"
    CHECKIN = "checkin"
    PRIORITY = "priority"
    CALL = "call"
    RECALL = "recall"
    SKIP = "skip"
    REQUEUE = "requeue"
    AWAY = "away"
    BACK = "back"
    DONE = "done"
    TRANSFER = "transfer"
    CANCEL = "cancel"
    REOPEN = "reopen"
    UNCANCEL = "uncancel"
    UNDO_AWAY = "undo_away"
    PAUSE = "pause"
    RESUME = "resume"
    ANNOUNCED = "announced"
    PRESENCE = "presence"
    CLOSED = "closed"
    DAY_CLOSED = "day_closed"
    PURGE = "purge"
    STAFF_ADDED = "staff_added"
    STAFF_DISABLED = "staff_disabled"
    PASSWORD_RESET = "password_reset"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"


class Why(StrEnum):
    """Why a waiting patient's place (or estimate) changed, as their phone is told it.

    The placement reasons (`model.Placement`) are `why` codes too: a patient placed ahead of
    another gives the reason they stand there.
    """

    ISSUED = "issued"
    CHECKED_IN = "checked_in"
    PRIORITY = "priority"
    REQUEUED = "requeued"
    RETURNED = "returned"
    TRANSFERRED = "transferred"
    CALLED = "called"
    SKIP = "skip"
    AWAY = "away"
    DONE = "done"
    CANCEL = "cancel"
    CORRECTED = "corrected"  # a desk took back its mistake: this ticket's own change
    PAUSED = "paused"
    RESUMED = "resumed"
    PROGRESS = "progress"  # the number served or the estimate moved; the place did not
    RESUME = "resume"  # the place after a client resumed its feed
    INSERTED = "inserted"  # someone went ahead, for no more precise reason
    MOVED_UP = "moved_up"  # the line moved, for no more precise reason


@dataclass(frozen=True)
class ForPhones:
    """What an event means for a patient's phone (None: nothing)."""

    own: Why | None = None  # this ticket's own place changed because of it
    left: Why | None = None  # its ticket left the line ahead of other patients
    desk: Why | None = None  # a desk changed, and with it the estimates
    # The `state` and `why` its ticket's phones are told; a state of None: the one its row became.
    told: tuple[TicketState | None, str] | None = None


@dataclass(frozen=True, kw_only=True)
class Fact:
    """What one event says: its header columns (ticket, desk, queue, reason) and payload."""

    TYPE: ClassVar[EventType]
    PHONES: ClassVar[ForPhones]

    ticket: str | None = None
    desk: str | None = None
    queue: str | None = None
    reason: str | None = None

    @classmethod
    def payload_fields(cls) -> tuple[str, ...]:
        """The names of the fields its payload carries beyond the header."""
        return tuple(f.name for f in dataclasses.fields(cls) if f.name not in _HEADER)

    def payload(self) -> dict[str, Any]:
        """The fields beyond the header, as the log stores them."""
        return {name: getattr(self, name) for name in self.payload_fields()}


_HEADER = frozenset(("ticket", "desk", "queue", "reason"))
FactT = TypeVar("FactT", bound=Fact)
FACTS: dict[EventType, type[Fact]] = {}


def _declare(
    kind: EventType, phones: ForPhones = ForPhones()
) -> Callable[[type[FactT]], type[FactT]]:
    """Register a fact class as the one declaration of `kind`."""

    def register(cls: type[FactT]) -> type[FactT]:
        if kind in FACTS:
            raise TypeError(f"event type {kind} is declared twice")
        cls.TYPE, cls.PHONES = kind, phones
        FACTS[kind] = cls
        return cls

    return register


@_declare(EventType.CONFIGURE)
@dataclass(frozen=True, kw_only=True)
class Configured(Fact):
    """`init` stored a (new) configuration; removed desks leave with it."""

    clinic: str
    desks: tuple[str, ...]
    queues: tuple[str, ...]


@_declare(EventType.IMPORT)
@dataclass(frozen=True, kw_only=True)
class Imported(Fact):
    """A HIS file synced; `reason` is the file's name. The event carries the added and updated
    tickets; each ticket the sync cancelled follows as its own `cancel` event. `kept` counts
    what the HIS changed but the queue left as it is (checked in, or with a doctor)."""

    added: int = 0
    updated: int = 0
    cancelled: int = 0
    kept: int = 0
    unchanged: int = 0


@_declare(EventType.ISSUE, ForPhones(own=Why.ISSUED))
@dataclass(frozen=True, kw_only=True)
class Issued(Fact):
    """A walk-in ticket, issued and checked in at once; `desk` is the desk it is pinned to."""


@_declare(EventType.CHECKIN, ForPhones(own=Why.CHECKED_IN, told=(TicketState.WAITING, "checkin")))
@dataclass(frozen=True, kw_only=True)
class CheckedIn(Fact):
    placement: str


@_declare(EventType.PRIORITY, ForPhones(own=Why.PRIORITY))
@dataclass(frozen=True, kw_only=True)
class PrioritySet(Fact):
    """A priority class marked, or cleared (`priority` None)."""

    priority: str | None


@_declare(EventType.CALL, ForPhones(own=Why.CALLED, left=Why.CALLED))
@dataclass(frozen=True, kw_only=True)
class Called(Fact):
    """A desk called a ticket; with a `reason` it was out of turn."""

    out_of_turn: bool
    room: str


@_declare(EventType.RECALL, ForPhones(own=Why.CALLED))
@dataclass(frozen=True, kw_only=True)
class Recalled(Fact):
    recalls: int
    room: str


@_declare(EventType.SKIP, ForPhones(own=Why.SKIP, told=(TicketState.MISSED, "skip")))
@dataclass(frozen=True, kw_only=True)
class Skipped(Fact):
    """The called patient did not come: to the missed list."""


@_declare(EventType.REQUEUE, ForPhones(own=Why.REQUEUED, told=(TicketState.WAITING, "requeued")))
@dataclass(frozen=True, kw_only=True)
class Requeued(Fact):
    behind: int


@_declare(EventType.AWAY, ForPhones(own=Why.AWAY, left=Why.AWAY, told=(TicketState.AWAY, "away")))
@dataclass(frozen=True, kw_only=True)
class SentAway(Fact):
    """Sent for tests; `desk` is the desk it will come back to."""


@_declare(EventType.BACK, ForPhones(own=Why.RETURNED, told=(TicketState.WAITING, "back")))
@dataclass(frozen=True, kw_only=True)
class CameBack(Fact):
    """Back from tests; `desk` is the desk it is pinned to again."""

    behind: int


@_declare(EventType.DONE, ForPhones(own=Why.DONE, told=(TicketState.DONE, "done")))
@dataclass(frozen=True, kw_only=True)
class Finished(Fact):
    """The visit at `desk` ended (finish, or the desk called its next patient)."""


@_declare(
    EventType.TRANSFER,
    ForPhones(own=Why.TRANSFERRED, left=Why.TRANSFERRED, told=(TicketState.WAITING, "transfer")),
)
@dataclass(frozen=True, kw_only=True)
class Transferred(Fact):
    """To `queue` (and pinned to `desk` when one was chosen), from `from_queue`."""

    from_queue: str


@_declare(
    EventType.CANCEL,
    ForPhones(own=Why.CANCEL, left=Why.CANCEL, told=(TicketState.CANCELLED, "cancel")),
)
@dataclass(frozen=True, kw_only=True)
class Cancelled(Fact):
    pass


@_declare(EventType.REOPEN, ForPhones(told=(TicketState.CALLED, "reopen")))
@dataclass(frozen=True, kw_only=True)
class Reopened(Fact):
    """A visit finished too soon goes on in `room` at `desk` (queue_core/corrections.py)."""

    room: str


@_declare(EventType.UNCANCEL, ForPhones(own=Why.CORRECTED, told=(None, "uncancel")))
@dataclass(frozen=True, kw_only=True)
class Uncancelled(Fact):
    """A ticket cancelled by mistake is back in the state `was`, at its original place."""

    was: str


@_declare(EventType.UNDO_AWAY, ForPhones(own=Why.CORRECTED, told=(None, "undo_away")))
@dataclass(frozen=True, kw_only=True)
class AwayUndone(Fact):
    """A patient sent for tests by mistake is back: `to` is `called` (in the room of `desk`
    again) or `waiting` (at their place in the line)."""

    to: str


@_declare(EventType.PAUSE, ForPhones(desk=Why.PAUSED))
@dataclass(frozen=True, kw_only=True)
class Paused(Fact):
    pass


@_declare(EventType.RESUME, ForPhones(desk=Why.RESUMED))
@dataclass(frozen=True, kw_only=True)
class Resumed(Fact):
    pass


# How a screen announced a call: the server's audio, the TV's own voice, only the chime (no
# voice could speak), or only shown (sound blocked or muted). The last two were not heard.
ANNOUNCED_HOW = ("audio", "os_voice", "chime_only", "shown_only")
UNSPOKEN = ("chime_only", "shown_only")


@_declare(EventType.ANNOUNCED)
@dataclass(frozen=True, kw_only=True)
class Announced(Fact):
    """A screen played the call (or recall) at `call_seq`: the receipt desks count. `how` it
    was announced (ANNOUNCED_HOW); receipts written before screens said so were spoken by the
    TV's own voice, the one way a TV spoke then."""

    call_seq: int
    screen: str
    how: str = "os_voice"


@_declare(EventType.PRESENCE)
@dataclass(frozen=True, kw_only=True)
class PresenceSet(Fact):
    """The patient pressed "on my way" or "here" on their phone page."""

    status: str


@_declare(EventType.CLOSED, ForPhones(told=(None, "closed")))
@dataclass(frozen=True, kw_only=True)
class Closed(Fact):
    """Its day closed while the ticket was still open: `was` is the state it was in, its row
    the final one (not_seen, no_show, or done for a visit the close ended)."""

    was: str


@_declare(EventType.DAY_CLOSED)
@dataclass(frozen=True, kw_only=True)
class DayClosed(Fact):
    """A service day closed, after the `closed` events of its open tickets; `reason` says why
    (its end passed, or someone closed it)."""

    closed_day: str
    not_seen: int
    no_show: int
    ended: int


@_declare(EventType.PURGE)
@dataclass(frozen=True, kw_only=True)
class Purged(Fact):
    """The personal data of the days `first_day` to `last_day` was erased (queue_core/
    retention.py): names, phone digits, phone links and HIS ids of their `tickets`, in the
    table and in the rows that `events` earlier events carry. Those events stay, each with its
    type, time, actor, reason, desk, queue and ticket number; this one carries no rows of them."""

    first_day: str
    last_day: str
    tickets: int
    events: int


@_declare(EventType.STAFF_ADDED)
@dataclass(frozen=True, kw_only=True)
class StaffAdded(Fact):
    """A staff account was made (queue_core/staff.py); never its password or hash."""

    name: str
    role: str
    desks: tuple[str, ...]


@_declare(EventType.STAFF_DISABLED)
@dataclass(frozen=True, kw_only=True)
class StaffDisabled(Fact):
    """An account can no longer log in; `sessions` of its sessions were revoked."""

    name: str
    sessions: int


@_declare(EventType.PASSWORD_RESET)
@dataclass(frozen=True, kw_only=True)
class PasswordReset(Fact):
    """A new password was set; `sessions` of the account's sessions were revoked."""

    name: str
    sessions: int


@_declare(EventType.LOGIN)
@dataclass(frozen=True, kw_only=True)
class LoggedIn(Fact):
    """A member logged in from `address` (and the desk PC `device` they named)."""

    name: str
    address: str
    device: str


@_declare(EventType.LOGIN_FAILED)
@dataclass(frozen=True, kw_only=True)
class LoginFailed(Fact):
    """A login was refused: `name` as typed (cleaned), never the password tried. Attempts
    refused by the rate limit before any check are not logged one by one."""

    name: str
    address: str


@_declare(EventType.LOGOUT)
@dataclass(frozen=True, kw_only=True)
class LoggedOut(Fact):
    name: str


# Who-did-what of the staff accounts: audit only, nothing public derives from them.
STAFF_EVENTS = (
    EventType.STAFF_ADDED,
    EventType.STAFF_DISABLED,
    EventType.PASSWORD_RESET,
    EventType.LOGIN,
    EventType.LOGIN_FAILED,
    EventType.LOGOUT,
)
CALLS = (EventType.CALL, EventType.RECALL)  # the events a screen announces and acknowledges
# A desk taking back its own mistake: each is audited with the reason it gave.
CORRECTIONS = (EventType.REOPEN, EventType.UNCANCEL, EventType.UNDO_AWAY)


@dataclass(frozen=True)
class Event:
    """One line of the append-only log. `payload["changes"]` holds the rows as they became."""

    seq: int
    at: str
    day: str
    type: EventType
    ticket: str | None
    desk: str | None
    queue: str | None
    actor: str
    reason: str | None
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> builtins.type[Fact]:
        """The declaration of this event's type."""
        return FACTS[self.type]

    @property
    def phones(self) -> ForPhones:
        """What this event means for patients' phones."""
        return FACTS[self.type].PHONES

    def fact(self) -> Fact:
        """The event as its typed fact; a field logged before it existed reads as its default."""
        cls = self.kind
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in _HEADER:
                values[f.name] = getattr(self, f.name)
            elif f.name in self.payload:
                value = self.payload[f.name]
                values[f.name] = tuple(value) if isinstance(value, list) else value
            elif f.default is not dataclasses.MISSING:
                values[f.name] = f.default
            else:
                values[f.name] = None
        return cls(**values)

    def changed(self, table: str) -> list[dict[str, Any]]:
        """The rows of `table` this event changed, as they became."""
        rows: list[dict[str, Any]] = self.payload.get("changes", {}).get(table, [])
        return rows

    def own_row(self) -> dict[str, Any] | None:
        """The event's own ticket row as it became. It holds the full name: never sent
        anywhere public as it is."""
        for row in self.changed("tickets"):
            if row.get("number") == self.ticket:
                return row
        return None

    def own_ticket(self) -> Ticket | None:
        row = self.own_row()
        return None if row is None else Ticket.from_row(row)
