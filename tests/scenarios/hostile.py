"""Hostile input from a seeded generator, and the answer docs/protocol.md promises for each.

Each category makes one kind of attempt against the display and phone feeds or the HTTP routes
and says whether the server gave the documented answer: an `error` message, a close code, a
404 with nothing of our files in it, a snapshot for every one of many connections, and
half-open handshakes closed by the server itself. Lying clients (acks from pages without a
registered key, or with a leaked key for calls that are not current) and write floods get
their `error` and write nothing.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from benchmarks.server_fleet import raise_file_limit
from tests.conftest import HALL_KEY as LEAKED_KEY  # the sample's, which anyone can read

PATH_PIECES = ["..", "%2e%2e", "%2E%2e%2f", "..%5c", "%00", "static", ".git", "etc", "passwd"]
PATH_PIECES += ["display_server", "server.py", "~", "//", "%c0%ae", ".env", "t", "ws", "%252e"]
LEAKS = ("root:", "import ", "[project]", "def ", "sqlite")
EACH = 200  # attempts of each category in the benchmark's attack


async def _answer(ws: ClientConnection) -> str:
    """The first thing the server says after our attempt: an error code or a close code."""
    try:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if message.get("type") == "error":
                return str(message["code"])
    except ConnectionClosed:
        return f"close {ws.close_code}"


async def _feed(base: str, token: str, rng: random.Random) -> ClientConnection:
    path = rng.choice(["/ws/display?since=", f"/ws/ticket/{token}?since="])
    ws = await connect(base + path, max_size=None, max_queue=None)
    await ws.recv()
    return ws


async def malformed_json(base: str, token: str, rng: random.Random) -> bool:
    pieces = ['{"type":', "[", "{", '"', "}", "]", "null", "1e999", "\\u12", ",", ":", "ack"]
    async with await _feed(base, token, rng) as ws:
        await ws.send("".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) + "{")
        return await _answer(ws) in ("bad_json", "bad_message")


async def unknown_type(base: str, token: str, rng: random.Random) -> bool:
    kind = "".join(rng.choice("abcdefgh_") for _ in range(rng.randint(1, 12)))
    async with await _feed(base, token, rng) as ws:
        await ws.send(json.dumps({"type": kind, "seq": rng.randint(-5, 5)}))
        return await _answer(ws) == "unknown_type"


async def binary_frame(base: str, token: str, rng: random.Random) -> bool:
    async with await _feed(base, token, rng) as ws:
        await ws.send(rng.randbytes(rng.randint(1, 2048)))
        return await _answer(ws) == "binary"


async def huge_frame(base: str, token: str, rng: random.Random) -> bool:
    async with await _feed(base, token, rng) as ws:
        await ws.send("x" * rng.randint(4 * 1024 + 1, 1024 * 1024))
        return await _answer(ws) == "close 1009"


async def flood(base: str, token: str, rng: random.Random) -> bool:
    async with await _feed(base, token, rng) as ws:
        try:
            for _ in range(rng.randint(100, 400)):
                await ws.send('{"type":"ping"}')
        except ConnectionClosed:
            pass
        return await _answer(ws) == "close 1008"


async def wrong_token(base: str, token: str, rng: random.Random) -> bool:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-%./"
    fake = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80)))
    try:
        async with connect(f"{base}/ws/ticket/{fake}?since=") as ws:
            return await _answer(ws) == "close 1008" and ws.close_reason == "not found"
    except InvalidStatus as exc:
        return exc.response.status_code == 404  # "%" sequences that make no valid request


async def path_trick(base: str, token: str, rng: random.Random) -> bool:
    host, port = base.removeprefix("ws://").rsplit(":", 1)
    path = "/" + "/".join(rng.choice(PATH_PIECES) for _ in range(rng.randint(1, 6)))
    path = rng.choice(["", "/static", "/t", "/display"]) + path
    method = rng.choice(["GET", "GET", "HEAD", "POST", "PUT", "DELETE"])
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    raw = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    status = int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.1 ") else 0
    body = raw.split(b"\r\n\r\n", 1)[-1].decode(errors="replace")
    return status in (400, 404, 405) and not any(leak in body for leak in LEAKS)


async def unencodable_text(base: str, token: str, rng: random.Random) -> bool:
    """A lone surrogate (a JSON escape no store or socket can encode) in a field or a key."""
    text = f"\\u{rng.randrange(0xD800, 0xE000):04x}"
    frame = rng.choice(
        [
            '{"type":"ack","seq":1,"screen":"S"}',
            '{"type":"presence","status":"S"}',
            '{"S":1,"type":"ping"}',
            '{"type":"S"}',
            '{"type":"hello","since":1,"pad":["xS"]}',
        ]
    ).replace("S", text)
    async with await _feed(base, token, rng) as ws:
        await ws.send(frame)
        return await _answer(ws) == "bad_text"


# Digits str.isdigit() takes that are not ASCII: int() refuses some and reads others.
ODD_DIGITS = "²³¹٣۴߁१৩๓０"


async def odd_digits(base: str, token: str, rng: random.Random) -> bool:
    """A sequence number written in digits that are not ASCII: no seq, in a frame or a query."""
    number = "".join(rng.choice(ODD_DIGITS) for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.3:
        path = rng.choice(["/ws/display", f"/ws/ticket/{token}"])
        async with connect(f"{base}{path}?since={quote(number)}") as ws:
            return json.loads(await ws.recv())["type"] in ("snapshot", "ticket")
    path = rng.choice(["/ws/display", f"/ws/ticket/{token}"])
    message = rng.choice([{"type": "hello", "since": number}, {"type": "ack", "seq": number}])
    if message["type"] == "ack":
        path = "/ws/display"
    async with connect(base + path) as ws:
        await ws.send(json.dumps(message, ensure_ascii=False))
        return await _answer(ws) == "bad_seq"


async def long_name(base: str, token: str, rng: random.Random) -> bool:
    """A file name longer than the file system takes (255 bytes): a 404 like any other."""
    host, port = base.removeprefix("ws://").rsplit(":", 1)
    name = "a" * rng.randint(256, 4000) + rng.choice(["", ".js", ".css", "/x"])
    path = rng.choice(["/static/", "/static/x/", "/t/", "/"]) + name
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    raw = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return raw.startswith(b"HTTP/1.1 404 ")


KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"


async def _errors(ws: ClientConnection) -> list[str]:
    """Every error code the server sent before it answered a ping (or its close code)."""
    await ws.send('{"type":"ping"}')
    codes = []
    try:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if message.get("type") == "pong":
                return codes
            if message.get("type") == "error":
                codes.append(str(message["code"]))
    except ConnectionClosed:
        return [*codes, f"close {ws.close_code}"]


async def unregistered_ack(base: str, token: str, rng: random.Random) -> bool:
    """An ack from a page with no key, or a guessed one, under any screen name: not counted."""
    name = "".join(rng.choice(KEY_ALPHABET) for _ in range(rng.randint(1, 30)))
    guess = "".join(rng.choice(KEY_ALPHABET) for _ in range(rng.randint(16, 64)))
    query = rng.choice(["", f"screen={name}&", f"key={guess}&", f"key={guess}&screen={name}&"])
    async with connect(f"{base}/ws/display?{query}since=") as ws:
        await ws.recv()
        await ws.send(json.dumps({"type": "ack", "seq": rng.randint(1, 10**6), "screen": name}))
        return await _answer(ws) == "not_registered"


async def lying_screen(base: str, token: str, rng: random.Random) -> bool:
    """A registered screen's key (as if its URL leaked) acknowledging what is no call of now."""
    async with connect(f"{base}/ws/display?key={LEAKED_KEY}&since=") as ws:
        await ws.recv()
        seq = rng.choice([1, rng.randint(10**6, 10**9)])
        await ws.send(json.dumps({"type": "ack", "seq": seq, "screen": "hall"}))
        return await _answer(ws) in ("refused", "rate_limited")


