"""What screens and phones send back is recorded in the log, where the desks can see it."""

from __future__ import annotations

from display_server.server import DisplayServer
from queue_core import commands
from queue_core.feedback import receipts_for
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR
from tests.server.conftest import caught_up, open_feed


async def test_ack_is_recorded_once_per_screen(store: Store, server: DisplayServer) -> None:
    issue_ticket(store, "wk", ACTOR, name="周八")
    hall = await open_feed(server, "/ws/display?screen=hall&since=")
    door = await open_feed(server, "/ws/display?since=")
    await hall.until_type("snapshot")
    await door.until_type("snapshot")
    commands.call_next(store, "wk1", ACTOR)
    call = await hall.until_type("call")
    await door.until_type("call")
    await hall.send({"type": "ack", "seq": call["seq"]})
    await hall.send({"type": "ack", "seq": call["seq"]})
    await door.send({"type": "ack", "seq": call["seq"], "screen": "wk-door"})
    for feed in (hall, door):
        # Each connection handles its messages in order: the pong comes after its acks.
        await feed.send({"type": "ping"})
        await feed.until_type("pong")
    assert receipts_for(store, call["seq"]) == 2
    announced = [e for e in store.events_since(call["seq"]) if e.type == "announced"]
    assert sorted(e.payload["screen"] for e in announced) == ["hall", "wk-door"]
    assert all(m["type"] != "announced" for m in hall.messages)


async def test_ack_of_something_else_than_a_call_is_refused(
    store: Store, server: DisplayServer
) -> None:
    issue = issue_ticket(store, "wk", ACTOR, name="周八")
    display = await open_feed(server, "/ws/display?since=")
    await display.until_type("snapshot")
    issue_seq = next(e.seq for e in store.events_since(0) if e.ticket == issue.number)
    await display.send({"type": "ack", "seq": issue_seq, "screen": "hall"})
    refused = await display.until_type("error")
    assert refused["code"] == "refused"
    assert receipts_for(store, issue_seq) == 0


async def test_presence_becomes_an_event_and_reaches_the_phone(
    store: Store, server: DisplayServer
) -> None:
    ticket = issue_ticket(store, "nk-pt", ACTOR, name="吴九")
    phone = await open_feed(server, f"/ws/ticket/{ticket.token}?since=")
    other_tab = await open_feed(server, f"/ws/ticket/{ticket.token}?since=")
    await phone.until_type("ticket")
    await other_tab.until_type("ticket")
    await phone.send({"type": "presence", "status": "on_my_way"})
    echoed = await other_tab.until_type("presence")
    assert echoed["status"] == "on_my_way"
    event = next(e for e in store.events_since(echoed["seq"] - 1))
    assert (event.type, event.ticket, event.payload["status"]) == (
        "presence",
        ticket.number,
        "on_my_way",
    )
    await phone.send({"type": "presence", "status": "teleported"})
    assert (await phone.until_type("error"))["code"] == "bad_status"


async def test_presence_on_a_finished_ticket_is_refused(
    store: Store, server: DisplayServer
) -> None:
    ticket = issue_ticket(store, "nk-pt", ACTOR, name="吴九")
    commands.call_next(store, "nk1", ACTOR)
    commands.finish(store, "nk1", ACTOR)
    await caught_up(server, store)
    phone = await open_feed(server, f"/ws/ticket/{ticket.token}?since=")
    assert (await phone.next())["state"] == "done"
    await phone.send({"type": "presence", "status": "here"})
    assert (await phone.until_type("error"))["code"] == "refused"
