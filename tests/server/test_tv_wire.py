"""What the waiting-room TV gets on the wire: a call it can say aloud, the clinic's time zone,
and the doctor of each room for the screen at its door."""

from __future__ import annotations

from display_server.server import DisplayServer
from queue_core import commands
from queue_core.masking import STAR
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock
from tests.server.conftest import open_feed


async def test_the_spoken_call_is_number_and_room_without_any_mask(
    store: Store, clock: SteppingClock, server: DisplayServer
) -> None:
    for name in ("王", "张三丰", "John Smith"):
        issue_ticket(store, "nk-pt", ACTOR, name=name)
        clock.advance(minutes=1)
    display = await open_feed(server, "/ws/display?since=")
    await display.until_type("snapshot")
    calls = []
    for _ in range(3):
        commands.call_next(store, "nk1", ACTOR)
        calls.append(await display.until_type("call"))
    commands.recall(store, "nk1", ACTOR)
    calls.append(await display.until_type("call"))
    for call in calls:
        assert call["text"] == {
            "zh": f"请 {call['ticket']} 号 到 1 诊室就诊",
            "en": f"Number {call['ticket']}, please go to room 1",
        }
    assert [c["name"] for c in calls[:3]] == [STAR, "张*丰", "J* S*"]


async def test_the_snapshot_carries_the_clinics_time_zone(
    store: Store, server: DisplayServer
) -> None:
    display = await open_feed(server, "/ws/display?since=")
    snapshot = await display.until_type("snapshot")
    assert (snapshot["timezone"], snapshot["utc_offset"]) == ("Asia/Shanghai", 480)


async def test_each_desk_on_the_board_names_its_doctor_and_title(
    store: Store, server: DisplayServer
) -> None:
    display = await open_feed(server, "/ws/display?desks=nk-zj,nk1&since=")
    snapshot = await display.until_type("snapshot")
    doctors = {d["id"]: (d["doctor"], d["title"]) for d in snapshot["board"]["desks"]}
    assert doctors == {"nk1": ("", ""), "nk-zj": ("王建国", "主任医师")}
