"""What a phone is told about the rooms serving its queue, where to go, and its estimate."""

from __future__ import annotations

import pytest

from display_server.server import DisplayServer
from queue_core import commands
from queue_core.config import ClinicConfig, parse_config
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SAMPLE_CONFIG, SteppingClock
from tests.server.conftest import Feed, caught_up, open_feed


async def _pos_with(phone: Feed, ahead: int) -> dict[str, object]:
    pos = await phone.until_type("pos")
    while pos["ahead"] != ahead:
        pos = await phone.until_type("pos")
    return pos


async def test_a_phone_is_told_the_last_call_of_every_room_serving_its_queue(
    store: Store, server: DisplayServer
) -> None:
    line = [issue_ticket(store, "nk-pt", ACTOR, name=f"患者{i}") for i in range(6)]
    await caught_up(server, store)
    phone = await open_feed(server, f"/ws/ticket/{line[5].token}?since=")
    assert (await phone.next())["calls"] == []
    commands.call_next(store, "nk1", ACTOR)
    commands.call_next(store, "nk2", ACTOR)
    commands.finish(store, "nk2", ACTOR)  # room 2's patient is out: its call still stands
    commands.call_next(store, "nk-zj", ACTOR)
    pos = await _pos_with(phone, 2)
    assert pos["calls"] == [["1", line[0].number], ["2", line[1].number], ["3", line[2].number]]
    assert len(phone.frames[-1].encode()) <= 165


async def test_a_missed_patient_is_told_no_room_and_one_called_again_the_new_one(
    store: Store, server: DisplayServer
) -> None:
    mine = issue_ticket(store, "wk", ACTOR, name="甲一")
    phone = await open_feed(server, f"/ws/ticket/{mine.token}?since=")
    await phone.until_type("ticket")
    commands.call_next(store, "wk1", ACTOR)
    assert (await phone.until_type("called"))["room"] == "5"
    commands.skip(store, "wk1", ACTOR)
    missed = await phone.until_type("state")
    assert (missed["state"], missed["room"]) == ("missed", None)
    commands.requeue(store, mine.number, ACTOR)
    back = await phone.until_type("state")
    assert (back["state"], back["room"]) == ("waiting", None)


async def test_without_a_finished_visit_the_phone_is_told_why_there_is_no_estimate(
    store: Store, server: DisplayServer
) -> None:
    issue_ticket(store, "wk", ACTOR, name="甲一")
    mine = issue_ticket(store, "wk", ACTOR, name="乙二")
    await caught_up(server, store)
    phone = await open_feed(server, f"/ws/ticket/{mine.token}?since=")
    first = await phone.next()
    assert (first["eta"], first["no_eta"]) == (None, "first_visit")
    commands.pause(store, "wk1", ACTOR)
    commands.pause(store, "wk2", ACTOR)
    paused = await phone.until_type("pos")
    assert (paused["eta"], paused["no_eta"], paused["why"]) == (None, "paused", "paused")


class TestATypicalVisit:
    @pytest.fixture
    def sample_config(self) -> ClinicConfig:
        """The sample clinic whose surgery queue says a visit usually takes 8 minutes."""
        text = SAMPLE_CONFIG.read_text(encoding="utf-8")
        return parse_config(text.replace('prefix = "C"', 'prefix = "C"\ntypical_visit_minutes = 8'))

    async def test_stands_in_for_the_median_until_the_first_visit_finishes(
        self, store: Store, clock: SteppingClock, server: DisplayServer
    ) -> None:
        line = [issue_ticket(store, "wk", ACTOR, name=f"患者{i}") for i in range(5)]
        await caught_up(server, store)
        phone = await open_feed(server, f"/ws/ticket/{line[4].token}?since=")
        first = await phone.next()
        # 4 × 8 / 2 = 16 minutes, ± the typical visit's wide spread
        assert (first["ahead"], first["eta"], first["no_eta"]) == (4, [5, 25], None)
        commands.call_next(store, "wk1", ACTOR)
        assert (await _pos_with(phone, 3))["eta"] == [5, 25]  # called at 16 again
        clock.advance(minutes=20)
        commands.finish(store, "wk1", ACTOR)  # today's first visit, 20 minutes: wk1's mean 11
        pos = await phone.until_type("pos")
        assert (pos["eta"], pos["why"]) == ([0, 20], "progress")  # wk1 calls it at 11
