"""Each ticket's day, read from the events: when it joined the line, its calls and visits.

Waiting time is check-in (issue, for a walk-in) to the first call; a visit is a call to the
end of that consultation (done, or sent for tests); a missed call is a skip, and the patient
came back when the ticket was requeued or called again after it. See docs/reports.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from queue_core.events import Event, EventType
from queue_core.model import TicketState


def minutes(start: str, end: str) -> float:
    seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    return max(seconds, 0.0) / 60


@dataclass
class Visit:
    """One consultation at a desk; `end` None: the day closed (or a cancel ended it)."""

    desk: str
    queue: str
    start: str
    end: str | None = None
    ended_by: str = ""  # the event type that ended it: done, away or transfer


@dataclass
class Journey:
    """One ticket of one day, as its events tell it. Numbers only: no name is kept."""

    day: str
    number: str
    queue: str
    source: str = ""
    priority: str | None = None
    entered_at: str | None = None  # check-in, or issue for a walk-in
    first_call_at: str | None = None
    first_desk: str | None = None
    calls: int = 0
    recalls: int = 0
    missed: int = 0  # calls the patient did not answer (skips)
    came_back: int = 0  # of those, the times the patient was back (requeued, or called again)
    transfers: int = 0
    state: str = ""
    visits: list[Visit] = field(default_factory=list)

    @property
    def wait_minutes(self) -> float | None:
        if self.entered_at is None or self.first_call_at is None:
            return None
        return minutes(self.entered_at, self.first_call_at)

    @property
    def no_show(self) -> bool:
        return self.state == TicketState.NO_SHOW.value

    @property
    def seen(self) -> bool:
        """At least one consultation ended with the patient seen."""
        return any(v.end is not None for v in self.visits)

    @property
    def klass(self) -> str:
        """Its priority class, or "regular": how reports and fairness group patients."""
        return self.priority or "regular"


def _open_visit(journey: Journey) -> Visit | None:
    if journey.visits and journey.visits[-1].end is None:
        return journey.visits[-1]
    return None


def _end_visit(journey: Journey, event: Event, timed: bool) -> None:
    visit = _open_visit(journey)
    if visit is not None:
        if timed:
            visit.end, visit.ended_by = event.at, event.type.value
        else:
            journey.visits.pop()  # no time to count: it was not a consultation that ended


def _follow(journey: Journey, event: Event, waiting_missed: bool) -> None:
    kind = event.type
    if kind in (EventType.ISSUE, EventType.CHECKIN):
        journey.entered_at = event.at
    elif kind is EventType.CALL:
        journey.calls += 1
        if journey.first_call_at is None:
            journey.first_call_at, journey.first_desk = event.at, event.desk
        if waiting_missed:
            journey.came_back += 1
        journey.visits.append(Visit(event.desk or "", event.queue or journey.queue, event.at))
    elif kind is EventType.RECALL:
        journey.recalls += 1
    elif kind is EventType.SKIP:
        journey.missed += 1
        _end_visit(journey, event, timed=False)
    elif kind is EventType.REQUEUE:
        journey.came_back += 1
    elif kind in (EventType.DONE, EventType.AWAY):
        _end_visit(journey, event, timed=True)
    elif kind in (EventType.REOPEN, EventType.UNDO_AWAY):
        if (
            journey.visits
            and journey.visits[-1].end is not None
            and (kind is EventType.REOPEN or event.payload.get("to") == "called")
        ):
            journey.visits[-1].end = None  # the same consultation goes on
    elif kind is EventType.TRANSFER:
        journey.transfers += 1
        _end_visit(journey, event, timed=True)
    elif kind in (EventType.CANCEL, EventType.CLOSED):
        _end_visit(journey, event, timed=False)


def journeys(events: Iterable[Event]) -> dict[tuple[str, str], Journey]:
    """(day, number) -> its journey, for every ticket the events touch, in the order met."""
    found: dict[tuple[str, str], Journey] = {}
    for event in events:
        row = event.own_row()
        if row is None or event.ticket is None:
            continue
        key = (str(row["day"]), event.ticket)
        journey = found.get(key)
        if journey is None:
            journey = found[key] = Journey(key[0], event.ticket, str(row["queue"]))
        was_missed = journey.state == TicketState.MISSED.value
        _follow(journey, event, was_missed and event.type is EventType.CALL)
        journey.queue = str(row["queue"]) if journey.first_call_at is None else journey.queue
        journey.source = str(row.get("source") or journey.source)
        journey.priority = row.get("priority")
        journey.state = str(row["state"])
    return found
