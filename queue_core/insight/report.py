"""The report of a range of days: per queue, desk and hour, the lists, and fairness.

Built from the events and the configuration only (`build`); `tables` gives the same figures
as rows of text for the terminal, the spreadsheet and the console's report screen, and
`as_json` the documented JSON shape (docs/reports.md). Tickets are named by their numbers:
a report carries no patient's name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from queue_core.config import ClinicConfig
from queue_core.events import Event, EventType
from queue_core.insight.fairness import Fairness, Overtake, Why, fairness
from queue_core.insight.journeys import Journey, journeys, minutes
from queue_core.insight.stats import Stats
from queue_core.insight.waits import grouped, missed_recovery, visit_minutes, waits


@dataclass(frozen=True)
class Row:
    """One group's figures (a queue, a desk, an hour, or all of them)."""

    key: str
    patients: int  # tickets that joined the line (checked in, or issued)
    seen: int  # consultations that ended (done, or sent for tests)
    wait: Stats
    visit: Stats
    missed: int
    came_back: int
    no_show: int
    calls: int
    recalls: int
    transfers: int
    cancels: int
    pause_minutes: float | None = None  # desks and the total: other groups have no pauses

    @property
    def recalls_per_call(self) -> float | None:
        return self.recalls / self.calls if self.calls else None


@dataclass(frozen=True)
class Listed:
    """An out-of-turn call, a cancel or a transfer: who, when, why."""

    at: str
    ticket: str
    desk: str
    queue: str
    actor: str
    reason: str
    to: str = ""  # a transfer: the desk or queue it went to
    from_queue: str = ""  # a transfer: the queue it left


@dataclass
class Report:
    first: str
    last: str
    queue: str | None
    desk: str | None
    total: Row
    queues: list[Row]
    desks: list[Row]
    hours: list[Row]
    out_of_turn: list[Listed]
    cancels: list[Listed]
    transfers: list[Listed]
    fairness: Fairness
    overtaken: dict[str, dict[str, int]] = field(default_factory=dict)  # ticket -> why -> n


def _local(at: str, tz: ZoneInfo) -> datetime:
    return datetime.fromisoformat(at).astimezone(tz)


def _counted(chosen: Sequence[Event], kind: EventType) -> list[Event]:
    return [e for e in chosen if e.type is kind]


def _pauses(chosen: Sequence[Event], ends: dict[str, str]) -> dict[str, float]:
    """Desk -> minutes paused; a pause still open ends with its day's last event."""
    started: dict[str, Event] = {}
    total: dict[str, float] = {}
    for event in chosen:
        desk = event.desk or ""
        if event.type is EventType.PAUSE and desk not in started:
            started[desk] = event
        elif event.type is EventType.RESUME and desk in started:
            begun = started.pop(desk)
            total[desk] = total.get(desk, 0.0) + minutes(begun.at, event.at)
    for desk, begun in started.items():
        total[desk] = total.get(desk, 0.0) + minutes(begun.at, ends[begun.day])
    return total


def _row(key: str, group: Sequence[Journey], chosen: Sequence[Event], desk: str | None) -> Row:
    numbers = {(j.day, j.number) for j in group}

    def mine(kind: EventType) -> int:
        return sum(
            1
            for e in _counted(chosen, kind)
            if (e.day, e.ticket) in numbers and desk in (None, e.desk)
        )

    return Row(
        key=key,
        patients=sum(1 for j in group if j.entered_at is not None),
        seen=sum(1 for j in group for v in j.visits if v.end and desk in (None, v.desk)),
        wait=waits(group),
        visit=visit_minutes(group, desk),
        missed=missed_recovery(group).missed,
        came_back=missed_recovery(group).came_back,
        no_show=missed_recovery(group).no_show,
        calls=mine(EventType.CALL),
        recalls=mine(EventType.RECALL),
        transfers=_transfers(group, desk) if desk else mine(EventType.TRANSFER),
        cancels=mine(EventType.CANCEL),
    )


def _transfers(group: Sequence[Journey], desk: str) -> int:
    """A desk's transfers: the consultations there that ended with the patient sent on."""
    return sum(1 for j in group for v in j.visits if v.desk == desk and v.ended_by == "transfer")


def _listed(event: Event, to: str = "") -> Listed:
    return Listed(
        at=event.at,
        ticket=event.ticket or "",
        desk=event.desk or "",
        queue=event.queue or "",
        actor=event.actor,
        reason=event.reason or "",
        to=to,
        from_queue=str(event.payload.get("from_queue") or "") if to else "",
    )