async def write_flood(base: str, token: str, rng: random.Random) -> bool:
    """More writes (acks, presence) than a page's budget, within its message rate: the rest
    are answered rate_limited, and the connection stays open."""
    if rng.random() < 0.5:
        path = f"/ws/ticket/{token}?since="
        writes = [{"type": "presence", "status": s} for s in ("on_my_way", "here") * 10]
    else:
        path = f"/ws/display?key={LEAKED_KEY}&since="
        writes = [{"type": "ack", "seq": 1} for _ in range(20)]
    async with connect(base + path) as ws:
        await ws.recv()
        for message in writes[: rng.randint(11, 19)]:
            await ws.send(json.dumps(message))
        codes = await _errors(ws)
        return "rate_limited" in codes and set(codes) <= {"refused", "rate_limited"}


async def many_connections(base: str, token: str, rng: random.Random, count: int) -> int:
    """`count` connections from one address at once: each still gets its first message."""
    opened = await asyncio.gather(
        *(connect(f"{base}/ws/display?since=") for _ in range(count)), return_exceptions=True
    )
    ok = 0
    for ws in opened:
        if isinstance(ws, ClientConnection):
            ok += int(json.loads(await ws.recv())["type"] == "snapshot")
            await ws.close()
    return ok


async def half_open(base: str, count: int) -> int:
    """Handshakes that never finish (slowloris): the server must close them by itself."""
    host, port = base.removeprefix("ws://").rsplit(":", 1)
    streams = [await asyncio.open_connection(host, int(port)) for _ in range(count)]
    for _, writer in streams:
        writer.write(b"GET /ws/display HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
    closed = 0
    for reader, writer in streams:
        try:
            await asyncio.wait_for(reader.read(), 30)
            closed += 1
        except TimeoutError:
            pass
        writer.close()
    return closed


Attempt = Callable[[str, str, random.Random], Awaitable[bool]]
CATEGORIES: dict[str, Attempt] = {
    "malformed JSON": malformed_json,
    "unknown type": unknown_type,
    "binary frame": binary_frame,
    "huge frame (4 KiB-1 MiB)": huge_frame,
    "flood (100-400 pings at once)": flood,
    "wrong phone token": wrong_token,
    "HTTP path trick / method": path_trick,
    "lone surrogate in a field or key": unencodable_text,
    "sequence number in non-ASCII digits": odd_digits,
    "file name over 255 bytes": long_name,
    "ack without a registered key, any screen name": unregistered_ack,
    "ack with a leaked key, of no current call": lying_screen,
    "write flood (11-19 acks or presence at once)": write_flood,
}


async def attack(
    base: str, token: str, seed: int, each: int = EACH, slowloris: bool = True
) -> dict[str, list[int]]:
    """Per category: [tried, expected answers, time.time_ns() at its start, at its end].

    `each` attempts of every category, five times as many connections at once, and (with
    `slowloris`, which waits out the server's open timeout) `each` handshakes left half-open."""
    raise_file_limit()
    rng = random.Random(seed)
    counts: dict[str, list[int]] = {}
    for name, attempt in CATEGORIES.items():
        began = time.time_ns()
        tally: Counter[bool] = Counter()
        for _ in range(each):
            try:
                tally[await attempt(base, token, rng)] += 1
            except (OSError, ConnectionClosed, TimeoutError, InvalidStatus):
                tally[False] += 1
        counts[name] = [each, tally[True], began, time.time_ns()]
    crowd, began = each * 5, time.time_ns()
    crowded = await many_connections(base, token, rng, crowd)
    counts["many connections, one address"] = [crowd, crowded, began, time.time_ns()]
    if slowloris:
        began = time.time_ns()
        lingered = await half_open(base, each)
        counts["half-open handshakes (slowloris)"] = [each, lingered, began, time.time_ns()]
    return counts
