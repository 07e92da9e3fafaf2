"""A desk taking back its mistake reaches the corrected ticket's phone, on the wire: the state
it is back in and why, then its place when it is back in the line."""

from __future__ import annotations

from display_server.server import DisplayServer
from queue_core import commands, corrections
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock
from tests.server.conftest import open_feed


async def test_an_uncancelled_ticket_s_phone_is_told_it_waits_again_at_its_place(
    store: Store, clock: SteppingClock, server: DisplayServer
) -> None:
    issue_ticket(store, "nk-pt", ACTOR, name="张三丰")
    clock.advance(minutes=1)
    ticket = issue_ticket(store, "nk-pt", ACTOR, name="李四")
    phone = await open_feed(server, f"/ws/ticket/{ticket.token}?since=")
    assert (await phone.until_type("ticket"))["ahead"] == 1
    commands.cancel(store, ticket.number, "走了", ACTOR)
    cancelled = await phone.until_type("state")
    assert (cancelled["state"], cancelled["why"]) == ("cancelled", "cancel")
    corrections.uncancel(store, ticket.number, "取消错了", ACTOR)
    back = await phone.until_type("state")
    assert (back["state"], back["why"]) == ("waiting", "uncancel")
    place = await phone.until_type("pos")
    assert (place["ahead"], place["why"]) == (1, "corrected")


async def test_a_reopened_visit_s_phone_is_told_it_is_called_again(
    store: Store, server: DisplayServer
) -> None:
    ticket = issue_ticket(store, "wk", ACTOR, name="王五")
    phone = await open_feed(server, f"/ws/ticket/{ticket.token}?since=")
    await phone.until_type("ticket")
    commands.call_next(store, "wk1", ACTOR)
    commands.finish(store, "wk1", ACTOR)
    done = await phone.until_type("state")
    assert (done["state"], done["why"]) == ("done", "done")
    corrections.reopen(store, "wk1", "按错", ACTOR)
    again = await phone.until_type("state")
    assert (again["state"], again["why"]) == ("called", "reopen")


async def test_an_undone_send_for_tests_tells_the_phone_it_is_back_in_the_room(
    store: Store, server: DisplayServer
) -> None:
    ticket = issue_ticket(store, "wk", ACTOR, name="王五")
    phone = await open_feed(server, f"/ws/ticket/{ticket.token}?since=")
    await phone.until_type("ticket")
    commands.call_next(store, "wk1", ACTOR)
    commands.send_away(store, "wk1", ACTOR)
    assert (await phone.until_type("state"))["state"] == "away"
    corrections.undo_away(store, ticket.number, "没去", ACTOR)
    back = await phone.until_type("state")
    assert (back["state"], back["why"]) == ("called", "undo_away")
