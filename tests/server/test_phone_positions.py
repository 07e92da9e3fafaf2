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
    # The first visit, 10 minutes: wk1 takes the next at once, wk2's patient has been in for 10
    # and is taken to need a quarter visit more, so the ticket is called at 12.5 minutes.
    commands.finish(store, "wk1", ACTOR)
    first = await phone.until_type("pos")
    assert (first["ahead"], first["eta"], first["why"]) == (3, [0, 25], "progress")
    clock.advance(minutes=1)
    commands.finish(store, "wk2", ACTOR)  # an 11-minute visit: called at 11, the same range
    commands.pause(store, "wk1", ACTOR)  # one desk left: 3 × 11 = 33 minutes, wide
    paused = await phone.until_type("pos")
    assert (paused["ahead"], paused["eta"], paused["why"]) == (3, [5, 60], "paused")


def test_a_position_written_directly_is_the_encoded_message() -> None:
    rooms = (("1", "A012"), ("2", "A011"))
    for ahead, now, calls, eta, no_eta, why in [
        (0, None, (), None, "first_visit", "resume"),
        (12, "A012", rooms, (30, 40), None, "called"),
    ]:
        view = PatientView(
            "A020", "waiting", "nk-pt", ahead, now, calls, eta, no_eta, None, None, 0
        )
        expected = encode(protocol.pos_message(view, 42, why, alert_ahead=3)).encode()
        assert protocol.pos_text(42, ahead, 1, now, calls, eta, no_eta, why) == expected


def test_far_back_the_place_is_rounded_up_and_the_number_served_left_out() -> None:
    told = {n: protocol.told_place(n, "A001", alert_ahead=3) for n in (0, 30, 31, 35, 36, 100)}
    assert told == {
        0: (0, "A001", 1),
        30: (30, "A001", 1),
        31: (35, None, 5),
        35: (35, None, 5),
        36: (40, None, 5),
        100: (100, None, 5),
    }
    assert protocol.told_place(101, "A001", 3) == (110, None, 10)
    assert protocol.told_place(347, "A001", 3) == (350, None, 10)
    assert protocol.told_place(501, "A001", 3) == (550, None, 50)
    assert protocol.told_place(5_301, "A001", 3) == (5_350, None, 50)
    assert protocol.told_place(38, "A001", alert_ahead=40) == (38, "A001", 1)
    assert protocol.told_place(None, "A001", 3) == (None, "A001", 1)


async def test_a_phone_far_back_hears_only_when_its_rounded_place_changes(
    store: Store, server: DisplayServer
) -> None:
    line = [issue_ticket(store, "wk", ACTOR, name=f"患者{i:02d}") for i in range(42)]
    far, near = line[40], line[10]
    await caught_up(server, store)
    far_phone = await open_feed(server, f"/ws/ticket/{far.token}?since=")
    near_phone = await open_feed(server, f"/ws/ticket/{near.token}?since=")
    first = await far_phone.next()
    assert (first["type"], first["ahead"], first["step"], first["now"]) == ("ticket", 40, 5, None)
    assert (await near_phone.next())["ahead"] == 10
    for called in range(1, 6):  # 40 ahead -> 35: told 40, 40, 40, 40, then 35
        commands.call_next(store, "wk1", ACTOR)
        commands.skip(store, "wk1", ACTOR)  # a no-show: no visit finishes, no estimate appears
        # The near phone, told every step, shows that each call had a round of its own.
        near_pos = await near_phone.next()
        while near_pos.get("ahead") != 10 - called:
            near_pos = await near_phone.next()
        assert (near_pos["step"], near_pos["now"]) == (1, line[called - 1].number)
    moved = await far_phone.next()  # nothing came before it: the four calls inside the step
    assert (moved["type"], moved["ahead"], moved["step"]) == ("pos", 35, 5)
    assert (moved["now"], moved["why"]) == (None, "called")
