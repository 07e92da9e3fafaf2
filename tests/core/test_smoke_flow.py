"""A desk's basic cycle end to end through the core: issue, call, recall, skip, requeue, finish."""

from __future__ import annotations

import functools

from queue_core import commands
from queue_core.line import read_board
from queue_core.model import TicketState
from queue_core.registration import issue_ticket
from queue_core.replay import current_tables, replay
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock


def test_missed_patient_requeued_two_behind_head(store: Store, clock: SteppingClock) -> None:
    numbers = []
    for name in ["张三丰", "李四", "王五", "赵六", "孙七"]:
        numbers.append(issue_ticket(store, "nk-pt", ACTOR, name=name).number)
        clock.advance(minutes=1)
    called = commands.call_next(store, "nk1", ACTOR)
    assert called.number == numbers[0]
    commands.recall(store, "nk1", ACTOR)
    missed = commands.skip(store, "nk1", ACTOR)
    assert missed.state is TicketState.MISSED
    commands.requeue(store, missed.number, ACTOR)
    line = [p.ticket.number for p in read_board(store).queue("nk-pt").line]  # type: ignore[union-attr]
    assert line == [numbers[1], numbers[2], numbers[0], numbers[3], numbers[4]]
    commands.call_next(store, "nk1", ACTOR)
    finished = commands.finish(store, "nk1", ACTOR)
    assert finished.state is TicketState.DONE
    with store.read() as conn:
        assert replay(store.events_since(0)) == current_tables(conn)


def test_transfer_to_a_queue_that_shares_its_id_with_a_desk(
    store: Store, clock: SteppingClock
) -> None:
    ticket = issue_ticket(store, "nk-pt", ACTOR, name="钱七")
    to = functools.partial(commands.transfer_target, store.config)
    pinned = commands.transfer(store, ticket.number, to("nk-zj"), ACTOR)
    assert (pinned.queue, pinned.pinned_desk) == ("nk-pt", "nk-zj")  # that desk serves nk-pt too
    unpinned = commands.transfer(store, ticket.number, to("queue:nk-zj"), ACTOR)
    assert (unpinned.queue, unpinned.pinned_desk) == ("nk-zj", None)
    back = commands.transfer(store, ticket.number, to("desk:nk1"), ACTOR)
    assert (back.queue, back.pinned_desk) == ("nk-pt", "nk1")
