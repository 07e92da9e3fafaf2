"""A busy simulated morning driven through the core while screens and phones listen."""

from __future__ import annotations

import asyncio
import random

from display_server.server import DisplayServer
from queue_core import commands
from queue_core.errors import QueueError
from queue_core.importer import import_appointments
from queue_core.model import Ticket
from queue_core.registration import check_in, issue_ticket, set_priority
from queue_core.store import Store
from tests.conftest import ACTOR, HALL_KEY, SAMPLE_APPOINTMENTS, SteppingClock
from tests.server.conftest import Feed, caught_up, open_feed

DESKS = ("nk1", "nk2", "nk-zj", "wk1", "wk2")
SCREENS = (
    f"/ws/display?key={HALL_KEY}&since=",
    "/ws/display?department=%E5%86%85%E7%A7%91&since=",
    "/ws/display?desks=wk1&since=",
    "/ws/display?queues=nk-zj&since=",
)


def all_tickets(store: Store) -> list[Ticket]:
    with store.read() as conn:
        return [Ticket.from_row(dict(r)) for r in conn.execute("SELECT * FROM tickets")]


async def _drain(feed: Feed, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await asyncio.wait_for(feed.next(), 0.2)
        except TimeoutError:
            continue


async def busy_morning(store: Store, clock: SteppingClock, server: DisplayServer) -> list[Feed]:
    """Import, check in, walk-ins, priority, calls, recalls, skips, requeues, tests, transfers.

    Returns every feed (screens and a dozen phones) with every message it received.
    """
    rng = random.Random(20261123)
    import_appointments(store, SAMPLE_APPOINTMENTS, ACTOR)
    feeds = [await open_feed(server, path) for path in SCREENS]
    registered = [t for t in all_tickets(store) if t.state.value == "registered"]
    for ticket in sorted(registered, key=lambda t: t.slot_start or "")[:70]:
        check_in(store, ticket.number, ACTOR)
        clock.advance(seconds=20)
    walk_in_names = ["欧阳娜娜", "司马相如", "John Smith", "Li Na", "诸葛亮", "王小明"]
    for name in walk_in_names:
        issue_ticket(store, rng.choice(["nk-pt", "wk"]), ACTOR, name=name, phone="13912345678")
        clock.advance(seconds=30)
    phones = [t for t in all_tickets(store) if t.state.value == "waiting"]
    for ticket in rng.sample(phones, 12):
        feeds.append(await open_feed(server, f"/ws/ticket/{ticket.token}?since="))
    stop = asyncio.Event()
    readers = [asyncio.create_task(_drain(feed, stop)) for feed in feeds]
    for step in range(120):
        clock.advance(minutes=1)
        desk = rng.choice(DESKS)
        action = rng.random()
        try:
            if action < 0.55:
                commands.call_next(store, desk, ACTOR)
            elif action < 0.65:
                commands.recall(store, desk, ACTOR)
            elif action < 0.75:
                commands.skip(store, desk, ACTOR)
            elif action < 0.82:
                missed = [t for t in all_tickets(store) if t.state.value == "missed"]
                if missed:
                    commands.requeue(store, rng.choice(missed).number, ACTOR)
            elif action < 0.86:
                commands.send_away(store, desk, ACTOR)
            elif action < 0.89:
                away = [t for t in all_tickets(store) if t.state.value == "away"]
                if away:
                    commands.come_back(store, away[0].number, ACTOR)
            elif action < 0.92:
                waiting = [t for t in all_tickets(store) if t.state.value == "waiting"]
                target = commands.ToDesk("nk-zj") if rng.random() < 0.5 else commands.ToQueue("wk")
                commands.transfer(store, rng.choice(waiting).number, target, ACTOR, "referral")
            elif action < 0.94:
                waiting = [t for t in all_tickets(store) if t.state.value == "waiting"]
                set_priority(store, rng.choice(waiting).number, "elderly", ACTOR)
            elif action < 0.96:
                waiting = [t for t in all_tickets(store) if t.state.value == "waiting"]
                commands.cancel(store, rng.choice(waiting).number, "left", ACTOR)
            elif action < 0.98:
                commands.pause(store, desk, ACTOR, reason="break")
            else:
                commands.resume(store, desk, ACTOR)
        except QueueError:
            pass
        if step % 10 == 0:
            for feed in feeds[len(SCREENS) :]:
                await feed.send({"type": "presence", "status": "on_my_way"})
            calls = [m for m in feeds[0].messages if m["type"] == "call"]
            if calls:
                await feeds[0].send({"type": "ack", "seq": calls[-1]["seq"]})
        await asyncio.sleep(0)
    await caught_up(server, store)
    for feed in feeds:
        await feed.send({"type": "ping"})
    async with asyncio.timeout(10):
        while not all(any(m["type"] == "pong" for m in f.messages) for f in feeds):
            await asyncio.sleep(0.02)
    stop.set()
    await asyncio.gather(*readers)
    return feeds
