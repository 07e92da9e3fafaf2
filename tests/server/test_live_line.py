"""The server's in-memory line equals the board read from SQLite after every step of a day."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from benchmarks.clinic_day import clinic_day_store, play_day
from display_server.line import LiveLine, read_state
from queue_core.board import public_board
from queue_core.patient import line_facts
from queue_core.registration import issue_ticket
from queue_core.store import Store


def assert_same(line: LiveLine, store: Store) -> None:
    state = read_state(store)
    assert line.seq == state.board.seq
    assert public_board(line.board) == public_board(state.board)
    assert line.medians == state.medians
    assert line.last_called == state.last_called
    assert line.facts == line_facts(state.board, state.last_called)


@pytest.mark.slow
def test_live_line_follows_a_busy_day_event_by_event(tmp_path: Path) -> None:
    store, clock = clinic_day_store(tmp_path / "day.db", date(2026, 11, 23))
    line = LiveLine.load(store)
    assert_same(line, store)
    types: set[str] = set()

    def follow(_: datetime) -> None:
        for event in store.events_since(line.seq):
            line.apply(event)
            types.add(event.type)
        assert not line.needs_reload
        assert_same(line, store)

    stats = play_day(store, clock, seed=5, walk_ins=150, step_minutes=2.0, on_step=follow)
    assert line.seq == stats.events
    assert stats.done["call_next"] > 100
    every_change = {"call", "recall", "skip", "requeue", "back", "away", "transfer", "done"}
    assert every_change | {"cancel", "priority", "pause", "resume", "announced"} <= types


def test_an_event_of_the_next_day_asks_for_a_fresh_load(tmp_path: Path) -> None:
    store, clock = clinic_day_store(tmp_path / "day.db", date(2026, 11, 23))
    line = LiveLine.load(store)
    clock.advance(minutes=24 * 60)
    issue_ticket(store, "wk", "triage", name="周八")
    for event in store.events_since(line.seq):
        line.apply(event)
    assert line.needs_reload
    fresh = LiveLine.load(store)
    assert fresh.day != line.day
    assert_same(fresh, store)
    store.close()
