"""The staff websocket's protocol: bad frames, retries of a key, revoked sessions, the login
limit. Real server on port 0, real websocket clients."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import pytest

from display_server.server import DisplayServer
from display_server.staff import STAFF_PATH
from queue_core import registration
from queue_core.console_view import DeskView, read_desk
from queue_core.line import Line
from queue_core.staff import add_staff, reset_password
from queue_core.store import Store
from queue_core.view_delta import applied
from tests.pg import on_both_stores
from tests.server.conftest import Feed, open_feed

HOST = "host:root"
PASSWORD = "correct horse 42"


async def _nurse(app: DisplayServer, store: Store) -> Feed:
    add_staff(store, "wang", "desk", ("nk1",), PASSWORD, HOST)
    feed = await open_feed(app, STAFF_PATH)
    await feed.send({"type": "login", "user": "wang", "password": PASSWORD, "device": "NK1-PC"})
    session = await feed.next()
    assert session["type"] == "session" and session["desks"] == ["nk1"], session
    return feed


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        "[1, 2]",
        '{"type": "shout"}',
        '{"type": "login", "user": "wang"}',
        '{"type": "login", "user": 7, "password": "x"}',
        '{"type": "command", "id": "not-a-key", "op": "recall", "args": {}}',
        '{"type": "auth", "token": "\\ud800"}',
    ],
)
async def test_a_bad_frame_is_answered_and_the_connection_keeps_serving(
    store: Store, server: DisplayServer, frame: str
) -> None:
    feed = await open_feed(server, STAFF_PATH)
    seq = store.last_seq()
    await feed.ws.send(frame)
    assert (await feed.next())["code"] == "bad_message"
    await feed.send({"type": "ping"})
    assert await feed.next() == {"type": "pong"}
    assert store.last_seq() == seq


async def test_a_bad_command_frame_is_answered_with_its_id(
    store: Store, server: DisplayServer
) -> None:
    feed = await open_feed(server, STAFF_PATH)
    await feed.send({"type": "command", "id": "k1", "op": "recall"})
    answer = await feed.next()
    assert (answer["code"], answer["id"]) == ("bad_message", "k1")


@on_both_stores
async def test_the_same_key_sent_again_returns_the_stored_answer(
    store: Store, server: DisplayServer
) -> None:
    registration.issue_ticket(store, "nk-pt", HOST)
    registration.issue_ticket(store, "nk-pt", HOST)
    feed = await _nurse(server, store)
    command = {
        "type": "command",
        "id": uuid.uuid4().hex,
        "op": "call_next",
        "args": {"desk": "nk1"},
    }
    await feed.send(command)
    first = await feed.next()
    seq = store.last_seq()
    again = await open_feed(server, STAFF_PATH)  # the answer was lost: a new connection
    await again.send({"type": "auth", "token": feed.messages[0]["token"]})
    assert (await again.next())["type"] == "session"
    await again.send(command)
    assert await again.next() == first and store.last_seq() == seq
    assert first["value"]["called"]["number"] == "A001"


async def test_a_reset_password_stops_the_next_key(store: Store, server: DisplayServer) -> None:
    feed = await _nurse(server, store)
    reset_password(store, "wang", "battery staple 9", HOST)
    seq = store.last_seq()
    await feed.send(
        {"type": "command", "id": uuid.uuid4().hex, "op": "pause", "args": {"desk": "nk1"}}
    )
    assert (await feed.next())["code"] == "unauthorized"
    assert store.last_seq() == seq


@on_both_stores
async def test_unknown_op_and_core_refusals_keep_their_codes(
    store: Store, server: DisplayServer
) -> None:
    feed = await _nurse(server, store)
    await feed.send({"type": "command", "id": uuid.uuid4().hex, "op": "fly", "args": {}})
    assert (await feed.next())["code"] == "unknown_op"
    await feed.send(
        {"type": "command", "id": uuid.uuid4().hex, "op": "call_next", "args": {"desk": "nk1"}}
    )
    answer = await feed.next()
    assert answer["ok"] is False and answer["error"]["code"] == "nobody_waiting"


async def test_a_guessing_flood_is_rate_limited_and_the_right_member_still_logs_in(
    store: Store, server: DisplayServer
) -> None:
    add_staff(store, "wang", "desk", ("nk1",), PASSWORD, HOST)
    add_staff(store, "li", "triage", (), PASSWORD, HOST)
    guesser = await open_feed(server, STAFF_PATH)
    codes = []
    for attempt in range(12):
        await guesser.send({"type": "login", "user": "wang", "password": f"guess-{attempt:04d}"})
        codes.append((await guesser.next())["code"])
    assert codes[:5] == ["login_failed"] * 5 and set(codes[5:]) <= {"login_failed", "rate_limited"}
    assert "rate_limited" in codes
    failed = [e for e in store.events_since(0) if e.type.value == "login_failed"]
    assert len(failed) == codes.count(
        "login_failed"
    )  # refused by the limit: not hashed, not logged
    other = await open_feed(server, STAFF_PATH)
    await other.send({"type": "login", "user": "li", "password": PASSWORD})
    assert (await other.next())["type"] == "session"


async def test_the_feeds_carry_nothing_of_a_login(store: Store, server: DisplayServer) -> None:
    display = await open_feed(server, "/ws/display")
    await display.send({"type": "hello", "since": store.last_seq()})
    await display.until_type("board")
    feed = await _nurse(server, store)
    await feed.send({"type": "logout"})
    assert (await feed.next())["type"] == "logout"
    await display.send({"type": "ping"})
    later = await display.until_type("pong")
    text = " ".join(display.frames)
    assert "wang" not in text and "NK1-PC" not in text and later == {"type": "pong"}


async def _followed(feed: Feed, view: DeskView, wanted: Callable[[DeskView], bool]) -> DeskView:
    """The desk view as a console holds it: the deltas taken in until `wanted` holds."""
    while not wanted(view):
        frame = await feed.until(lambda m: m["type"] in ("view", "delta"))
        if frame["type"] == "view":
            view = DeskView.from_json(frame["data"])
        else:
            assert frame["base"] == view.seq, frame
            view = applied(view, frame["seq"], frame["data"])
    return view


@on_both_stores
async def test_a_watched_desk_view_follows_each_change_that_alters_it(
    store: Store, server: DisplayServer
) -> None:
    feed = await _nurse(server, store)
    await feed.send({"type": "watch", "view": "desk", "desk": "nk1"})
    first = await feed.next()
    assert (first["type"], first["view"], first["data"]["current"]) == ("view", "desk", None)
    view = DeskView.from_json(first["data"])
    registration.issue_ticket(store, "nk-pt", HOST, name="张三丰")
    view = await _followed(feed, view, lambda v: len(v.line) == 1)
    assert [p.ticket.number for p in view.line] == ["A001"]
    await feed.send(
        {"type": "command", "id": uuid.uuid4().hex, "op": "call_next", "args": {"desk": "nk1"}}
    )
    view = await _followed(feed, view, lambda v: v.current is not None)
    assert view.current is not None and view.current.number == "A001"
    assert (view.seq, view.line) == (store.last_seq(), [])


async def test_after_the_whole_view_a_call_sends_only_what_changed(
    store: Store, server: DisplayServer
) -> None:
    for n in range(30):
        registration.issue_ticket(store, "nk-pt", HOST, name=f"病人{n}")
    feed = await _nurse(server, store)
    await feed.send({"type": "watch", "view": "desk", "desk": "nk1"})
    whole = await feed.next()
    await feed.send(
        {"type": "command", "id": uuid.uuid4().hex, "op": "call_next", "args": {"desk": "nk1"}}
    )
    change = await feed.until_type("delta")
    assert (change["view"], change["base"]) == ("desk", whole["seq"])
    data = change["data"]
    assert data["current"]["number"] == "A001" and data["tickets"] == []
    assert data["line"] == {"head": 0, "tail": 29, "middle": []}  # the head left, 29 moved up
    assert "config" not in data and "病人5" not in feed.frames[-1]
    assert len(feed.frames[-1]) * 5 < len(json.dumps(whole, ensure_ascii=False))


async def test_a_desk_member_watches_only_its_desks(store: Store, server: DisplayServer) -> None:
    feed = await _nurse(server, store)
    await feed.send({"type": "watch", "view": "desk", "desk": "wk1"})
    assert (await feed.next())["code"] == "forbidden"
    await feed.send({"type": "watch", "view": "triage"})
    assert (await feed.next())["code"] == "forbidden"
    anonymous = await open_feed(server, STAFF_PATH)
    await anonymous.send({"type": "watch", "view": "desk", "desk": "nk1"})
    assert (await anonymous.next())["code"] == "unauthorized"


async def test_find_answers_todays_tickets_to_staff_and_nobody_else(
    store: Store, server: DisplayServer
) -> None:
    ticket = registration.issue_ticket(store, "wk", HOST, name="周九")
    stranger = await open_feed(server, STAFF_PATH)
    key = uuid.uuid4().hex
    await stranger.send({"type": "find", "id": key, "text": "周九"})
    assert await stranger.next() == {
        "type": "error",
        "code": "unauthorized",
        "message": "Log in first.",
        "id": key,
    }
    feed = await _nurse(server, store)
    seq = store.last_seq()
    key = uuid.uuid4().hex
    await feed.send({"type": "find", "id": key, "text": "周九"})
    found = await feed.until_type("found")
    assert found["id"] == key
    assert [(t["number"], t["queue"]) for t in found["tickets"]] == [(ticket.number, "wk")]
    await feed.send({"type": "find", "id": uuid.uuid4().hex, "text": "nobody"})
    assert (await feed.until_type("found"))["tickets"] == []
    assert store.last_seq() == seq  # a search writes nothing


async def test_a_slip_is_for_the_triage_desk_only(store: Store, server: DisplayServer) -> None:
    ticket = registration.issue_ticket(store, "nk-pt", HOST, name="周九")
    nurse = await _nurse(server, store)
    key = uuid.uuid4().hex
    await nurse.send({"type": "slip", "id": key, "number": ticket.number})
    refused = await nurse.until_type("error")
    assert (refused["code"], refused["id"]) == ("forbidden", key)
    add_staff(store, "li", "triage", (), PASSWORD, HOST)
    desk = await open_feed(server, STAFF_PATH)
    await desk.send({"type": "login", "user": "li", "password": PASSWORD})
    assert (await desk.next())["type"] == "session"
    await desk.send({"type": "slip", "id": key, "number": ticket.number})
    slip = await desk.until_type("slip")
    assert (slip["id"], slip["token"], slip["slip"]["number"]) == (key, ticket.token, "A001")
    assert slip["slip"]["masked_name"] == "周*" and "周九" not in str(slip)
    await desk.send({"type": "slip", "id": key, "number": "Z999"})
    missing = await desk.until_type("error")
    assert (missing["code"], missing["id"]) == ("ticket_not_found", key)


async def test_the_triage_watch_answers_its_search_and_follows_new_tickets(
    store: Store, server: DisplayServer
) -> None:
    registration.issue_ticket(store, "nk-pt", HOST, name="周九")
    add_staff(store, "li", "triage", (), PASSWORD, HOST)
    feed = await open_feed(server, STAFF_PATH)
    await feed.send({"type": "login", "user": "li", "password": PASSWORD})
    assert (await feed.next())["type"] == "session"
    await feed.send({"type": "watch", "view": "triage", "search": "周"})
    view = await feed.until_type("view")
    assert view["data"]["search"] == "周"
    assert [t["name"] for t in view["data"]["found"]] == ["周九"]
    registration.issue_ticket(store, "wk", HOST, name="周十")  # another desk's issue
    view = await feed.until(lambda m: m["type"] == "view" and len(m["data"]["found"]) == 2)
    assert sorted(t["name"] for t in view["data"]["found"]) == ["周九", "周十"]
    await feed.send({"type": "watch", "view": "triage", "search": "周十"})
    view = await feed.until_type("view")
    assert [t["name"] for t in view["data"]["found"]] == ["周十"]


async def _watching(app: DisplayServer, user: str, watch: dict[str, str]) -> Feed:
    feed = await open_feed(app, STAFF_PATH)
    await feed.send({"type": "login", "user": user, "password": PASSWORD})
    assert (await feed.next())["type"] == "session"
    await feed.send({"type": "watch", **watch})
    return feed


async def test_consoles_of_other_desks_and_roles_each_see_exactly_their_own_view(
    store: Store, server: DisplayServer
) -> None:
    # Consoles of one desk share the server's reading of it; each desk, each role and each
    # search is its own view all the same.
    for n in range(3):
        registration.issue_ticket(store, "nk-pt", HOST, name=f"内{n}")
        registration.issue_ticket(store, "wk", HOST, name=f"外{n}")
    for user, role, desks in (("wang", "desk", ("nk1",)), ("zhao", "desk", ("nk1",))):
        add_staff(store, user, role, desks, PASSWORD, HOST)
    add_staff(store, "sun", "desk", ("wk1",), PASSWORD, HOST)
    add_staff(store, "li", "triage", (), PASSWORD, HOST)
    add_staff(store, "boss", "admin", (), PASSWORD, HOST)
    nk1 = {"view": "desk", "desk": "nk1"}
    feeds = {
        "wang": await _watching(server, "wang", nk1),
        "zhao": await _watching(server, "zhao", nk1),
        "boss": await _watching(server, "boss", nk1),
        "sun": await _watching(server, "sun", {"view": "desk", "desk": "wk1"}),
    }
    views = {
        user: DeskView.from_json((await feed.until_type("view"))["data"])
        for user, feed in feeds.items()
    }
    triage = await _watching(server, "li", {"view": "triage", "search": "外"})
    assert [t["name"] for t in (await triage.until_type("view"))["data"]["found"]] == [
        "外0",
        "外1",
        "外2",
    ]
    assert [p.ticket.name for p in views["sun"].line] == ["外0", "外1", "外2"]
    await feeds["wang"].send(
        {"type": "command", "id": uuid.uuid4().hex, "op": "call_next", "args": {"desk": "nk1"}}
    )
    for user in ("wang", "zhao", "boss"):
        views[user] = await _followed(feeds[user], views[user], lambda v: v.current is not None)
        assert views[user].current is not None and views[user].current.name == "内0"
        assert [p.ticket.name for p in views[user].line] == ["内1", "内2"], user
    registration.issue_ticket(store, "wk", HOST, name="外3")
    views["sun"] = await _followed(feeds["sun"], views["sun"], lambda v: len(v.line) == 4)
    assert views["sun"].current is None and views["sun"].line[-1].ticket.name == "外3"
    found = await triage.until(lambda m: m["type"] == "view" and len(m["data"]["found"]) == 4)
    assert "内0" not in json.dumps(found, ensure_ascii=False)
    # The wk1 console never heard of nk1's call: its frames name no patient of nk-pt.
    assert not any(f"内{n}" in frame for frame in feeds["sun"].frames for n in range(3))

    # Every nk1 console holds the same view, the one read here (its seq aside: the view did
    # not change with wk's ticket).
    def shown(view: DeskView) -> str:
        return json.dumps({**view.to_json(), "seq": None}, ensure_ascii=False)

    local = read_desk(Line.load(store), "nk1")
    for user in ("wang", "zhao", "boss"):
        assert shown(views[user]) == shown(local), user
