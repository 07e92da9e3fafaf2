"""Every seeded hostile attempt gets its documented answer, and screens go on working."""

from __future__ import annotations

from display_server.server import DisplayServer
from queue_core import commands
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, LONG
from tests.scenarios import hostile
from tests.server.conftest import open_feed

# The long mode is the benchmark's attack, half-open handshakes and all (they wait out the
# server's open timeout).
EACH = hostile.EACH if LONG else 10


async def test_each_hostile_attempt_gets_its_answer_and_screens_keep_working(
    store: Store, server: DisplayServer
) -> None:
    watcher = await open_feed(server, "/ws/display?since=")
    await watcher.until_type("snapshot")
    ticket = issue_ticket(store, "wk", ACTOR, name="周八")
    base = f"ws://127.0.0.1:{server.port}"
    counts = await hostile.attack(base, ticket.token, seed=5, each=EACH, slowloris=LONG)
    answered = {name: (tried, ok) for name, (tried, ok, _, _) in counts.items()}
    expected = {name: (EACH, EACH) for name in hostile.CATEGORIES}
    expected["many connections, one address"] = (5 * EACH, 5 * EACH)
    if LONG:
        expected["half-open handshakes (slowloris)"] = (EACH, EACH)
    assert answered == expected
    commands.call_next(store, "wk1", ACTOR)
    assert (await watcher.until_type("call"))["ticket"] == ticket.number
