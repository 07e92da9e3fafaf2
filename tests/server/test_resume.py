"""Resume: a screen or phone that lost its connection gets everything it missed, exactly once."""

from __future__ import annotations

import json

from websockets.asyncio.client import connect

from display_server.server import DisplayServer, serve
from queue_core import commands
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock
from tests.pg import on_both_stores
from tests.server.conftest import Feed, Message, caught_up, open_feed, ws_url

EVENT_TYPES = {"call", "skip", "requeue", "done", "transfer", "pause", "resume"}


def events_of(messages: list[Message]) -> list[tuple[int, str]]:
    return [(m["seq"], m["type"]) for m in messages if m["type"] in EVENT_TYPES]


@on_both_stores
async def test_display_resume_misses_nothing_and_repeats_nothing(
    store: Store, clock: SteppingClock, server: DisplayServer
) -> None:
    for name in ["张三丰", "李四", "王五", "赵六"]:
        issue_ticket(store, "nk-pt", ACTOR, name=name)
        clock.advance(minutes=1)
    watcher = await open_feed(server, "/ws/display?since=")
    dropped = await open_feed(server, "/ws/display?since=")
    await watcher.until_type("snapshot")
    await dropped.until_type("snapshot")
    commands.call_next(store, "nk1", ACTOR)
    last = (await dropped.until_type("call"))["seq"]
    dropped.ws.transport.abort()

    commands.recall(store, "nk1", ACTOR)
    commands.skip(store, "nk1", ACTOR)
    commands.call_next(store, "nk2", ACTOR)
    missed = commands.call_next(store, "nk1", ACTOR)
    commands.pause(store, "nk2", ACTOR)
    final = await watcher.until(lambda m: m["type"] == "pause")

    expected = [e for e in events_of(watcher.messages) if e[0] > last]
    resumed = await open_feed(server, f"/ws/display?since={last}")
    replay = [await resumed.next() for _ in expected]
    assert events_of(replay) == expected
    assert len(set(events_of(replay))) == len(replay)
    board = await resumed.until(lambda m: m["type"] == "board" and m["seq"] >= final["seq"])
    nk1 = next(d for d in board["board"]["desks"] if d["id"] == "nk1")
    assert nk1["current"]["ticket"] == missed.number
    commands.resume(store, "nk2", ACTOR)
    live = await resumed.until(lambda m: m["type"] in EVENT_TYPES)
    assert (live["type"], live["seq"]) == ("resume", final["seq"] + 1)


async def test_hello_as_first_message_resumes_like_since(
    store: Store, server: DisplayServer
) -> None:
    issue_ticket(store, "wk", ACTOR, name="周八")
    await caught_up(server, store)
    seq = server.hub.seq
    commands.call_next(store, "wk1", ACTOR)
    async with connect(ws_url(server, "/ws/display")) as ws:
        await ws.send(json.dumps({"type": "hello", "since": seq}))
        feed = Feed(ws)
        call = await feed.until_type("call")
        assert call["seq"] == seq + 1
        assert "snapshot" not in [m["type"] for m in feed.messages]


async def test_too_old_since_gets_a_fresh_snapshot(store: Store, clock: SteppingClock) -> None:
    async with serve(store, "127.0.0.1", 0, journal_size=3) as app:
        oldest = app.hub.seq
        for name in ["甲一", "乙二", "丙三", "丁四"]:
            issue_ticket(store, "wk", ACTOR, name=name)
            clock.advance(minutes=1)
        for _ in range(4):
            commands.call_next(store, "wk1", ACTOR)
        watcher = await open_feed(app, "/ws/display?since=")
        await watcher.until(lambda m: m["type"] == "snapshot")
        await caught_up(app, store)
        stale = await open_feed(app, f"/ws/display?since={oldest}")
        first = await stale.next()
        assert first["type"] == "snapshot"
        assert first["seq"] == store.last_seq()
        future = await open_feed(app, f"/ws/display?since={store.last_seq() + 100}")
        assert (await future.next())["type"] == "snapshot"


@on_both_stores
async def test_phone_called_while_offline_learns_it_once(
    store: Store, clock: SteppingClock, server: DisplayServer
) -> None:
    ahead = issue_ticket(store, "wk", ACTOR, name="甲一")
    clock.advance(minutes=1)
    mine = issue_ticket(store, "wk", ACTOR, name="乙二")
    await caught_up(server, store)
    phone = await open_feed(server, f"/ws/ticket/{mine.token}?since=")
    since = (await phone.next())["seq"]
    phone.ws.transport.abort()
    commands.call_next(store, "wk1", ACTOR)
    commands.call_next(store, "wk2", ACTOR)
    await caught_up(server, store)
    back = await open_feed(server, f"/ws/ticket/{mine.token}?since={since}")
    called = await back.next()
    assert (called["type"], called["desk"], called["room"]) == ("called", "wk2", "6")
    assert (await back.next()) == {"type": "alert", "seq": called["seq"], "kind": "called"}
    await back.send({"type": "ping"})
    assert (await back.next())["type"] == "pong"
    assert [m["type"] for m in back.messages].count("called") == 1
    assert ahead.number not in json.dumps(back.messages)
