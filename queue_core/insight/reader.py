"""The one reader: the events of a range of service days out of the store, and the report."""

from __future__ import annotations

from dataclasses import dataclass

from queue_core.config import ClinicConfig
from queue_core.errors import DeskNotFound, QueueNotFound
from queue_core.events import Event, EventType
from queue_core.insight.report import Report, build
from queue_core.store import Store


@dataclass(frozen=True)
class Days:
    """The service days a report covers, `first` to `last` inclusive (ISO dates)."""

    first: str
    last: str


def day_events(store: Store, first: str, last: str) -> list[Event]:
    """Every event of the days `first` to `last` (ISO dates), oldest first, with the `closed`
    events that the next day's first write gave the tickets they left open."""
    with store.read() as conn:
        days = [
            str(r[0])
            for r in conn.execute(
                "SELECT DISTINCT day FROM events WHERE day >= ? AND day <= ? ORDER BY day",
                (first, last),
            )
        ]
        after = conn.execute("SELECT MIN(day) FROM events WHERE day > ?", (last,)).fetchone()[0]
    chosen = [event for day in days for event in store.events_matching(day=day)]
    if after is not None:
        for event in store.events_matching(day=str(after), type=EventType.CLOSED.value):
            row = event.own_row()
            if row is not None and first <= str(row["day"]) <= last:
                chosen.append(event)
    return sorted(chosen, key=lambda e: e.seq)


def check_scope(config: ClinicConfig, queue: str | None, desk: str | None) -> None:
    """A queue or desk the configuration does not know is refused, not reported empty."""
    if queue is not None and config.queue(queue) is None:
        raise QueueNotFound(queue)
    if desk is not None and config.desk(desk) is None:
        raise DeskNotFound(desk)


def make_report(
    store: Store, days: Days, queue: str | None = None, desk: str | None = None
) -> Report:
    """The one way a report is made, for the command and the console's report screen."""
    check_scope(store.config, queue, desk)
    config = store.config
    events = day_events(store, days.first, days.last)
    return build(events, config, days.first, days.last, queue=queue, desk=desk)
