"""What each console shows, taken from the read model its watcher follows (on a worker thread)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from queue_core.address import PublicAddress
from queue_core.config import DeskConfig, QueueConfig
from queue_core.line import Line
from queue_core.masking import mask_name
from queue_core.model import Ticket
from queue_core.registration import find_tickets
from queue_core.rules import Placed
from queue_core.store import Store, parse_iso


@dataclass(frozen=True)
class DeskSnapshot:
    seq: int
    desk: DeskConfig
    paused: bool
    current: Ticket | None
    receipts: int  # screens that announced the current patient's latest call
    line: list[Placed]
    missed: list[Ticket]
    away: list[Ticket]
    estimates: dict[int, tuple[int, int]]  # waiting ticket id -> (low, high) minutes to its call


def read_desk(line: Line, desk_id: str) -> DeskSnapshot:
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
    estimates = line.estimates
    ranges = {p.ticket.id: (e[1], e[2]) for p in view.line if (e := estimates.get(p.ticket.id))}
    return DeskSnapshot(
        board.seq,
        desk,
        view.paused,
        view.current,
        line.receipts_of(desk.id),
        view.line,
        missed,
        away,
        ranges,
    )


@dataclass(frozen=True)
class QueueCount:
    config: QueueConfig
    waiting: int


@dataclass(frozen=True)
class TriageSnapshot:
    seq: int
    queues: list[QueueCount]
    search: str
    found: list[Ticket]


def read_triage(line: Line, store: Store, search: str) -> TriageSnapshot:
    board = line.board
    counts = [QueueCount(q.config, len(q.line)) for q in board.queues]
    return TriageSnapshot(board.seq, counts, search, find_tickets(store, search))


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


def minutes_since(moment: str | None, now: datetime) -> int:
    if not moment:
        return 0
    return max(0, int((now - parse_iso(moment)).total_seconds() // 60))
