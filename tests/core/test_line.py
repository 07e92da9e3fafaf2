"""The read model followed event by event equals the read model loaded afresh, at every step."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from queue_core.board import public_board
from queue_core.closing import close_day
from queue_core.events import STAFF_EVENTS, EventType
from queue_core.line import Line
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.scenarios.clinic_day import clinic_day_store, play_day


def assert_same(line: Line, store: Store) -> None:
    fresh = Line.load(store)
    assert line.seq == fresh.seq
    assert public_board(line.board, limit=None) == public_board(fresh.board, limit=None)
    assert line.services == fresh.services
    assert line.last_called == fresh.last_called
    assert line.facts == fresh.facts
    assert {d.id: line.receipts_of(d.id) for d in store.config.desks} == {
        d.id: fresh.receipts_of(d.id) for d in store.config.desks
    }


@pytest.mark.slow
def test_the_line_follows_a_busy_day_event_by_event(tmp_path: Path) -> None:
    store, clock = clinic_day_store(tmp_path / "day.db", date(2026, 11, 23))
    line = Line.load(store)
    assert_same(line, store)
    types: set[EventType] = set()
    receipts = 0

    def follow(_: datetime) -> None:
        nonlocal receipts
        for event in store.events_since(line.seq):
            line.apply(event)
            types.add(event.type)
        assert not line.needs_reload
        assert_same(line, store)
        receipts = max(receipts, *(line.receipts_of(d.id) for d in store.config.desks))

    stats = play_day(store, clock, seed=5, walk_ins=150, step_minutes=2.0, on_step=follow)
    assert line.seq == stats.events
    assert stats.done["call_next"] > 100
    assert receipts >= 1  # some screen announced a call that was still in its room
    close_day(store, "admin")  # the line follows the close too: nobody left in it
    follow(clock())
    assert all(not q.line and not q.missed and not q.away for q in line.board.queues)
    # A purge comes on a later day and erases earlier ones: it is never in a day's line, nor
    # are the staff accounts' events.
    outside = {EventType.CONFIGURE, EventType.IMPORT, EventType.PURGE, *STAFF_EVENTS}
    assert set(EventType) - outside <= types


def test_an_event_of_the_next_day_asks_for_a_fresh_load(tmp_path: Path) -> None:
    store, clock = clinic_day_store(tmp_path / "day.db", date(2026, 11, 23))
    line = Line.load(store)
    clock.advance(minutes=24 * 60)
    issue_ticket(store, "wk", "triage", name="周八")
    for event in store.events_since(line.seq):
        line.apply(event)
    assert line.needs_reload
    fresh = Line.load(store)
    assert fresh.day != line.day
    assert_same(fresh, store)
    store.close()
