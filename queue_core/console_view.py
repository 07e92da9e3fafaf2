"""What a desk console and the triage console show, built from the one read model (line.py).
The same data travels as JSON to consoles on other machines (docs/staff-api.md): a console
draws a view it read itself and a view the server pushed alike."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from queue_core.address import PublicAddress
from queue_core.config import (
    ClinicConfig,
    DeskConfig,
    PriorityClass,
    QueueConfig,
    ScreenConfig,
)
from queue_core.errors import TicketNotFound
from queue_core.line import Line
from queue_core.masking import mask_name
from queue_core.model import Placement, Ticket
from queue_core.outbox import backlog as outbox_backlog
from queue_core.registration import checked_in_by_phone, find_tickets
from queue_core.rules import Placed
from queue_core.store import Store, parse_iso

Json = dict[str, Any]
# The desk's list shows a range for its first places only: far down the line a call moves every
# estimate, and redrawing (and, for a console elsewhere, sending) thousands of them per call
# would slow the places a nurse reads. Their phones still show each patient theirs.
ESTIMATED_PLACES = 50


def config_to_json(config: ClinicConfig) -> Json:
    """What a console needs of the configuration: never a screen's key, the backups' place,
    the webhooks (with their secrets) or the TOML it came from, which stay on the database
    host."""
    data = asdict(config)
    for key in ("source", "backup", "notify"):
        data.pop(key)
    for screen in data["screens"]:
        screen.pop("key")
    return data


def config_from_json(data: Json) -> ClinicConfig:
    top = {k: v for k, v in data.items() if k not in ("queues", "desks", "priorities", "screens")}
    return ClinicConfig(
        **top,
        queues=tuple(QueueConfig(**q) for q in data["queues"]),
        desks=tuple(DeskConfig(**{**d, "queues": tuple(d["queues"])}) for d in data["desks"]),
        priorities=tuple(PriorityClass(**p) for p in data["priorities"]),
        screens=tuple(
            ScreenConfig(
                **{**s, "key": "", "queues": tuple(s["queues"]), "desks": tuple(s["desks"])}
            )
            for s in data["screens"]
        ),
    )


def ticket_from_json(row: Json | None) -> Ticket | None:
    return None if row is None else Ticket.from_row(row)


def _tickets_from_json(rows: list[Json]) -> list[Ticket]:
    return [Ticket.from_row(row) for row in rows]


def _placed_to_json(placed: Placed) -> Json:
    return {
        "ticket": placed.ticket.to_row(),
        "position": placed.position,
        "reason": placed.reason.value,
        "merge_key": list(placed.merge_key),
    }


def _placed_from_json(data: Json) -> Placed:
    return Placed(
        Ticket.from_row(data["ticket"]),
        data["position"],
        Placement(data["reason"]),
        tuple(data["merge_key"]),
    )


@dataclass(frozen=True)
class DeskView:
    """A consultation room's console: its patient, its line, its missed and away lists."""

    seq: int
    config: ClinicConfig
    desk: DeskConfig
    paused: bool
    current: Ticket | None
    receipts: int  # screens that announced the current patient's latest call
    line: list[Placed]
    missed: list[Ticket]
    away: list[Ticket]
    estimates: dict[int, tuple[int, int]]  # waiting ticket id -> (low, high) minutes to its call
    unspoken: int = 0  # of `receipts`, the screens that showed the call but could not say it

    def to_json(self) -> Json:
        return {
            "seq": self.seq,
            "config": config_to_json(self.config),
            "desk": self.desk.id,
            "paused": self.paused,
            "current": self.current.to_row() if self.current else None,
            "receipts": self.receipts,
            "line": [_placed_to_json(p) for p in self.line],
            "missed": [t.to_row() for t in self.missed],
            "away": [t.to_row() for t in self.away],
            "estimates": [[ticket, lo, hi] for ticket, (lo, hi) in self.estimates.items()],
            "unspoken": self.unspoken,
        }

    @classmethod
    def from_json(cls, data: Json) -> DeskView:
        config = config_from_json(data["config"])
        desk = config.desk(data["desk"])
        if desk is None:
            raise ValueError(f"desk {data['desk']!r} is not in the view's configuration")
        return cls(
            data["seq"],
            config,
            desk,
            bool(data["paused"]),
            ticket_from_json(data["current"]),
            int(data["receipts"]),
            [_placed_from_json(p) for p in data["line"]],
            _tickets_from_json(data["missed"]),
            _tickets_from_json(data["away"]),
            {int(ticket): (int(lo), int(hi)) for ticket, lo, hi in data["estimates"]},
            int(data.get("unspoken", 0)),
        )


def read_desk(line: Line, desk_id: str) -> DeskView:
    board = line.board
    view = board.desk(desk_id)
    if view is None:
        raise LookupError(desk_id)
    desk = view.config
    missed = [
        t
        for q in board.queues
        if q.config.id in desk.queues
        for t in q.missed
        if t.pinned_desk in (None, desk.id)
    ]
    away = [t for q in board.queues for t in q.away if t.desk == desk.id]
    estimates = line.desk_estimates(ESTIMATED_PLACES)
    ranges = {
        p.ticket.id: (e[1], e[2])
        for p in view.line[:ESTIMATED_PLACES]
        if (e := estimates.get(p.ticket.id))
    }
    return DeskView(
        board.seq,
        line.config,
        desk,
        view.paused,
        view.current,
        line.receipts_of(desk.id),
        view.line,
        missed,
        away,
        ranges,
        line.unspoken_of(desk.id),
    )


