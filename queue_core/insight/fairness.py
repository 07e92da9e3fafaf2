"""Fairness, proven per day: every later arrival called before a waiting patient, and why.

At each call the log's rows say who was waiting. A patient who joined the line before the
called one (checked in, issued, or transferred into the queue earlier) and was still waiting
was overtaken. Each overtake is explained by a rule the line applies (`model.Placement`, the
priority caps of `rules.order_queue`, pins to a desk) or by the call's own out-of-turn reason;
an overtake none of them explains is flagged. The order is worked out again under the
configuration given, so a rule changed since the calls shows up as flags too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from queue_core.config import ClinicConfig, DeskConfig
from queue_core.events import Event, EventType
from queue_core.model import Placement, Ticket, TicketState
from queue_core.rules import Placed, desk_order, eligible_at, order_queue


class Why(StrEnum):
    """Why a later arrival was called first; every one but `UNEXPLAINED` is a rule."""

    PRIORITY = "priority"  # a priority class moved it up, within its cap
    PINNED = "pinned"  # the waiting patient is pinned to another desk (their doctor)
    OUT_OF_TURN = "out_of_turn"  # the desk called it out of turn, with a reason
    REQUEUED = "requeued"  # a missed patient came back N places behind the head
    RETURNED = "returned"  # back from tests, N places behind the head
    TRANSFERRED = "transferred"  # a transfer kept an arrival time, earlier or later
    APPOINTMENT = "appointment"  # an appointment stands at its slot's time, earlier or later
    MERGED = "merged"  # the desk serves several queues, merged by arrival
    UNEXPLAINED = "unexplained"  # no rule and no reason: flagged


@dataclass(frozen=True)
class Overtake:
    """`by` (a later arrival) was called at `desk` before `number`, who was waiting."""

    day: str
    number: str
    klass: str  # the overtaken patient's priority class, or "regular"
    by: str
    desk: str
    at: str
    seq: int
    why: Why
    actor: str
    reason: str | None  # the call's out-of-turn reason

    @property
    def flagged(self) -> bool:
        return self.why is Why.UNEXPLAINED


@dataclass
class Fairness:
    """Every overtake of the events, and the tickets that were waiting when a call was made."""

    overtakes: list[Overtake] = field(default_factory=list)
    classes: dict[tuple[str, str], str] = field(default_factory=dict)  # (day, number) -> class

    @property
    def flagged(self) -> list[Overtake]:
        return [o for o in self.overtakes if o.flagged]

    def per_ticket(self) -> dict[tuple[str, str], Counter[Why]]:
        """(day, number) -> how many later arrivals went first, by why; every ticket seen."""
        out: dict[tuple[str, str], Counter[Why]] = {key: Counter() for key in self.classes}
        for o in self.overtakes:
            out.setdefault((o.day, o.number), Counter())[o.why] += 1
        return out

    def per_class(self) -> dict[str, Counter[Why]]:
        """Priority class of the overtaken patient -> overtakes by why."""
        out: dict[str, Counter[Why]] = {k: Counter() for k in sorted(set(self.classes.values()))}
        for o in self.overtakes:
            out.setdefault(o.klass, Counter())[o.why] += 1
        return out

    def per_desk(self) -> dict[str, Counter[Why]]:
        """The calling desk -> the overtakes its calls made, by why."""
        out: dict[str, Counter[Why]] = {}
        for o in self.overtakes:
            out.setdefault(o.desk, Counter())[o.why] += 1
        return out


def _why(called: Ticket, waiting: Ticket, rank: dict[int, Placed], desk: DeskConfig | None) -> Why:
    """Why `called` went before `waiting`, under the desk's order the rules give (`rank`)."""
    if desk is None:
        return Why.UNEXPLAINED  # a desk the configuration does not know
    if not eligible_at(waiting, desk):
        return Why.PINNED
    mine, theirs = rank.get(called.id), rank.get(waiting.id)
    if mine is None or theirs is None or theirs.position < mine.position:
        return Why.UNEXPLAINED  # the rules put the waiting patient first
    if mine.reason is Placement.PRIORITY:
        return Why.PRIORITY
    if waiting.placement in _WAITS_ITS_TURN:
        # Placed N behind the head, at its slot's time, or at the arrival a transfer kept:
        # whoever stands before that place goes first.
        return _BY_PLACEMENT[waiting.placement]
    if called.placement in _BY_PLACEMENT:
        return _BY_PLACEMENT[called.placement]
    if called.queue != waiting.queue:
        return Why.MERGED
    return Why.UNEXPLAINED


