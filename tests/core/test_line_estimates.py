"""The read model's estimates: recent days, paused desks and pinned tickets, on a real store."""

from __future__ import annotations

import pytest

from queue_core import commands
from queue_core.line import Line
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock


def _visits(store: Store, clock: SteppingClock, desk: str, minutes: float, count: int) -> None:
    for i in range(count):
        issue_ticket(store, "wk", ACTOR, name=f"患者{i}")
        commands.call_next(store, desk, ACTOR)
        clock.advance(minutes=minutes)
        commands.finish(store, desk, ACTOR)


def test_yesterdays_visits_at_the_desk_are_its_prior_today(
    store: Store, clock: SteppingClock
) -> None:
    _visits(store, clock, "wk1", 20, 5)
    clock.advance(days=1)
    line = Line.load(store)
    wk1 = line.services["wk1"]
    assert wk1 is not None and wk1.mean == pytest.approx(20)
    assert line.services["wk2"] is None  # no history, no typical visit, no visit today
    tickets = [issue_ticket(store, "wk", ACTOR, name=f"今{i}") for i in range(3)]
    line = Line.load(store)
    # wk1 plays the line at 20 minutes a visit; wk2 has no basis and takes no share.
    assert [line.estimates[t.id][0] for t in tickets] == [0, 20, 40]


def test_a_paused_desk_leaves_the_line_to_the_others(store: Store, clock: SteppingClock) -> None:
    _visits(store, clock, "wk1", 10, 1)
    _visits(store, clock, "wk2", 10, 1)
    tickets = [issue_ticket(store, "wk", ACTOR, name=f"候{i}") for i in range(4)]
    both = Line.load(store).estimates
    assert [both[t.id][0] for t in tickets] == [0, 0, 10, 10]
    commands.pause(store, "wk2", ACTOR)
    one = Line.load(store).estimates
    assert [one[t.id][0] for t in tickets] == [0, 10, 20, 30]
    commands.pause(store, "wk1", ACTOR)
    line = Line.load(store)
    assert line.estimates == {}
    view = line.view(tickets[0])
    assert (view.eta, view.no_eta) == (None, "paused")


def test_a_ticket_pinned_to_a_desk_waits_for_that_desk(store: Store, clock: SteppingClock) -> None:
    _visits(store, clock, "wk1", 10, 1)
    _visits(store, clock, "wk2", 30, 1)
    first = issue_ticket(store, "wk", ACTOR, name="甲")
    pinned = issue_ticket(store, "wk", ACTOR, name="乙", desk="wk2")
    clock.advance(minutes=1)
    commands.call_next(store, "wk2", ACTOR)  # wk2 takes 甲 (its line: 甲, then 乙)
    line = Line.load(store)
    assert line.view(first).eta is None  # called: no estimate
    # 乙 waits for wk2's 30-minute visit to end, though wk1 is free.
    assert line.estimates[pinned.id][0] == 30
    view = line.view(pinned)
    assert view.eta is not None and view.eta[0] <= 30 <= view.eta[1]


def test_a_call_past_noon_waits_out_the_configured_lunch(
    store: Store, clock: SteppingClock
) -> None:
    # The sample clinic sees patients 08:00-12:00 and 13:30-17:00; the clock starts at 09:00.
    _visits(store, clock, "wk1", 10, 1)
    commands.pause(store, "wk2", ACTOR)
    clock.advance(minutes=150)  # from 09:10 to 11:40
    tickets = [issue_ticket(store, "wk", ACTOR, name=f"午{i}") for i in range(4)]
    estimates = Line.load(store).estimates
    # wk1 alone, 10 minutes a visit: calls at 11:40, 11:50, then 13:30 and 13:40.
    assert [estimates[t.id][0] for t in tickets] == [0, 10, 110, 120]
    low, high = estimates[tickets[3].id][1:]
    assert low <= 20 and high >= 120  # the range shown spans the break


def test_a_patient_away_for_tests_is_counted_back_in_the_line(
    store: Store, clock: SteppingClock
) -> None:
    _visits(store, clock, "wk1", 10, 1)
    commands.pause(store, "wk2", ACTOR)
    tests = issue_ticket(store, "wk", ACTOR, name="检")
    line = [issue_ticket(store, "wk", ACTOR, name=f"候{i}") for i in range(3)]
    commands.call_next(store, "wk1", ACTOR)
    commands.send_away(store, "wk1", ACTOR)  # 检 goes for tests, back 1 place behind the head
    estimates = Line.load(store).estimates
    assert tests.id not in estimates and all(t > 0 for t in estimates)
    # wk1's room is empty: the head now, then 检's return visit, then the next two.
    assert [estimates[t.id][0] for t in line] == [0, 20, 30]
    number = Line.load(store).tickets[tests.id].number
    commands.come_back(store, number, ACTOR)
    back = Line.load(store).estimates
    assert [back[t.id][0] for t in line] == [0, 20, 30]  # the same, now with 检 in the line
    assert back[tests.id][0] == 10


def test_the_desks_estimates_read_before_the_lines_are_the_same(
    store: Store, clock: SteppingClock
) -> None:
    _visits(store, clock, "wk1", 10, 2)
    _visits(store, clock, "wk2", 14, 2)
    tickets = [issue_ticket(store, "wk", ACTOR, name=f"候{i}") for i in range(12)]
    pinned = issue_ticket(store, "wk", ACTOR, name="专", desk="wk2")
    first = Line.load(store)
    heads = first.desk_estimates(3)
    whole = Line.load(store).estimates
    # wk1's first three and wk2's (the pinned ticket is not among them), nobody else.
    shown = {t.id for t in tickets[:3]}
    assert heads == {t: whole[t] for t in shown} and pinned.id in whole
    assert first.estimates == whole and first.desk_estimates(3) is first.estimates
