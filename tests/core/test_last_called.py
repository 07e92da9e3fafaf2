"""The number a queue called last, when two desks of that queue call in the same instant."""

from __future__ import annotations

from queue_core import commands
from queue_core.line import Line
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock


def test_simultaneous_calls_name_the_later_ticket_every_time(
    store: Store, clock: SteppingClock
) -> None:
    for name in ["张三丰", "李四", "王五"]:
        issue_ticket(store, "nk-pt", ACTOR, name=name)
        clock.advance(minutes=1)
    first = commands.call_next(store, "nk1", ACTOR)
    second = commands.call_next(store, "nk2", ACTOR)
    assert first.called_at == second.called_at
    commands.skip(store, "nk2", ACTOR)  # its row now sorts elsewhere in the queue's index
    assert Line.load(store).last_called == {"nk-pt": second.number}
