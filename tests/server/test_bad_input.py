"""Fuzzed frames: each gets an error or a close code, and everyone else keeps being served."""

from __future__ import annotations

import json
import logging
import random

import pytest
from websockets.asyncio.client import connect

from display_server.protocol import MAX_FRAME
from display_server.server import DisplayServer
from queue_core import commands
from queue_core.feedback import receipts_for
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR
from tests.server.conftest import Feed, open_feed, ws_url

SEED = 5


def malformed(rng: random.Random) -> str:
    pieces = ['{"type":', "[", "{", '"', "}", "]", "null", "1e999", "\\u12", ",", ":", "ack"]
    return "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))


def odd_but_valid_json(rng: random.Random) -> str:
    choices: list[object] = [
        {"type": rng.choice(["shout", "ACK", "", "board", "call", "presence"])},
        {"type": "ack", "seq": rng.choice(["7", -1, None, 1.5, True, [], 2**70])},
        {"type": "hello", "since": {"x": 1}},
        {"no_type": 1},
        [1, 2, 3],
        "just a string",
        rng.randint(-(10**6), 10**6),
        "[" * 2000 + "]" * 2000,
    ]
    value = rng.choice(choices)
    return value if isinstance(value, str) and value.startswith("[") else json.dumps(value)


async def still_open(feed: Feed) -> None:
    await feed.send({"type": "ping"})
    assert (await feed.until(lambda m: m["type"] in ("pong", "error")))["type"] in ("pong",)


async def test_fuzzed_frames_get_an_error_and_the_connection_stays(
    store: Store, server: DisplayServer
) -> None:
    rng = random.Random(SEED)
    ticket = issue_ticket(store, "wk", ACTOR, name="周八")
    display = await open_feed(server, "/ws/display?since=")
    phone = await open_feed(server, f"/ws/ticket/{ticket.token}?since=")
    await display.until_type("snapshot")
    await phone.until_type("ticket")
    for _ in range(40):
        path = rng.choice(["/ws/display?since=", f"/ws/ticket/{ticket.token}?since="])
        fuzzed = await open_feed(server, path)
        await fuzzed.next()
        kind = rng.randrange(3)
        if kind == 0:
            await fuzzed.ws.send(malformed(rng))
        elif kind == 1:
            await fuzzed.ws.send(odd_but_valid_json(rng))
        else:
            await fuzzed.ws.send(rng.randbytes(rng.randint(1, 64)))
        error = await fuzzed.until(lambda m: m["type"] == "error")
        assert error["code"] in {
            "bad_json",
            "bad_message",
            "unknown_type",
            "binary",
            "bad_seq",
            "late_hello",
        }, error
        await still_open(fuzzed)
        await fuzzed.ws.close()
    commands.call_next(store, "wk1", ACTOR)
    assert (await display.until_type("call"))["ticket"] == ticket.number
    assert (await phone.until_type("called"))["desk"] == "wk1"


async def test_huge_frame_closes_with_1009_others_unaffected(
    store: Store, server: DisplayServer
) -> None:
    watcher = await open_feed(server, "/ws/display?since=")
    await watcher.until_type("snapshot")
    rng = random.Random(SEED)
    ticket = issue_ticket(store, "wk", ACTOR, name="周八")
    for path in ("/ws/display?since=", f"/ws/ticket/{ticket.token}?since="):
        big = await open_feed(server, path)
        await big.next()
        await big.ws.send(
            json.dumps({"type": "ping", "pad": "x" * (MAX_FRAME + rng.randint(1, 9999))})
        )
        assert await big.close_code() == 1009
    commands.call_next(store, "wk1", ACTOR)
    assert (await watcher.until_type("call"))["desk"] == "wk1"


