"""`call_next` reads only the head of the line; it must still call exactly who the full order says.

The short read grows when tickets pinned to other desks hide the head, or when a second queue
of a multi-queue desk could merge ahead; each case is checked against the whole pure order.
"""

from __future__ import annotations

import pytest

from queue_core import commands
from queue_core.line import read_board
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock


def expected_head(store: Store, desk: str) -> str:
    view = read_board(store).desk(desk)
    assert view is not None and view.line
    return view.line[0].ticket.number


@pytest.mark.parametrize("hidden", [1, 3, 4, 5, 17, 70])
def test_head_behind_many_tickets_pinned_elsewhere(
    store: Store, clock: SteppingClock, hidden: int
) -> None:
    for i in range(hidden):
        priority = "elderly" if i % 7 == 6 else None
        issue_ticket(store, "nk-pt", ACTOR, desk="nk2", priority=priority)
        clock.advance(minutes=1)
    mine = issue_ticket(store, "nk-pt", ACTOR).number
    clock.advance(minutes=1)
    issue_ticket(store, "nk-pt", ACTOR, desk="nk2")
    assert expected_head(store, "nk1") == mine
    assert commands.call_next(store, "nk1", ACTOR).number == mine


def test_multi_queue_desk_calls_the_earlier_of_both_queues(
    store: Store, clock: SteppingClock
) -> None:
    for i in range(40):
        queue = "nk-zj" if i % 3 == 0 else "nk-pt"
        desk = "nk1" if queue == "nk-pt" and i % 4 == 1 else None
        priority = "emergency" if i == 33 else ("elderly" if i % 9 == 8 else None)
        issue_ticket(store, queue, ACTOR, desk=desk, priority=priority)
        clock.advance(minutes=1)
    for _ in range(30):
        want = expected_head(store, "nk-zj")
        assert commands.call_next(store, "nk-zj", ACTOR).number == want
