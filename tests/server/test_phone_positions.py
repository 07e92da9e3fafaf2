"""What a waiting phone is told about its place and estimate, and what it is spared."""

from __future__ import annotations

from display_server import protocol
from display_server.protocol import encode
from display_server.server import DisplayServer
from queue_core import commands
from queue_core.patient import PatientView
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock
from tests.server.conftest import caught_up, open_feed


async def test_an_estimate_nudged_by_a_minute_waits_but_a_paused_desk_is_told(
    store: Store, clock: SteppingClock, server: DisplayServer
) -> None:
    tickets = []
    for name in ["甲一", "乙二", "丙三", "丁四", "戊五", "己六"]:
        tickets.append(issue_ticket(store, "wk", ACTOR, name=name))
        clock.advance(minutes=1)
    commands.call_next(store, "wk1", ACTOR)
    commands.call_next(store, "wk2", ACTOR)
    await caught_up(server, store)
    phone = await open_feed(server, f"/ws/ticket/{tickets[-1].token}?since=")
    assert (await phone.next())["ahead"] == 3
    clock.advance(minutes=10)
    commands.finish(store, "wk1", ACTOR)  # the first visit: 10 minutes, shared by two desks
    first = await phone.until_type("pos")
    assert (first["ahead"], first["eta"], first["why"]) == (3, 15, "progress")
    clock.advance(minutes=1)
    commands.finish(store, "wk2", ACTOR)  # median 10.5: 16 minutes, one more than shown
    commands.pause(store, "wk1", ACTOR)  # one desk left: 32 minutes
    paused = await phone.until_type("pos")
    assert (paused["ahead"], paused["eta"], paused["why"]) == (3, 32, "paused")


def test_a_position_written_directly_is_the_encoded_message() -> None:
    for ahead, now, eta, why in [(0, None, None, "resume"), (12, "A012", 35, "called")]:
        view = PatientView("A020", "waiting", "nk-pt", ahead, now, eta, None, None, 0)
        expected = encode(protocol.pos_message(view, 42, why)).encode()
        assert protocol.pos_text(42, ahead, now, eta, why) == expected