@dataclass(frozen=True)
class QueueCount:
    config: QueueConfig
    waiting: int


@dataclass(frozen=True)
class TriageView:
    """The triage desk: how many wait in each queue, and the tickets its search found."""

    seq: int
    config: ClinicConfig
    queues: list[QueueCount]
    search: str
    found: list[Ticket]
    by_phone: frozenset[str] = frozenset()  # of `found`, those who checked in on their phone

    def to_json(self) -> Json:
        return {
            "seq": self.seq,
            "config": config_to_json(self.config),
            "queues": [{"queue": c.config.id, "waiting": c.waiting} for c in self.queues],
            "search": self.search,
            "found": [t.to_row() for t in self.found],
            "by_phone": sorted(self.by_phone),
        }

    @classmethod
    def from_json(cls, data: Json) -> TriageView:
        config = config_from_json(data["config"])
        counts = []
        for count in data["queues"]:
            queue = config.queue(count["queue"])
            if queue is None:
                raise ValueError(f"queue {count['queue']!r} is not in the view's configuration")
            counts.append(QueueCount(queue, int(count["waiting"])))
        return cls(
            data["seq"],
            config,
            counts,
            str(data["search"]),
            _tickets_from_json(data["found"]),
            frozenset(data.get("by_phone", ())),
        )


Found = tuple[list[Ticket], frozenset[str]]


def triage_found(store: Store, search: str) -> Found:
    """Today's tickets the search finds, and which of them checked in by phone."""
    found = find_tickets(store, search)
    return found, checked_in_by_phone(store, found)


def read_triage(line: Line, store: Store, search: str) -> TriageView:
    return triage_view(line, search, triage_found(store, search))


def triage_view(line: Line, search: str, found: Found) -> TriageView:
    """The counts from the line in memory; `found`, the search's tickets, read by the caller
    where a database read may wait (a worker, the server's write thread)."""
    board = line.board
    counts = [QueueCount(q.config, len(q.line)) for q in board.queues]
    return TriageView(board.seq, line.config, counts, search, *found)


@dataclass(frozen=True)
class Slip:
    """The ticket as the patient holds it: no full name, and the secret link to their phone page."""

    number: str
    day: str  # the ticket's service day
    queue: QueueConfig
    masked_name: str
    rooms: list[str]
    ahead: int
    url: str
    issued_at: datetime

    def to_json(self) -> Json:
        return {
            "number": self.number,
            "day": self.day,
            "queue": asdict(self.queue),
            "masked_name": self.masked_name,
            "rooms": list(self.rooms),
            "ahead": self.ahead,
            "url": self.url,
            "issued_at": self.issued_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: Json) -> Slip:
        return cls(
            data["number"],
            data["day"],
            QueueConfig(**data["queue"]),
            data["masked_name"],
            list(data["rooms"]),
            int(data["ahead"]),
            data["url"],
            datetime.fromisoformat(data["issued_at"]),
        )


def slip_of(store: Store, number: str, address: PublicAddress) -> tuple[Slip, str]:
    """Today's ticket `number`'s slip, and its phone token (a console elsewhere links it to the
    address its phones know); TicketNotFound if there is none."""
    found = [t for t in find_tickets(store, number) if t.number == number]
    if not found:
        raise TicketNotFound(number)
    return slip_for(store, found[0], address), found[0].token


def slip_for(store: Store, ticket: Ticket, address: PublicAddress) -> Slip:
    line = Line.load(store)
    queue = store.config.queue(ticket.queue)
    if queue is None:
        raise LookupError(ticket.queue)
    pinned = line.board.desk(ticket.pinned_desk) if ticket.pinned_desk else None
    if pinned is not None:
        rooms = [pinned.config.room]
    else:
        rooms = [d.room for d in store.config.desks_serving(queue.id)]
    ahead = line.ahead_of(ticket.id) or 0
    issued = parse_iso(ticket.checked_in_at or ticket.created_at)
    return Slip(
        ticket.number,
        ticket.day,
        queue,
        mask_name(ticket.name),
        rooms,
        ahead,
        address.link(ticket.token),
        issued.astimezone(store.config.tz),
    )


@dataclass(frozen=True)
class OutboxView:
    """For an admin: the notifications still to deliver to the webhooks and since when the
    oldest waits (queue_core/outbox.py); the consoles' status line shows it."""

    count: int
    oldest: str | None

    def to_json(self) -> Json:
        return {"count": self.count, "oldest": self.oldest}

    @classmethod
    def from_json(cls, data: Json) -> OutboxView:
        oldest = data.get("oldest")
        return cls(int(data["count"]), None if oldest is None else str(oldest))


def read_outbox(store: Store) -> OutboxView | None:
    """None when the clinic names no webhook: there is nothing to show."""
    if not store.config.notify.webhooks:
        return None
    with store.read() as conn:
        backlog = outbox_backlog(conn)
    return OutboxView(backlog.count, backlog.oldest)


def minutes_since(moment: str | None, now: datetime) -> int:
    if not moment:
        return 0
    return max(0, int((now - parse_iso(moment)).total_seconds() // 60))
