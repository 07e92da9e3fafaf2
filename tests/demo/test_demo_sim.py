"""`make demo SIMULATE=1`: the simulated clinic around the person's desk."""

from __future__ import annotations

from datetime import UTC, datetime, time

from clinic_queue.demo_sim import demo_plan, shape_from
from queue_core import commands
from queue_core.registration import issue_ticket
from queue_core.simulation.engine import play
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock

TEN_TEN = datetime(2026, 11, 23, 2, 10, tzinfo=UTC)  # 10:10 in the sample clinic


def test_the_demo_clinic_opened_an_hour_ago_on_a_slot_boundary() -> None:
    shape = shape_from(datetime(2026, 11, 23, 10, 10))
    assert shape.sessions == ((time(9, 0), time(12, 0)), (time(12, 30), time(15, 30)))
    late = shape_from(datetime(2026, 11, 23, 22, 50))
    assert late.sessions == ((time(21, 30), time(23, 30)), (time(23, 30), time(23, 30)))


def test_every_desk_but_the_persons_is_simulated_beside_the_persons_own_calls(
    store: Store, clock: SteppingClock
) -> None:
    clock.now = TEN_TEN
    plan = demo_plan(store, "nk1", clock.now)
    assert {d.desk for d in plan.desks} == {"nk2", "nk-zj", "wk1", "wk2"}
    # The person at nk1 calls a walk-in of their own first: the simulation's line is shared.
    issue_ticket(store, "nk-pt", ACTOR, now=clock.now)
    commands.call_next(store, "nk1", ACTOR, now=clock.now)
    played = play(store, plan, until=3 * 3600.0, shared=True)
    calls = store.events_matching(0, type="call")
    assert {e.desk for e in calls} == {"nk1", "nk2", "nk-zj", "wk1", "wk2"}
    assert [e.desk for e in calls].count("nk1") == 1
    assert played.commands > 100
