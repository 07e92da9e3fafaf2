"""Scenario 5, short: every seeded hostile attempt gets its documented answer; screens go on."""

from __future__ import annotations

import random

from benchmarks.server_fuzz import CATEGORIES, many_connections
from display_server.server import DisplayServer
from queue_core import commands
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR
from tests.server.conftest import open_feed

EACH = 4


async def test_each_hostile_attempt_gets_its_answer_and_screens_keep_working(
    store: Store, server: DisplayServer
) -> None:
    watcher = await open_feed(server, "/ws/display?since=")
    await watcher.until_type("snapshot")
    ticket = issue_ticket(store, "wk", ACTOR, name="周八")
    base = f"ws://127.0.0.1:{server.port}"
    rng = random.Random(5)
    answered = {
        name: [await attempt(base, ticket.token, rng) for _ in range(EACH)]
        for name, attempt in CATEGORIES.items()
    }
    assert answered == {name: [True] * EACH for name in CATEGORIES}
    assert await many_connections(base, ticket.token, rng, 50) == 50
    commands.call_next(store, "wk1", ACTOR)
    assert (await watcher.until_type("call"))["ticket"] == ticket.number