def build(
    events: Iterable[Event],
    config: ClinicConfig,
    first: str,
    last: str,
    queue: str | None = None,
    desk: str | None = None,
) -> Report:
    """The report of the events (of the days `first` to `last`), kept to `queue` and `desk`:
    a queue keeps its tickets; a desk keeps the tickets it called first, its own calls and
    visits, its pauses and its out-of-turn calls."""
    chosen = list(events)
    ends: dict[str, str] = {}
    for event in chosen:
        ends[event.day] = event.at
    everyone = journeys(chosen)
    kept = [
        j for j in everyone.values() if queue in (None, j.queue) and desk in (None, j.first_desk)
    ]
    numbers = {(j.day, j.number) for j in kept}
    in_scope = [
        e for e in chosen if e.ticket is None or (e.day, e.ticket) in numbers or e.desk == desk
    ]
    tz = config.tz
    pauses = _pauses([e for e in chosen if desk in (None, e.desk)], ends)
    desk_ids = [d.id for d in config.desks if desk in (None, d.id)]
    if queue is not None:
        desk_ids = [d.id for d in config.desks if d.id in desk_ids and queue in d.queues]
    desks = []
    for desk_id in desk_ids:
        served = [j for j in kept if any(v.desk == desk_id for v in j.visits)]
        base = _row(desk_id, served, in_scope, desk_id)
        desks.append(_with_pause(base, pauses.get(desk_id, 0.0)))
    by_queue = grouped(kept, lambda j: j.queue)
    by_hour = grouped(
        (j for j in kept if j.entered_at), lambda j: f"{_local(j.entered_at or '', tz):%H}:00"
    )
    fair = fairness(chosen, config)
    fair.overtakes = [o for o in fair.overtakes if (o.day, o.number) in numbers]
    fair.classes = {k: v for k, v in fair.classes.items() if k in numbers}
    overtaken = {
        number: {why.value: n for why, n in sorted(counts.items())}
        for (_, number), counts in fair.per_ticket().items()
        if counts
    }
    total = _with_pause(_row("all", kept, in_scope, None), sum(pauses.values()))
    return Report(
        first=first,
        last=last,
        queue=queue,
        desk=desk,
        total=total,
        queues=[_row(q, group, in_scope, None) for q, group in by_queue.items()],
        desks=desks,
        hours=[_row(h, group, in_scope, None) for h, group in by_hour.items()],
        out_of_turn=[
            _listed(e)
            for e in _counted(in_scope, EventType.CALL)
            if e.payload.get("out_of_turn") and desk in (None, e.desk)
        ],
        cancels=[_listed(e) for e in _counted(in_scope, EventType.CANCEL)],
        transfers=[
            _listed(e, to=e.desk or e.queue or "") for e in _counted(in_scope, EventType.TRANSFER)
        ],
        fairness=fair,
        overtaken=dict(sorted(overtaken.items())),
    )


def _with_pause(row: Row, paused: float) -> Row:
    return Row(**{**row.__dict__, "pause_minutes": paused})


def _stats(stats: Stats) -> dict[str, Any]:
    return {"count": stats.count, "median": stats.median, "p90": stats.p90}


def row_json(row: Row) -> dict[str, Any]:
    return {
        "key": row.key,
        "patients": row.patients,
        "seen": row.seen,
        "wait_minutes": _stats(row.wait),
        "visit_minutes": _stats(row.visit),
        "missed": row.missed,
        "came_back": row.came_back,
        "no_show": row.no_show,
        "calls": row.calls,
        "recalls": row.recalls,
        "recalls_per_call": row.recalls_per_call,
        "transfers": row.transfers,
        "cancels": row.cancels,
        "pause_minutes": row.pause_minutes,
    }


def _listed_json(item: Listed, tz: ZoneInfo) -> dict[str, Any]:
    return {**item.__dict__, "at": _local(item.at, tz).isoformat(timespec="seconds")}


def _overtake_json(o: Overtake, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "ticket": o.number,
        "class": o.klass,
        "by": o.by,
        "desk": o.desk,
        "at": _local(o.at, tz).isoformat(timespec="seconds"),
        "why": o.why.value,
        "actor": o.actor,
        "reason": o.reason or "",
    }


def as_json(report: Report, config: ClinicConfig) -> dict[str, Any]:
    """The documented shape (docs/reports.md); times in the clinic's zone, to the second."""
    tz = config.tz
    fair = report.fairness
    return {
        "from": report.first,
        "to": report.last,
        "queue": report.queue,
        "desk": report.desk,
        "total": row_json(report.total),
        "queues": [row_json(r) for r in report.queues],
        "desks": [row_json(r) for r in report.desks],
        "hours": [row_json(r) for r in report.hours],
        "out_of_turn": [_listed_json(i, tz) for i in report.out_of_turn],
        "cancels": [_listed_json(i, tz) for i in report.cancels],
        "transfers": [_listed_json(i, tz) for i in report.transfers],
        "fairness": {
            "overtakes": len(fair.overtakes),
            "flagged": [_overtake_json(o, tz) for o in fair.flagged],
            "per_class": _counts(fair.per_class()),
            "per_desk": _counts(fair.per_desk()),
            "per_ticket": report.overtaken,
            "out_of_turn": [
                _overtake_json(o, tz) for o in fair.overtakes if o.why is Why.OUT_OF_TURN
            ],
        },
    }


def _counts(groups: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {k: {why.value: n for why, n in sorted(c.items())} for k, c in sorted(groups.items())}
