"""A desk action through the core reaches TV pages and the patient's phone, filtered and masked."""

from __future__ import annotations

from display_server.server import DisplayServer
from queue_core import commands
from queue_core.registration import issue_ticket, set_priority
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock
from tests.pg import on_both_stores
from tests.server.conftest import caught_up, open_feed


@on_both_stores
async def test_call_reaches_display_and_phone(
    store: Store, clock: SteppingClock, server: DisplayServer
) -> None:
    first = issue_ticket(store, "nk-pt", ACTOR, name="张三丰")
    clock.advance(minutes=1)
    second = issue_ticket(store, "nk-pt", ACTOR, name="李四")
    await caught_up(server, store)
    display = await open_feed(server, "/ws/display?since=")
    phone = await open_feed(server, f"/ws/ticket/{second.token}?since=")
    snapshot = await display.next()
    assert snapshot["type"] == "snapshot"
    queue = next(q for q in snapshot["board"]["queues"] if q["id"] == "nk-pt")
    assert [t["ticket"] for t in queue["next"]] == [first.number, second.number]
    ticket = await phone.next()
    assert (ticket["type"], ticket["number"], ticket["ahead"]) == ("ticket", second.number, 1)

    commands.call_next(store, "nk2", ACTOR)

    call = await display.until_type("call")
    assert call["ticket"] == first.number
    assert call["name"] == "张*丰"
    assert call["room"] == "2"
    assert call["text"]["zh"] == f"请 {first.number} 号 到 2 诊室就诊"
    assert call["text"]["en"] == f"Number {first.number}, please go to room 2"
    assert call["repeats"] == store.config.announce_repeats
    board = await display.until_type("board")
    assert board["seq"] >= call["seq"]
    nk2 = next(d for d in board["board"]["desks"] if d["id"] == "nk2")
    assert nk2["current"] == {"ticket": first.number, "name": "张*丰", "recall": 0}
    pos = await phone.until_type("pos")
    assert (pos["ahead"], pos["now"], pos["why"]) == (0, first.number, "called")
    assert pos["calls"] == [["2", first.number]]
    assert len(phone.frames[-1].encode()) <= 140


@on_both_stores
async def test_called_patient_gets_room_and_alert(store: Store, server: DisplayServer) -> None:
    ticket = issue_ticket(store, "wk", ACTOR, name="王五")
    phone = await open_feed(server, f"/ws/ticket/{ticket.token}?since=")
    await phone.until_type("ticket")
    commands.call_next(store, "wk1", ACTOR)
    called = await phone.until_type("called")
    assert (called["room"], called["desk"], called["recall"]) == ("5", "wk1", 0)
    assert (await phone.next())["kind"] == "called"
    commands.recall(store, "wk1", ACTOR)
    again = await phone.until_type("called")
    assert again["recall"] == 1
    commands.skip(store, "wk1", ACTOR)
    missed = await phone.until_type("state")
    assert (missed["state"], missed["why"]) == ("missed", "skip")


async def test_soon_alert_when_few_enough_are_ahead(
    store: Store, clock: SteppingClock, server: DisplayServer
) -> None:
    alert_ahead = store.config.alert_ahead
    tickets = []
    for i in range(alert_ahead + 2):
        tickets.append(issue_ticket(store, "wk", ACTOR, name=f"患者{i}号"))
        clock.advance(minutes=1)
    last = tickets[-1]
    await caught_up(server, store)
    phone = await open_feed(server, f"/ws/ticket/{last.token}?since=")
    assert (await phone.next())["ahead"] == alert_ahead + 1
    commands.call_next(store, "wk1", ACTOR)
    alert = await phone.until_type("alert")
    assert alert["kind"] == "soon"
    pos = await phone.until_type("pos")
    assert pos["ahead"] == alert_ahead


async def test_priority_patient_ahead_is_the_reason_shown(
    store: Store, clock: SteppingClock, server: DisplayServer
) -> None:
    waiting = issue_ticket(store, "wk", ACTOR, name="赵六")
    clock.advance(minutes=1)
    later = issue_ticket(store, "wk", ACTOR, name="孙七")
    await caught_up(server, store)
    phone = await open_feed(server, f"/ws/ticket/{waiting.token}?since=")
    assert (await phone.next())["ahead"] == 0
    set_priority(store, later.number, "elderly", ACTOR)
    pos = await phone.until_type("pos")
    assert (pos["ahead"], pos["why"]) == (1, "priority")


async def test_screen_filtered_by_desk_sees_only_its_desk(
    store: Store, clock: SteppingClock, server: DisplayServer
) -> None:
    surgery = issue_ticket(store, "wk", ACTOR, name="周八")
    medicine = issue_ticket(store, "nk-pt", ACTOR, name="吴九")
    await caught_up(server, store)
    door = await open_feed(server, "/ws/display?desks=wk1&since=")
    snapshot = await door.next()
    assert [d["id"] for d in snapshot["board"]["desks"]] == ["wk1"]
    assert [q["id"] for q in snapshot["board"]["queues"]] == ["wk"]
    commands.call_next(store, "nk1", ACTOR)
    commands.call_next(store, "wk1", ACTOR)
    call = await door.until_type("call")
    assert call["ticket"] == surgery.number
    assert all(m.get("ticket") != medicine.number for m in door.messages)


async def test_pause_and_resume_reach_the_screen(store: Store, server: DisplayServer) -> None:
    display = await open_feed(server, "/ws/display?department=外科&since=")
    await display.until_type("snapshot")
    commands.pause(store, "wk2", ACTOR, reason="lunch")
    assert (await display.until_type("pause"))["desk"] == "wk2"
    board = await display.until_type("board")
    assert next(d for d in board["board"]["desks"] if d["id"] == "wk2")["paused"] is True
    commands.resume(store, "wk2", ACTOR)
    assert (await display.until_type("resume"))["desk"] == "wk2"
