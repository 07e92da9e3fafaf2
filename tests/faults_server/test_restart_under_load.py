"""The server process dies (SIGKILL or SIGTERM) while screens and phones listen and desks keep
calling; started again, every client resumes with nothing missed or twice."""

from __future__ import annotations

import asyncio
import random
import signal
from pathlib import Path

import pytest

from benchmarks.server_common import ServerProcess
from benchmarks.server_fleet import LiveClient
from queue_core import commands
from queue_core.config import load_config
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SAMPLE_CONFIG
from tests.scenarios.restart import check_clients

pytestmark = pytest.mark.slow

WAIT_S = 30.0  # generous bound so a broken resume fails instead of hanging; not a timing check


async def until_current(clients: list[LiveClient], target: int) -> None:
    async with asyncio.timeout(WAIT_S):
        while any(c.last_seq is None or c.last_seq < target for c in clients):
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
async def test_every_client_resumes_after_a_restart_without_gaps_or_repeats(
    db_path: Path, signum: int
) -> None:
    initialise(db_path, load_config(SAMPLE_CONFIG), ACTOR).close()
    # The server process reads "today" from the wall clock, so the desks here do too.
    store = Store.open(db_path)
    tickets = [issue_ticket(store, "nk-pt", ACTOR, name=f"患者{i:02d}") for i in range(12)]
    server = ServerProcess(db_path)
    server.start()
    rng = random.Random(6)
    paths = ["/ws/display", "/ws/display?desks=nk1"] + [
        f"/ws/ticket/{t.token}" for t in tickets[4:]
    ]
    clients = [LiveClient(server.base, p, random.Random(rng.random())) for p in paths]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(c.run(stop)) for c in clients]
    try:
        async with asyncio.timeout(WAIT_S):
            await asyncio.gather(*(c.first.wait() for c in clients))
        commands.call_next(store, "nk1", ACTOR)
        await until_current(clients, store.last_seq())
        await asyncio.to_thread(server.stop, signum)
        commands.call_next(store, "nk2", ACTOR)
        commands.call_next(store, "nk1", ACTOR)
        await asyncio.to_thread(server.start)
        await until_current(clients, store.last_seq())
        commands.call_next(store, "nk2", ACTOR)
        await until_current(clients, store.last_seq())
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        server.stop()
    assert all(c.opens == 2 for c in clients)
    ids = {t.token: t.id for t in tickets}
    filtered = [c.result() for c in clients if c.path == "/ws/display?desks=nk1"]
    everyone = [c.result() for c in clients if c.path != "/ws/display?desks=nk1"]
    assert check_clients(store, everyone, ids) == (0, 0, 0)
    nk1_calls = [s for k, s, _, _ in filtered[0]["messages"] if k == "call"]
    store.close()
    assert len(nk1_calls) == len(set(nk1_calls)) == 2
