"""Pure ordering: who is called next and why. No clock, no I/O; `now` is always passed in.

Every waiting ticket carries a sort key. A fresh arrival's key is (arrival in microseconds,
ticket id). A patient reinserted N places behind the head (requeued after missing the call,
or back from tests) gets the key of the last of the first N tickets extended with -stamp, which
sorts immediately after that ticket and before any earlier reinsertion behind it. Keys never
need renumbering, so the order is a plain sort followed by the capped priority pass.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import NamedTuple

from queue_core.config import ClinicConfig, DeskConfig, PriorityClass
from queue_core.model import Placement, Source, Ticket, TicketState

SortKey = tuple[int, ...]


class Placed(NamedTuple):
    """A waiting ticket at its place in its queue's call order. A named tuple, not a
    dataclass: every change orders a queue anew and every remote console takes its line in
    again, thousands of these each time, and a tuple is built in less than half the time,
    as one object instead of two."""

    ticket: Ticket
    position: int
    reason: Placement
    merge_key: SortKey  # the smallest key from here down: merges queues without undoing priority


def to_micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def arrival(
    source: Source,
    checked_in_at: datetime,
    slot_start: datetime | None,
    config: ClinicConfig,
) -> tuple[int, Placement]:
    """Where a checked-in ticket enters the line, and the reason it will show."""
    if source is Source.APPOINTMENT and slot_start is not None:
        slot_end = slot_start + timedelta(minutes=config.slot_minutes)
        if checked_in_at <= slot_end:
            return to_micros(slot_start), Placement.APPOINTMENT
        if config.late_appointment == "keep_slot":
            return to_micros(slot_start), Placement.LATE_APPOINTMENT
        return to_micros(checked_in_at), Placement.LATE_APPOINTMENT
    return to_micros(checked_in_at), Placement.WALK_IN


def base_key(arrival_key: int, ticket_id: int) -> SortKey:
    return (arrival_key, ticket_id)


def moving_class(ticket: Ticket, config: ClinicConfig) -> PriorityClass | None:
    """The priority class that may move this ticket up the line, if any.

    A requeued or returning patient's place is set by the reinsertion rule (N behind the head);
    their class does not move them again, or a short line would put them at the front.
    """
    if not ticket.priority or ticket.placement in (Placement.REQUEUED, Placement.RETURNED):
        return None
    return config.priority(ticket.priority)


def order_queue(tickets: Iterable[Ticket], config: ClinicConfig) -> list[Placed]:
    """The call order of one queue's waiting tickets.

    Priority tickets move ahead of the tickets before them by at most their class's
    `max_ahead` places and never past an earlier priority ticket, so priority cannot starve
    anyone: a patient is overtaken only by priority classes and only within their caps.
    """
    waiting = sorted(
        (t for t in tickets if t.state is TicketState.WAITING), key=lambda t: t.sort_key
    )
    result: list[tuple[Ticket, Placement]] = []
    last_priority = -1
    for ticket in waiting:
        cls = moving_class(ticket, config)
        if cls is None:
            result.append((ticket, ticket.placement))
            continue
        index = max(len(result) - cls.max_ahead, last_priority + 1)
        moved = index < len(result)
        result.insert(index, (ticket, Placement.PRIORITY if moved else ticket.placement))
        last_priority = index
    placed: list[Placed] = []
    smallest: SortKey | None = None
    for position in range(len(result) - 1, -1, -1):
        ticket, reason = result[position]
        smallest = ticket.sort_key if smallest is None else min(smallest, ticket.sort_key)
        placed.append(Placed(ticket, position, reason, smallest))
    placed.reverse()
    return placed


def eligible_at(ticket: Ticket, desk: DeskConfig) -> bool:
    return ticket.queue in desk.queues and ticket.pinned_desk in (None, desk.id)


def desk_order(desk: DeskConfig, orders: dict[str, list[Placed]]) -> list[Placed]:
    """What this desk would call, in order: its queues merged, tickets pinned elsewhere left out."""
    lanes = [[p for p in orders.get(q, []) if eligible_at(p.ticket, desk)] for q in desk.queues]
    if len(lanes) == 1:
        return lanes[0]  # one queue: nothing to merge
    return list(heapq.merge(*lanes, key=lambda p: p.merge_key))


def reinsert_key(
    waiting: Sequence[Ticket], returning: Ticket, behind: int, stamp: int, config: ClinicConfig
) -> SortKey | None:
    """A key that puts `returning` at the first place at least `behind` after the head.

    `waiting` is the start of the line by key (see lineup.reinsert_window). Exactly `behind`
    is not always possible: a priority ticket's capped move counts the returning ticket too,
    so the first place that is not nearer the front than `behind` is taken. Returns None when
    the queue is empty: the ticket then simply arrives now.
    """
    if not waiting:
        return None
    anchors = sorted(t.sort_key for t in waiting)
    for anchor in anchors:
        probe = replace(returning, sort_key=(*anchor, -stamp), state=TicketState.WAITING)
        order = order_queue([*waiting, probe], config)
        if next(p.position for p in order if p.ticket is probe) >= behind:
            return probe.sort_key
    return (*anchors[-1], -stamp)


def overtaken_within_caps(order: Sequence[Placed], config: ClinicConfig) -> bool:
    """True when no ticket stands further ahead of its key order than its priority cap allows."""
    by_key = sorted(order, key=lambda p: p.ticket.sort_key)
    base_index = {p.ticket.id: i for i, p in enumerate(by_key)}
    for p in order:
        cls = moving_class(p.ticket, config)
        cap = cls.max_ahead if cls else 0
        if base_index[p.ticket.id] - p.position > cap:
            return False
    return True
