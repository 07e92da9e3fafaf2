"""A rule dry-run: a logged day played again under another configuration, old and new figures
side by side. The figures are queue_core.insight's, so "wait" and "overtake" mean here what
they mean in every report.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from queue_core.closing import close_day
from queue_core.config import ClinicConfig
from queue_core.errors import QueueError
from queue_core.events import Event, EventType
from queue_core.insight.fairness import fairness
from queue_core.insight.journeys import journeys
from queue_core.insight.reader import day_events
from queue_core.insight.stats import Stats
from queue_core.insight.waits import Recovery, missed_recovery, waits_by_class
from queue_core.registration import initialise
from queue_core.simulation.engine import play
from queue_core.simulation.extract import extract_day
from queue_core.simulation.plan import DayPlan
from queue_core.store import Store

ACTOR = "dry-run"


class DryRunRefused(QueueError):
    def __init__(self, message: str, day: str) -> None:
        super().__init__(message, "dry_run_refused", day=day)


@dataclass(frozen=True)
class Figures:
    waits: dict[str, Stats]  # priority class (or "regular") -> check-in to first call
    overtaken: dict[str, int]  # priority class -> later arrivals called first, in all
    flagged: int  # overtakes no rule explains
    recovery: Recovery
    calls: dict[str, list[str]]  # desk -> the ticket numbers it called, in order


@dataclass(frozen=True)
class DryRun:
    day: str
    plan: DayPlan
    old: Figures
    new: Figures


def figures(events: Sequence[Event], config: ClinicConfig) -> Figures:
    found = list(journeys(events).values())
    fair = fairness(events, config)
    calls: dict[str, list[str]] = {}
    for e in events:
        if e.type is EventType.CALL and e.desk and e.ticket:
            calls.setdefault(e.desk, []).append(e.ticket)
    return Figures(
        waits=waits_by_class(found),
        overtaken={k: sum(c.values()) for k, c in fair.per_class().items()},
        flagged=len(fair.flagged),
        recovery=missed_recovery(found),
        calls=calls,
    )


def _missing(plan: DayPlan, config: ClinicConfig) -> list[str]:
    queues = {q.id for q in config.queues}
    desks = {d.id for d in config.desks}
    wanted_queues = {p.queue for p in plan.patients}
    targets = [e.target for p in plan.patients for e in p.episodes] + [
        t.value for p in plan.patients for t in p.triage if t.kind == "transfer"
    ]
    wanted_queues |= {t.partition(":")[2] for t in targets if t.startswith("queue:")}
    wanted_desks = {d.desk for d in plan.desks} | {p.desk for p in plan.patients if p.desk}
    wanted_desks |= {t.partition(":")[2] for t in targets if t.startswith("desk:")}
    return [f"queue {q}" for q in sorted(wanted_queues - queues)] + [
        f"desk {d}" for d in sorted(wanted_desks - desks)
    ]


def dry_run(store: Store, day: str, config: ClinicConfig) -> DryRun:
    """Play `day` of `store` again under `config`, in a temporary database of its own."""
    events = day_events(store, day, day)
    plan = extract_day(store.config, day, events)
    if not plan.patients:
        raise DryRunRefused(f"{day} has no tickets to replay.", day)
    missing = _missing(plan, config)
    if missing:
        raise DryRunRefused(
            f"The new configuration lacks what {day} used: {', '.join(missing)}.", day
        )
    closed = any(
        e.type is EventType.DAY_CLOSED and e.payload.get("closed_day") == day for e in events
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dry-run.db"
        initialise(path, config, ACTOR, now=plan.start).close()
        replayed = Store.open(path)
        try:
            played = play(replayed, plan)
            if closed and played.until is not None:
                close_day(replayed, ACTOR, day, now=played.until)
            new_events = day_events(replayed, day, day)
        finally:
            replayed.close()
    return DryRun(day, plan, figures(events, store.config), figures(new_events, config))
