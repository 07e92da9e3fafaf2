"""A logged day read back as a plan: the same patients, arriving when they did and behaving as
they did at each call, and the same desks working when they did, so the day can be played
again under other rules (queue_core/simulation/dry_run.py).

What a patient did does not depend on whom a desk called: each call of a ticket becomes an
`Episode` (its recalls, how long until the visit ended or the desk skipped, how long until
they came back). A desk's part is when it worked (between pauses) and how long its nurse took
to call once it was free and somebody it could call was waiting: played again under the same
rules, every call falls at the same moment on the same ticket.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from queue_core.config import ClinicConfig
from queue_core.events import Event, EventType
from queue_core.model import Ticket, TicketState
from queue_core.simulation.plan import (
    DayPlan,
    DeskPlan,
    Episode,
    Outcome,
    OutOfTurn,
    Patient,
    Triage,
)
from queue_core.store import parse_iso

_ENDS = {
    EventType.DONE: Outcome.DONE,
    EventType.SKIP: Outcome.SKIP,
    EventType.AWAY: Outcome.AWAY,
    EventType.TRANSFER: Outcome.TRANSFER,
}


@dataclass
class _Seen:
    """One ticket as the log tells it so far."""

    first: Ticket
    arrives: float | None = None
    leaves: float | None = None
    episodes: list[Episode] = field(default_factory=list)
    triage: list[Triage] = field(default_factory=list)
    called_at: float | None = None
    recalls: list[float] = field(default_factory=list)
    left_at: float | None = None  # the skip or away an episode ended with, awaiting a return


@dataclass
class _Desk:
    shifts: list[tuple[float, float]] = field(default_factory=list)
    opened: float | None = None
    free_at: float | None = None
    turnaround: list[float] = field(default_factory=list)
    out_of_turn: list[OutOfTurn] = field(default_factory=list)
    pause_reason: str = ""
    current: str | None = None


class _Reader:
    def __init__(self, config: ClinicConfig, start: datetime) -> None:
        self.config, self.start = config, start
        self.tickets: dict[str, _Seen] = {}
        self.rows: dict[str, Ticket] = {}  # every ticket's row as it is now
        self.desks = {d.id: _Desk() for d in config.desks}
        self.waiting_since: dict[str, float | None] = dict.fromkeys(self.desks)

    def seconds(self, at: str) -> float:
        return (parse_iso(at) - self.start).total_seconds()

    def _eligible_waiting(self, desk_id: str) -> bool:
        desk = self.config.desk(desk_id)
        assert desk is not None
        return any(
            t.state is TicketState.WAITING
            and t.queue in desk.queues
            and t.pinned_desk in (None, desk_id)
            for t in self.rows.values()
        )

    def take(self, event: Event) -> None:
        now = self.seconds(event.at)
        if event.type is EventType.CALL and event.desk in self.desks:
            self._call(event, now)  # before its rows: the line as the desk saw it
        for row in event.changed("tickets"):
            ticket = Ticket.from_row(row)
            self.rows[ticket.number] = ticket
            self.tickets.setdefault(ticket.number, _Seen(ticket))
        for desk_id, since in self.waiting_since.items():
            waiting = self._eligible_waiting(desk_id)
            if waiting and since is None:
                self.waiting_since[desk_id] = now
            elif not waiting:
                self.waiting_since[desk_id] = None
        self._patient(event, now)
        if event.type in _ENDS:
            # A transfer names the desk it goes to: the one it leaves is the one serving it.
            for desk in self.desks.values():
                if desk.current is not None and desk.current == event.ticket:
                    desk.free_at, desk.current = now, None
        elif event.desk in self.desks:
            self._desk(event, now)

    def _call(self, event: Event, now: float) -> None:
        desk = self.desks[event.desk or ""]
        if desk.opened is None:
            desk.opened = now
        free = max(x for x in (desk.free_at, desk.opened) if x is not None)
        since = self.waiting_since[event.desk or ""]
        ready = free if since is None else max(free, since)
        desk.turnaround.append(max(0.0, now - ready))
        if event.fact().reason and event.ticket:
            index = len(desk.turnaround) - 1
            desk.out_of_turn.append(OutOfTurn(index, event.ticket, event.reason or ""))
        desk.current = event.ticket

    def _desk(self, event: Event, now: float) -> None:
        desk = self.desks[event.desk or ""]
        if event.type is EventType.PAUSE:
            if desk.opened is not None:
                desk.shifts.append((desk.opened, now))
            desk.opened = None
            desk.pause_reason = desk.pause_reason or (event.reason or "")
        elif event.type is EventType.RESUME:
            desk.opened = now

    def _patient(self, event: Event, now: float) -> None:
        seen = self.tickets.get(event.ticket or "")
        if seen is None:
            return
        kind = event.type
        if kind in (EventType.ISSUE, EventType.CHECKIN):
            seen.arrives = now
            seen.first = self.rows[event.ticket or ""]
        elif kind is EventType.CALL:
            seen.called_at, seen.recalls = now, []
        elif kind is EventType.RECALL and seen.called_at is not None:
            seen.recalls.append(now - seen.called_at)
        elif kind in (EventType.REQUEUE, EventType.BACK) and seen.left_at is not None:
            last = seen.episodes[-1]
            seen.episodes[-1] = replace(last, then=now - seen.left_at)
            seen.left_at = None
        elif kind is EventType.CANCEL and seen.called_at is None:
            seen.leaves = now
        elif kind is EventType.PRIORITY and seen.arrives is not None:
            value = str(event.payload.get("priority") or "")
            seen.triage.append(Triage(now, "priority", value))
        elif kind is EventType.TRANSFER and seen.called_at is None:
            where = f"desk:{event.desk}" if event.desk else f"queue:{event.queue}"
            seen.triage.append(Triage(now, "transfer", where))
        if kind in _ENDS and seen.called_at is not None:
            self._episode(seen, event, now, _ENDS[kind])
        elif kind is EventType.CLOSED and seen.called_at is not None:
            self._episode(seen, event, now, Outcome.DONE)

    def _episode(self, seen: _Seen, event: Event, now: float, outcome: Outcome) -> None:
        assert seen.called_at is not None
        target = ""
        if outcome is Outcome.TRANSFER:
            target = f"desk:{event.desk}" if event.desk else f"queue:{event.queue}"
        seen.episodes.append(
            Episode(now - seen.called_at, outcome, tuple(seen.recalls), None, target)
        )
        seen.called_at, seen.recalls = None, []
        seen.left_at = now if outcome in (Outcome.SKIP, Outcome.AWAY) else None


def extract_day(config: ClinicConfig, day: str, events: Sequence[Event]) -> DayPlan:
    """The plan of `day` from its events, oldest first (the whole log may be given)."""
    mine = [e for e in events if e.day == day and e.type is not EventType.CONFIGURE]
    if not mine:
        return DayPlan(day, datetime.fromisoformat(f"{day}T00:00:00+00:00"), (), ())
    imports = [e for e in mine if e.type is EventType.IMPORT]
    start = parse_iso((imports or mine)[0].at)
    reader = _Reader(config, start)
    for event in mine:
        reader.take(event)
    patients = []
    for number, seen in reader.tickets.items():
        first = seen.first
        slot = reader.seconds(first.slot_start) if first.slot_start else None
        patients.append(
            Patient(
                key=number,
                queue=first.queue,
                arrives=seen.arrives,
                episodes=tuple(seen.episodes),
                slot=slot,
                priority=first.priority,
                desk=first.pinned_desk,
                name=number,
                leaves=seen.leaves,
                triage=tuple(seen.triage),
            )
        )
    desks = []
    for desk_id, desk in reader.desks.items():
        shifts = list(desk.shifts)
        if desk.opened is not None:
            shifts.append((desk.opened, max(desk.opened, desk.free_at or desk.opened)))
        if shifts:
            desks.append(
                DeskPlan(
                    desk_id,
                    tuple(shifts),
                    tuple(desk.turnaround) or (0.0,),
                    1.0,
                    desk.pause_reason or "停诊",
                    overtime=False,
                    out_of_turn=tuple(desk.out_of_turn),
                )
            )
    return DayPlan(day, start, tuple(patients), tuple(desks))
