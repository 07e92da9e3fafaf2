"""What every client must have after the server restarted under it: nothing missed, nothing
twice, and each phone's last place the board's."""

from __future__ import annotations

from collections import Counter
from typing import Any

from display_server.protocol import display_messages, told_place
from queue_core.line import Line
from queue_core.store import Store

# The display messages an event becomes, and with the phones' own: each seq at most once.
EVENT_TYPES = {"call", "skip", "requeue", "done", "transfer", "pause", "resume"}
ONCE_TYPES = EVENT_TYPES | {"pos", "called", "state", "alert", "presence"}


def check_clients(
    store: Store, clients: list[dict[str, Any]], ids: dict[str, int]
) -> tuple[int, int, int]:
    """(display messages missed, messages received twice, phones whose last place is wrong)."""
    config = store.config
    events = store.events_since(0)
    line = Line.load(store)
    missed = duplicated = wrong = 0
    for client in clients:
        messages = client["messages"]
        seen = Counter((k, s) for k, s, _, _ in messages if k in ONCE_TYPES)
        duplicated += sum(n - 1 for n in seen.values() if n > 1)
        if client["path"].startswith("/ws/display"):
            start = next(s for k, s, _, _ in messages if k == "snapshot")
            expected = {p.seq for e in events if e.seq > start for p in display_messages(e, config)}
            got = {s for (k, s) in seen if k in EVENT_TYPES}
            missed += len(expected - got)
        else:
            token = client["path"].rsplit("/", 1)[1]
            last = [s for k, s, _, _ in messages if k == "ahead"][-1]
            told = told_place(line.ahead_of(ids[token]), None, config.alert_ahead)[0]
            wrong += int(last != told)
    return missed, duplicated, wrong