async def test_flood_closes_with_1008_others_unaffected(
    store: Store, server: DisplayServer
) -> None:
    watcher = await open_feed(server, "/ws/display?since=")
    await watcher.until_type("snapshot")
    ticket = issue_ticket(store, "nk-pt", ACTOR, name="吴九")
    for path in ("/ws/display?since=", f"/ws/ticket/{ticket.token}?since="):
        # Unbounded client queue: the pongs it does not read must not stall the close.
        flood = Feed(await connect(ws_url(server, path), max_queue=None))
        for _ in range(300):
            try:
                await flood.ws.send('{"type":"ping"}')
            except Exception:
                break
        assert await flood.close_code() == 1008
    await still_open(watcher)
    commands.call_next(store, "nk1", ACTOR)
    assert (await watcher.until_type("call"))["ticket"] == ticket.number


async def test_wrong_tokens_close_with_1008_and_no_hint(
    store: Store, server: DisplayServer
) -> None:
    real = issue_ticket(store, "nk-pt", ACTOR, name="吴九")
    rng = random.Random(SEED)
    reasons = set()
    candidates = [
        real.token[:-1] + ("A" if real.token[-1] != "A" else "B"),
        "".join(rng.choice("abcdef0123456789") for _ in range(27)),
        "x",
        "%00",
        "../../etc/passwd",
        "a" * 200,
    ]
    for token in candidates:
        async with connect(ws_url(server, f"/ws/ticket/{token}?since=")) as ws:
            feed = Feed(ws)
            assert await feed.close_code() == 1008
            reasons.add(ws.close_reason)
    assert reasons == {"not found"}


def logged_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the server wrote to its log at level ERROR or above (a handler that failed)."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_text_that_cannot_be_encoded_gets_bad_text_and_nothing_is_stored(
    store: Store, server: DisplayServer, caplog: pytest.LogCaptureFixture
) -> None:
    ticket = issue_ticket(store, "wk", ACTOR, name="周八")
    display = await open_feed(server, "/ws/display?since=")
    phone = await open_feed(server, f"/ws/ticket/{ticket.token}?since=")
    await display.until_type("snapshot")
    await phone.until_type("ticket")
    commands.call_next(store, "wk1", ACTOR)
    call = await display.until_type("call")
    frames = [
        (display, '{"type":"ack","seq":SEQ,"screen":"\\ud800"}'.replace("SEQ", str(call["seq"]))),
        (display, '{"type":"ack","seq":SEQ,"screen":"tv\\udfff"}'.replace("SEQ", str(call["seq"]))),
        (display, '{"\\udbff":1,"type":"ping"}'),
        (phone, '{"type":"presence","status":"\\ud800"}'),
        (phone, '{"type":"\\udc00"}'),
    ]
    for feed, frame in frames:
        await feed.ws.send(frame)
        assert await feed.until_type("error") == {
            "type": "error",
            "code": "bad_text",
            "message": "Text must be valid Unicode (a lone surrogate is not).",
        }
        await still_open(feed)
    await display.ws.send('{"type":"ping","pad":"\\ud83d\\ude00"}')  # a pair is a character
    assert (await display.next())["type"] == "pong"
    assert receipts_for(store, call["seq"]) == 0
    assert [e.type for e in store.events_since(call["seq"])] == []
    assert logged_errors(caplog) == []


async def test_digits_that_are_not_ascii_are_no_sequence_number(
    store: Store, server: DisplayServer, caplog: pytest.LogCaptureFixture
) -> None:
    issue_ticket(store, "wk", ACTOR, name="周八")
    commands.call_next(store, "wk1", ACTOR)
    for since in ("%C2%B2", "%D9%A3"):  # "²" and "٣": str.isdigit() says yes, int() may not
        resumed = await open_feed(server, f"/ws/display?since={since}")
        assert (await resumed.next())["type"] == "snapshot"
        await still_open(resumed)
    for message in (
        {"type": "hello", "since": "²"},
        {"type": "ack", "seq": "²"},
        {"type": "ack", "seq": "٣"},
    ):
        feed = await open_feed(server, "/ws/display")
        await feed.send(message)
        error = await feed.until_type("error")
        assert error["code"] == "bad_seq", message
        await still_open(feed)
    assert logged_errors(caplog) == []
