"""The oracle the scenarios end with finds each fault it names: a check that cannot fail is none."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from queue_core import commands
from queue_core.events import Event, EventType
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR
from tests.oracle import call_violations, read_model_problems, violations


def _morning(store: Store) -> list[Event]:
    """Three walk-ins, one called and finished, one called out of turn: a sound log."""
    for name in ("张三", "李四", "王五"):
        issue_ticket(store, "nk-pt", ACTOR, name=name)
    commands.call_next(store, "nk1", ACTOR)
    commands.finish(store, "nk1", ACTOR)
    commands.call_ticket(store, "nk2", "A003", "急诊", ACTOR)
    return store.events_since(0)


def _tamper(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(str(db))
    with conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()


def test_a_sound_morning_passes_and_is_counted(store: Store) -> None:
    events = _morning(store)
    problems, facts = violations(store.path)
    assert problems == []
    assert (facts.events, facts.calls, facts.tickets) == (len(events), 2, 3)
    assert read_model_problems(store).problems == []


def test_a_lost_event_shows_as_a_hole_and_as_tables_the_log_cannot_rebuild(store: Store) -> None:
    _morning(store)
    _tamper(store.path, "DELETE FROM events WHERE seq = 3")
    problems, _ = violations(store.path)
    assert any("without a hole" in p for p in problems)
    assert "replaying the event log does not rebuild the tables" in problems


def test_a_row_changed_without_its_event_is_found(store: Store) -> None:
    _morning(store)
    _tamper(store.path, "UPDATE tickets SET state = 'missed' WHERE number = 'A002'")
    assert violations(store.path)[0] == ["replaying the event log does not rebuild the tables"]
    assert read_model_problems(store).problems[0].startswith("the public board differs")


def test_a_number_used_twice_is_found(store: Store) -> None:
    _morning(store)
    _tamper(
        store.path,
        "DROP INDEX idx_tickets_day_number",
        "UPDATE tickets SET number = 'A002' WHERE number = 'A001'",
    )
    assert any(p.startswith("number A002 used twice") for p in violations(store.path)[0])


def test_a_counter_behind_its_numbers_is_found(store: Store) -> None:
    _morning(store)
    _tamper(store.path, "UPDATE counters SET last = 1 WHERE queue = 'nk-pt'")
    problems, _ = violations(store.path)
    assert "A003 is beyond its queue's counter" in problems


def test_a_second_call_of_a_called_ticket_is_found(store: Store) -> None:
    events = _morning(store)
    again = next(e for e in events if e.type is EventType.CALL and e.ticket == "A003")
    replayed = [*events, dataclasses.replace(again, seq=len(events) + 1)]
    assert call_violations(replayed) == [f"seq {len(events) + 1}: A003 called while called"]


def test_an_out_of_turn_call_without_a_reason_is_found(store: Store) -> None:
    events = _morning(store)
    unexplained = [
        dataclasses.replace(e, reason=" ") if e.ticket == "A003" and e.type is EventType.CALL else e
        for e in events
    ]
    (problem,) = call_violations(unexplained)
    assert problem.endswith("A003 called out of turn, no reason")


def test_one_ticket_current_at_two_desks_is_found(store: Store) -> None:
    events = _morning(store)
    call = next(e for e in events if e.type is EventType.CALL and e.ticket == "A003")
    (desk,) = call.changed("desks")
    # Another desk's row, as an event that is no call could write it.
    twin = {**desk, "id": "wk1"}
    payload = {"changes": {"desks": [twin]}}
    resume = dataclasses.replace(
        call, seq=len(events) + 1, type=EventType.RESUME, desk="wk1", payload=payload
    )
    replayed = [*events, resume]
    assert call_violations(replayed) == [f"seq {len(events) + 1}: one ticket current at two desks"]