_WAITS_ITS_TURN = (
    Placement.REQUEUED,
    Placement.RETURNED,
    Placement.TRANSFERRED,
    Placement.APPOINTMENT,
    Placement.LATE_APPOINTMENT,
)
_BY_PLACEMENT = {
    Placement.TRANSFERRED: Why.TRANSFERRED,
    Placement.APPOINTMENT: Why.APPOINTMENT,
    Placement.LATE_APPOINTMENT: Why.APPOINTMENT,
    Placement.REQUEUED: Why.REQUEUED,
    Placement.RETURNED: Why.RETURNED,
}


class _Line:
    """The waiting tickets as the log's rows leave them, and when each joined its queue."""

    def __init__(self) -> None:
        self.waiting: dict[int, Ticket] = {}
        self.joined: dict[int, int] = {}  # ticket id -> seq of the event that put it in its queue
        self.queue_of: dict[int, str] = {}

    def take(self, event: Event) -> None:
        for row in event.changed("tickets"):
            ticket = Ticket.from_row(row)
            if row.get("number") == event.ticket and self._joins(event, ticket):
                self.joined[ticket.id] = event.seq
            self.joined.setdefault(ticket.id, event.seq)
            self.queue_of[ticket.id] = ticket.queue
            if ticket.state is TicketState.WAITING:
                self.waiting[ticket.id] = ticket
            else:
                self.waiting.pop(ticket.id, None)

    def _joins(self, event: Event, ticket: Ticket) -> bool:
        """The event puts its ticket into a queue's line: check-in, issue, or a transfer."""
        if event.type in (EventType.ISSUE, EventType.CHECKIN):
            return True
        before = self.queue_of.get(ticket.id)
        return event.type is EventType.TRANSFER and before not in (None, ticket.queue)

    def desk_rank(self, desk: DeskConfig, config: ClinicConfig) -> dict[int, Placed]:
        """Ticket id -> its place in what `desk` would call (position: the desk's own order)."""
        orders = {
            q: order_queue([t for t in self.waiting.values() if t.queue == q], config)
            for q in desk.queues
        }
        return {
            p.ticket.id: Placed(p.ticket, i, p.reason, p.merge_key)
            for i, p in enumerate(desk_order(desk, orders))
        }


def _class(ticket: Ticket) -> str:
    return ticket.priority or "regular"


def fairness(events: Iterable[Event], config: ClinicConfig) -> Fairness:
    """Every overtake the events' calls made, each with its why (see the module's docstring)."""
    line = _Line()
    result = Fairness()
    for event in events:
        if event.type is EventType.CALL:
            _check_call(event, line, config, result)
        line.take(event)
        for row in event.changed("tickets"):
            if row.get("number") == event.ticket and row.get("state") != "registered":
                result.classes.setdefault(
                    (str(row["day"]), str(row["number"])), _class(Ticket.from_row(row))
                )
    return result


def _check_call(event: Event, line: _Line, config: ClinicConfig, result: Fairness) -> None:
    row = event.own_row()
    if row is None:
        return
    called = Ticket.from_row(row)
    before = line.waiting.get(called.id)
    if before is not None:
        called = before  # its place as it waited, not the row the call made
    joined = line.joined.get(called.id, event.seq)
    desk = config.desk(event.desk or "")
    earlier = [
        t
        for t in line.waiting.values()
        if t.id != called.id
        and t.day == called.day
        and line.joined.get(t.id, 0) < joined
        and (t.queue == called.queue or (desk is not None and eligible_at(t, desk)))
    ]
    if not earlier:
        return
    out_of_turn = bool(event.payload.get("out_of_turn"))
    rank = {} if out_of_turn or desk is None else line.desk_rank(desk, config)
    for waiting in sorted(earlier, key=lambda t: line.joined.get(t.id, 0)):
        if out_of_turn:
            why = Why.OUT_OF_TURN if event.reason else Why.UNEXPLAINED
        else:
            why = _why(called, waiting, rank, desk)
        result.overtakes.append(
            Overtake(
                day=waiting.day,
                number=waiting.number,
                klass=_class(waiting),
                by=called.number,
                desk=event.desk or "",
                at=event.at,
                seq=event.seq,
                why=why,
                actor=event.actor,
                reason=event.reason,
            )
        )
