"""What screens and phones send back is recorded in the log, where the desks can see it."""

from __future__ import annotations

from display_server.client_writes import RATE_LIMITED
from display_server.limits import ADDRESS_WRITE_BURST, WRITE_BURST
from display_server.server import DisplayServer
from queue_core import commands
from queue_core.feedback import receipts_for
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, HALL_KEY
from tests.server.conftest import Feed, caught_up, open_feed

DOOR_KEY = "sample-wk1-door-key-change-me"


async def settled(*feeds: Feed) -> None:
    """Each connection handles its messages in order: a pong comes after what was sent before."""
    for feed in feeds:
        await feed.send({"type": "ping"})
        await feed.until_type("pong")


async def test_ack_is_recorded_once_per_registered_screen(
    store: Store, server: DisplayServer
) -> None:
    issue_ticket(store, "wk", ACTOR, name="周八")
    hall = await open_feed(server, f"/ws/display?key={HALL_KEY}&since=")
    door = await open_feed(server, f"/ws/display?key={DOOR_KEY}&screen=liar&since=")
    for feed in (hall, door):
        await feed.until_type("snapshot")
    commands.call_next(store, "wk1", ACTOR)
    call = await hall.until_type("call")
    await door.until_type("call")
    await hall.send({"type": "ack", "seq": call["seq"]})
    await hall.send({"type": "ack", "seq": call["seq"]})
    await door.send({"type": "ack", "seq": call["seq"], "screen": "wk-door"})
    await settled(hall, door)
    assert receipts_for(store, call["seq"]) == 2
    announced = [e for e in store.events_since(call["seq"]) if e.type == "announced"]
    # The screen's id from the configuration, never the name the client sent.
    assert sorted(e.payload["screen"] for e in announced) == ["hall", "wk1-door"]
    assert sorted(e.actor for e in announced) == ["screen:hall", "screen:wk1-door"]
    assert all(m["type"] not in ("announced", "error") for m in hall.messages + door.messages)


async def test_unregistered_pages_watch_but_their_acks_do_not_count(
    store: Store, server: DisplayServer
) -> None:
    issue_ticket(store, "nk-pt", ACTOR, name="周八")
    pages = [
        await open_feed(server, f"/ws/display?screen=tv-{i}&key=guess-{i:012d}&since=")
        for i in range(18)
    ]
    pages.append(await open_feed(server, "/ws/display?since="))
    for page in pages:
        await page.until_type("snapshot")
    commands.call_next(store, "nk1", ACTOR)
    for i, page in enumerate(pages):
        call = await page.until_type("call")
        await page.send({"type": "ack", "seq": call["seq"], "screen": f"screen-{i}"})
        refused = await page.until_type("error")
        assert refused["code"] == "not_registered"
    assert receipts_for(store, call["seq"]) == 0
    assert not [e for e in store.events_since(0) if e.type == "announced"]


async def test_acks_outside_a_screen_or_its_moment_are_refused(
    store: Store, server: DisplayServer
) -> None:
    for queue in ("nk-pt", "nk-pt", "wk"):
        issue_ticket(store, queue, ACTOR, name="周八")
    door = await open_feed(server, f"/ws/display?key={DOOR_KEY}&since=")
    await door.until_type("snapshot")
    commands.call_next(store, "nk1", ACTOR)  # not shown at surgery room 1's door
    other_desk = store.last_seq()
    commands.call_next(store, "wk1", ACTOR)
    first = store.last_seq()
    commands.recall(store, "wk1", ACTOR)
    for seq in (other_desk, first, 10**9):
        await door.send({"type": "ack", "seq": seq})
        refused = await door.until_type("error")
        assert refused["code"] == "refused", refused
    await settled(door)
    assert not [e for e in store.events_since(0) if e.type == "announced"]


async def test_writes_are_limited_per_connection_and_per_address(
    store: Store, server: DisplayServer
) -> None:
    tickets = [issue_ticket(store, "nk-pt", ACTOR, name="周八") for _ in range(6)]
    phones = [await open_feed(server, f"/ws/ticket/{t.token}?since=") for t in tickets]
    for phone in phones:
        await phone.until_type("ticket")
    for phone in phones:
        await phone.send({"type": "presence", "status": "on_my_way"})
    await settled(*phones)
    # Within the message rate (the connection stays open), beyond the write budgets.
    for phone in phones:
        for _ in range(WRITE_BURST + 2):
            await phone.send({"type": "presence", "status": "here"})
    await settled(*phones)
    limited = [sum(m == RATE_LIMITED for m in phone.messages) for phone in phones]
    assert all(count >= 1 for count in limited), limited
    # Six pages of one address share its budget (a few seconds of refill aside), where their
    # own budgets alone would have let all but 3 of each through.
    sent = len(phones) * (WRITE_BURST + 2)
    assert sum(limited) >= sent - ADDRESS_WRITE_BURST - 10 > 3 * len(phones), limited
    events = [e for e in store.events_since(0) if e.type == "presence"]
    assert [e.payload["status"] for e in events] == ["on_my_way"] * len(phones)


async def test_ack_of_something_else_than_a_call_is_refused(
    store: Store, server: DisplayServer
) -> None:
    issue = issue_ticket(store, "wk", ACTOR, name="周八")
    display = await open_feed(server, f"/ws/display?key={HALL_KEY}&since=")
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


async def test_a_registered_screen_shows_its_configured_filter_not_its_urls(
    store: Store, server: DisplayServer
) -> None:
    door = await open_feed(server, f"/ws/display?key={DOOR_KEY}&desks=nk1,nk2&since=")
    viewer = await open_feed(server, "/ws/display?desks=nk1,nk2&since=")
    door_board = (await door.until_type("snapshot"))["board"]
    viewer_board = (await viewer.until_type("snapshot"))["board"]
    assert [d["id"] for d in door_board["desks"]] == ["wk1"]
    assert sorted(d["id"] for d in viewer_board["desks"]) == ["nk1", "nk2"]


async def test_one_link_on_many_connections_writes_one_presence(
    store: Store, server: DisplayServer
) -> None:
    ticket = issue_ticket(store, "nk-pt", ACTOR, name="吴九")
    tabs = [await open_feed(server, f"/ws/ticket/{ticket.token}?since=") for _ in range(20)]
    for tab in tabs:
        await tab.until_type("ticket")
    for tab in tabs:
        for status in ("on_my_way", "here", "on_my_way", "here"):
            await tab.send({"type": "presence", "status": status})
    for tab in tabs:
        # The echo comes from the log's tail, not from the tab's own turn: wait for it.
        await tab.until_type("presence")
    await settled(*tabs)
    events = [e for e in store.events_since(0) if e.type == "presence"]
    assert len(events) == 1
    assert all(sum(m["type"] == "presence" for m in tab.messages) == 1 for tab in tabs)
    resumed = await open_feed(server, f"/ws/ticket/{ticket.token}?since=0")
    await settled(resumed)
    assert sum(m["type"] == "presence" for m in resumed.messages) == 1
