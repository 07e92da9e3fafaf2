"""A clinic's day closes: what the day left open ends with a reason, and the next day starts
clean, whoever writes first."""

from __future__ import annotations

from datetime import datetime

import pytest

from queue_core import commands, feedback
from queue_core.board import public_board
from queue_core.closing import close_day
from queue_core.errors import DayNotClosable, InvalidState, QueueClosed, QueueError, TicketNotFound
from queue_core.events import EventType
from queue_core.line import read_board
from queue_core.model import TicketState
from queue_core.registration import issue_ticket
from queue_core.replay import current_tables, replay
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock

MIDNIGHT = datetime.fromisoformat("2026-11-23T16:00:00+00:00")  # 00:00 in Shanghai


def yesterday_left_open(store: Store, clock: SteppingClock) -> dict[str, str]:
    """A day that ends with someone in each open state: number -> the state it was left in."""
    for name in ("甲一", "乙二", "丙三", "丁四", "戊五", "己六"):
        issue_ticket(store, "nk-pt", ACTOR, name=name)
        clock.advance(minutes=1)
    commands.call_next(store, "nk1", ACTOR)  # A001 in room 1
    commands.call_next(store, "nk2", ACTOR)  # A002, who does not come
    commands.skip(store, "nk2", ACTOR)
    commands.call_next(store, "nk2", ACTOR)  # A003, sent for tests
    commands.send_away(store, "nk2", ACTOR)
    return {"A001": "called", "A002": "missed", "A003": "away", "A004": "waiting"}


def states(store: Store, day: str) -> dict[str, str]:
    with store.read() as conn:
        rows = conn.execute("SELECT number, state FROM tickets WHERE day = ?", (day,))
        return {r["number"]: r["state"] for r in rows}


def test_the_first_write_of_a_new_day_closes_the_day_before(
    store: Store, clock: SteppingClock
) -> None:
    left = yesterday_left_open(store, clock)
    seq = store.last_seq()
    clock.now = MIDNIGHT.replace(hour=22)  # 06:00 the next morning
    first = issue_ticket(store, "wk", "triage-li", name="庚七")
    assert (first.number, first.day) == ("C001", "2026-11-24")  # numbers restart
    assert states(store, "2026-11-23") == {
        "A001": "done",  # in the room at the close: the visit ended with the day
        "A002": "no_show",
        "A003": "done",
        "A004": "not_seen",
        "A005": "not_seen",
        "A006": "not_seen",
    }
    events = store.events_since(seq)
    closed = [e for e in events if e.type is EventType.CLOSED]
    assert {e.ticket: e.payload["was"] for e in closed} == {
        **left,
        "A005": "waiting",
        "A006": "waiting",
    }
    assert all((e.actor, e.reason) == ("system", "the day ended") for e in closed)
    [summary] = [e for e in events if e.type is EventType.DAY_CLOSED]
    assert (summary.payload["closed_day"], summary.payload["not_seen"]) == ("2026-11-23", 3)
    assert (summary.payload["no_show"], summary.payload["ended"]) == (1, 2)
    assert events[-1].type is EventType.ISSUE  # the morning's own command comes after the close
    with store.read() as conn:
        assert (
            conn.execute("SELECT current_ticket FROM desks WHERE id = 'nk1'").fetchone()[0] is None
        )
        assert replay(store.events_since(0)) == current_tables(conn)


def test_nobody_from_yesterday_is_now_serving_before_anyone_writes(
    store: Store, clock: SteppingClock
) -> None:
    yesterday_left_open(store, clock)
    clock.now = MIDNIGHT
    board = public_board(read_board(store))
    assert board["day"] == "2026-11-24"
    assert [d["current"] for d in board["desks"]] == [None] * len(board["desks"])
    assert all(q["waiting"] == 0 and not q["missed"] and not q["away"] for q in board["queues"])


def test_the_first_call_of_the_morning_ends_no_visit_of_yesterday(
    store: Store, clock: SteppingClock
) -> None:
    yesterday_left_open(store, clock)
    seq = store.last_seq()
    clock.now = MIDNIGHT.replace(hour=23, minute=30)  # 07:30
    issue_ticket(store, "nk-pt", ACTOR, name="辛八")
    commands.call_next(store, "nk1", ACTOR)
    done = [e for e in store.events_since(seq) if e.type is EventType.DONE]
    assert done == []  # yesterday's patient in room 1 was ended by the close, not by this call


def test_yesterdays_tickets_cannot_be_acted_on_today(store: Store, clock: SteppingClock) -> None:
    yesterday_left_open(store, clock)
    token = store.events_since(0)  # the tickets' tokens, read before the day ends
    with store.read() as conn:
        a4 = conn.execute("SELECT token FROM tickets WHERE number = 'A004'").fetchone()[0]
    call_seq = next(e.seq for e in token if e.type is EventType.CALL)
    clock.now = MIDNIGHT.replace(hour=23)
    with pytest.raises(TicketNotFound):
        commands.cancel(store, "A004", "left", ACTOR)
    with pytest.raises(TicketNotFound):
        commands.come_back(store, "A003", ACTOR)
    with pytest.raises(InvalidState):
        feedback.record_presence(store, a4, "here")  # its day closed first: it is not_seen
    with pytest.raises(QueueError, match="closed day"):
        feedback.record_receipt(store, call_seq, "hall")


def test_close_day_by_hand_closes_today_once_and_refuses_new_tickets(
    store: Store, clock: SteppingClock
) -> None:
    yesterday_left_open(store, clock)
    [count] = close_day(store, "admin")
    assert (count.day, count.not_seen, count.no_show, count.ended) == ("2026-11-23", 3, 1, 2)
    seq = store.last_seq()
    assert close_day(store, "admin") == []
    assert store.last_seq() == seq  # idempotent: nothing appended
    with pytest.raises(QueueClosed):
        issue_ticket(store, "nk-pt", ACTOR, name="壬九")
    with pytest.raises(DayNotClosable):
        close_day(store, "admin", day="2026-11-25")
    clock.now = MIDNIGHT.replace(hour=22)
    assert issue_ticket(store, "nk-pt", ACTOR).number == "A001"  # the next day is open


def test_closing_leaves_the_tables_the_log_rebuilds(store: Store, clock: SteppingClock) -> None:
    yesterday_left_open(store, clock)
    close_day(store, "admin")
    with store.read() as conn:
        assert replay(store.events_since(0)) == current_tables(conn)
        closed = conn.execute("SELECT closed_at FROM days WHERE day = '2026-11-23'").fetchone()
    assert closed is not None
    assert states(store, "2026-11-23")["A006"] == TicketState.NOT_SEEN.value
