"""The server delivers the outbox to a real receiver that fails, hangs, answers slowly and
drops connections: nothing is lost, every try of a notification carries its idempotency key,
a ticket's notifications arrive in order, and the phones' feeds go on meanwhile."""

from __future__ import annotations

import asyncio
import itertools
import json
import urllib.request
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from display_server.server import DisplayServer, serve
from display_server.staff import STAFF_PATH
from queue_core import commands
from queue_core.registration import issue_ticket
from queue_core.staff import add_staff
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock
from tests.notify.conftest import SECRET, RunningClock, notify_config, open_clinic
from tests.notify.receiver import ACCEPT, DROP, FAIL, HANG, SLOW, Receiver, Request, receiving
from tests.pg import STORES, store_target
from tests.server.conftest import caught_up, open_feed

pytestmark = pytest.mark.slow
HOST = "host:root"
PASSWORD = "correct horse 42"
PATIENCE_S = 30.0  # how long a test waits for the outbox to drain before failing


def outbox(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        return [dict(r) for r in conn.execute("SELECT * FROM outbox ORDER BY id")]


async def drained(store: Store, done: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """The outbox once every row satisfies `done` (delivered, given up...)."""
    for _ in range(int(PATIENCE_S / 0.05)):
        rows = outbox(store)
        if rows and all(done(r) for r in rows):
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError(f"the outbox did not drain: {outbox(store)}")


def delivered(row: dict[str, Any]) -> bool:
    return row["delivered_at"] is not None


async def health(app: DisplayServer) -> dict[str, Any]:
    def get() -> dict[str, Any]:
        with urllib.request.urlopen(f"{app.url}/healthz", timeout=10) as answer:
            data: dict[str, Any] = json.loads(answer.read())
            return data

    return await asyncio.to_thread(get)


@asynccontextmanager
async def clinic(
    path: Path | str, clock: SteppingClock, receiver: Receiver, hook: str = ""
) -> AsyncIterator[tuple[Store, DisplayServer]]:
    text = notify_config(receiver.url, hook=f"timeout = 0.5\n{hook}")
    store = open_clinic(path, text, clock)
    try:
        async with serve(store, "127.0.0.1", 0, retry_base_s=0.05) as app:
            yield store, app
    finally:
        store.close()


def busy_morning(store: Store, clock: SteppingClock) -> None:
    for _ in range(6):
        issue_ticket(store, "nk-pt", ACTOR)
        clock.advance(seconds=30)
    commands.call_next(store, "nk1", ACTOR)
    commands.recall(store, "nk1", ACTOR)
    commands.skip(store, "nk1", ACTOR)
    commands.call_next(store, "nk2", ACTOR)
    commands.requeue(store, "A001", ACTOR)
    commands.call_next(store, "nk1", ACTOR)
    commands.call_next(store, "nk2", ACTOR)


def troubled(request: Request) -> str:
    """Each notification meets one kind of trouble first, some a second failure, then is
    taken."""
    turn = zlib.crc32(request.key.encode())
    if request.attempt == 1:
        return (FAIL, HANG, DROP, SLOW)[turn % 4]
    if request.attempt == 2 and turn % 3 == 0:
        return FAIL
    return ACCEPT


@pytest.fixture(params=STORES)
def either_store(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """A new SQLite file, or a new database on the tests' PostgreSQL server."""
    return store_target(request, tmp_path)


async def test_every_notification_arrives_signed_with_one_key_and_in_order_per_ticket(
    either_store: Path | str, running_clock: RunningClock
) -> None:
    with receiving(SECRET, troubled) as receiver:
        async with clinic(either_store, running_clock, receiver) as (store, app):
            busy_morning(store, running_clock)
            rows = await drained(store, delivered)
            status = (await health(app))["notify"]
    requests = receiver.requests
    assert all(r.signed for r in requests)
    keys = [r["idempotency_key"] for r in rows]
    assert len(set(keys)) == len(keys) > 20
    # Nothing lost: every notification was taken at least once.
    assert {r.key for r in receiver.accepted()} == set(keys)
    # Nothing sent twice without the same key: every try of a key carries the same body.
    bodies: dict[str, bytes] = {}
    for r in requests:
        assert bodies.setdefault(r.key, r.body) == r.body
        assert json.loads(r.body)["id"] == r.key
    sent = {r.key: r.body.decode() for r in requests}
    assert sent == {r["idempotency_key"]: r["payload"] for r in rows}
    # In order per ticket: a ticket's next notification only once the one before was taken.
    place = {key: i for i, key in enumerate(keys)}
    by_ticket: dict[int, list[Request]] = {}
    for r in requests:
        by_ticket.setdefault(r.payload["ticket_id"], []).append(r)
    for tried in by_ticket.values():
        for before, after in itertools.pairwise(tried):
            assert place[before.key] <= place[after.key]
            if before.key != after.key:
                assert before.answer in (ACCEPT, SLOW)
    assert any(r.answer == HANG for r in requests) and any(r.answer == DROP for r in requests)
    assert status["backlog"] == 0 and status["oldest_undelivered"] is None
    assert status["delivered"] == len(rows)


async def test_one_ticket_failing_does_not_hold_the_others_back(
    db_path: Path, running_clock: RunningClock
) -> None:
    with receiving(SECRET, lambda r: FAIL if r.payload["ticket"] == "A001" else ACCEPT) as receiver:
        async with clinic(db_path, running_clock, receiver) as (store, app):
            for _ in range(3):
                issue_ticket(store, "nk-pt", ACTOR)
            rows = await drained(store, lambda r: r["ticket"] == "A001" or delivered(r))
            await receiver.until(lambda rs: sum(r.payload["ticket"] == "A001" for r in rs) >= 3)
            status = (await health(app))["notify"]
    pending = [r for r in rows if not delivered(r)]
    assert {r["ticket"] for r in pending} == {"A001"}
    # A001's first notification is tried again and again; its second waits behind it.
    tried = {r.key for r in receiver.requests if r.payload["ticket"] == "A001"}
    assert tried == {pending[0]["idempotency_key"]}
    assert status["backlog"] == len(pending) and status["oldest_undelivered"] is not None


async def test_a_notification_past_its_give_up_time_is_given_up_and_the_next_one_goes(
    db_path: Path, running_clock: RunningClock
) -> None:
    with receiving(SECRET, lambda r: FAIL) as receiver:
        async with clinic(db_path, running_clock, receiver, "give_up_minutes = 1") as (store, app):
            issue_ticket(store, "nk-pt", ACTOR)
            await receiver.until(lambda rs: len(rs) >= 2)
            running_clock.advance(minutes=2)
            rows = await drained(store, lambda r: r["given_up_at"] is not None)
            status = (await health(app))["notify"]
    assert [r["kind"] for r in rows] == ["waiting", "ahead"]
    # Given up on its failed try past the time, or unsent at its next turn: its error stays.
    assert rows[0]["last_error"] in ("HTTP 500", "HTTP 500; not delivered within 1 minutes")
    assert rows[1]["last_error"] == "not delivered within 1 minutes"
    assert {r.key for r in receiver.requests} == {rows[0]["idempotency_key"]}
    assert status["backlog"] == 0 and status["given_up"] == 2


async def test_a_phone_gets_its_updates_while_the_receiver_hangs(
    db_path: Path, running_clock: RunningClock
) -> None:
    with receiving(SECRET, lambda r: HANG) as receiver:
        async with clinic(db_path, running_clock, receiver) as (store, app):
            tickets = [issue_ticket(store, "nk-pt", ACTOR) for _ in range(8)]
            await receiver.until(lambda rs: len(rs) >= 4)  # every sender thread is stuck
            await caught_up(app, store)
            phone = await open_feed(app, f"/ws/ticket/{tickets[-1].token}?since=")
            first = (await phone.next())["ahead"]
            for _ in range(3):
                commands.call_next(store, "nk1", ACTOR)
            pos = await phone.until(lambda m: m["type"] == "pos" and m["ahead"] == first - 3)
            status = (await health(app))["notify"]
    assert pos["ahead"] == first - 3
    assert status["backlog"] > 0 and status["delivered"] == 0


async def test_an_admins_console_view_carries_the_backlog_and_a_nurses_does_not(
    db_path: Path, running_clock: RunningClock
) -> None:
    with receiving(SECRET, lambda r: FAIL) as receiver:
        async with clinic(db_path, running_clock, receiver) as (store, app):
            add_staff(store, "zhao", "admin", (), PASSWORD, HOST)
            add_staff(store, "wang", "desk", ("nk1",), PASSWORD, HOST)
            views = {}
            for user in ("zhao", "wang"):
                feed = await open_feed(app, STAFF_PATH)
                await feed.send({"type": "login", "user": user, "password": PASSWORD})
                assert (await feed.next())["type"] == "session"
                await feed.send({"type": "watch", "view": "desk", "desk": "nk1"})
                await feed.until_type("view")
                views[user] = feed
            issue_ticket(store, "nk-pt", ACTOR)
            await receiver.until(lambda rs: len(rs) >= 1)
            shown = await views["zhao"].until(
                lambda m: m["type"] in ("view", "delta") and m.get("outbox", {}).get("count", 0)
            )
            nurse = await views["wang"].until(lambda m: m["type"] == "delta")
    assert shown["outbox"]["count"] == 2 and shown["outbox"]["oldest"] is not None
    assert "outbox" not in nurse
