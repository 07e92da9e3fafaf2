"""The one reader: the events of a range of service days, out of the store."""

from __future__ import annotations

from queue_core.events import Event, EventType
from queue_core.store import Store


def day_events(store: Store, first: str, last: str) -> list[Event]:
    """Every event of the days `first` to `last` (ISO dates), oldest first, with the `closed`
    events a later day's first write gave their open tickets."""
    chosen: list[Event] = []
    later_closes: list[Event] = []
    with store.read() as conn:
        rows = conn.execute(
            "SELECT seq FROM events WHERE day >= ? AND day <= ? ORDER BY seq LIMIT 1",
            (first, last),
        ).fetchone()
    if rows is None:
        return chosen
    for event in store.events_since(int(rows[0]) - 1):
        if first <= event.day <= last:
            chosen.append(event)
        elif event.type is EventType.CLOSED:
            row = event.own_row()
            if row is not None and first <= str(row["day"]) <= last:
                later_closes.append(event)
    return sorted(chosen + later_closes, key=lambda e: e.seq)
