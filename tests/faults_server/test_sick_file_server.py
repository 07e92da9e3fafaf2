"""The server over a sick file: a writer stopped inside its transaction, the database replaced.

Reads (pages, token lookups, health) never wait behind writes; writes wait a bounded time in a
bounded queue; a file that is no longer the one opened fails the health check and every write.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from display_server.server import DisplayServer, serve
from display_server.write_queue import WRITE_QUEUE_LIMIT
from queue_core import commands
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, HALL_KEY
from tests.faults.test_writer_gate import stopped_writer
from tests.server.conftest import WAIT_S, Feed, ws_url
from tests.server.test_http_routes import get

TOKEN_SHAPED = "x" * 22  # well formed, in no ticket: the lookup goes to the database


@pytest.fixture
async def proxied(store: Store, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DisplayServer]:
    """The server behind a proxy on this machine: each test client can be its own address."""
    monkeypatch.setenv("CLINIC_QUEUE_PROXIES", "127.0.0.1")
    async with serve(store, "127.0.0.1", 0) as app:
        yield app


async def hall_screens(server: DisplayServer, count: int) -> list[Feed]:
    """`count` TVs of the registered hall screen, each from an address of its own."""
    feeds = []
    for i in range(count):
        ws = await connect(
            ws_url(server, f"/ws/display?key={HALL_KEY}&since="),
            additional_headers={"X-Forwarded-For": f"10.0.{i // 200}.{i % 200 + 1}"},
            open_timeout=WAIT_S,
            max_size=None,
        )
        feeds.append(Feed(ws))
    return feeds


async def called(store: Store, feeds: list[Feed]) -> int:
    """The seq of a call that every one of `feeds` has seen."""
    issue_ticket(store, "wk", ACTOR, name="周八")
    for feed in feeds:
        await feed.until_type("snapshot")
    commands.call_next(store, "wk1", ACTOR)
    seq = 0
    for feed in feeds:
        seq = (await feed.until_type("call"))["seq"]
    return seq


@pytest.mark.slow
async def test_behind_a_stopped_writer_reads_answer_and_writes_are_bounded(
    db_path: Path, store: Store, proxied: DisplayServer
) -> None:
    token = issue_ticket(store, "nk-pt", ACTOR).token
    feeds = await hall_screens(proxied, WRITE_QUEUE_LIMIT + 16)
    seq = await called(store, feeds)
    with stopped_writer(db_path):
        for feed in feeds:
            await feed.send({"type": "ack", "seq": seq})
        await asyncio.sleep(0.5)  # every ack is at the server now, waiting or refused
        began = time.monotonic()
        assert (await get(proxied, f"/t/{TOKEN_SHAPED}"))[0] == 404
        assert (await get(proxied, f"/t/{token}"))[0] == 200
        assert (await get(proxied, "/healthz"))[0] == 200
        assert time.monotonic() - began < 2.0
        refused = await asyncio.gather(*(feed.until_type("error") for feed in feeds))
    behind = [r for r in refused if "behind with its writes" in r["message"]]
    busy = [r for r in refused if "stayed busy" in r["message"]]
    assert len(behind) >= 16 and len(behind) + len(busy) == len(feeds)


async def test_a_replaced_database_fails_the_health_check_and_every_write(
    db_path: Path, store: Store, proxied: DisplayServer
) -> None:
    feeds = await hall_screens(proxied, 1)
    seq = await called(store, feeds)
    copy = db_path.with_name("copy.db")
    with closing(sqlite3.connect(db_path)) as old, closing(sqlite3.connect(copy)) as new:
        old.backup(new)
    os.replace(copy, db_path)
    status, _, body = await get(proxied, "/healthz")
    assert status == 503
    assert json.loads(body)["status"] == "fault"
    assert json.loads(body)["reason"] == "file_replaced"
    assert str(db_path) not in body.decode()
    await feeds[0].send({"type": "ack", "seq": seq})
    refused = await feeds[0].until_type("error")
    assert refused["message"].startswith(f"{db_path} was deleted or replaced since")
