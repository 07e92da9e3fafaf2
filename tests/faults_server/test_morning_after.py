"""Real processes across a service-day boundary: yesterday's queue, left open, meets a server and
a CLI started the next morning (both read the wall clock)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from benchmarks.server_common import ServerProcess, wait_caught_up
from queue_core import commands
from queue_core.config import load_config
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store, utc_now
from tests.conftest import ACTOR, ROOT, SAMPLE_CONFIG

pytestmark = pytest.mark.slow

WAIT_S = 30.0  # a bound so a broken close fails instead of hanging; not a timing check


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clinic_queue", "--db", str(db), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=WAIT_S,
    )


async def test_a_server_started_the_next_morning_closes_yesterday_and_shows_an_empty_board(
    db_path: Path,
) -> None:
    yesterday = utc_now() - timedelta(days=1)
    initialise(db_path, load_config(SAMPLE_CONFIG), ACTOR, now=yesterday).close()
    store = Store.open(db_path, clock=lambda: yesterday)
    tickets = [issue_ticket(store, "nk-pt", ACTOR, name=f"患者{i}") for i in range(3)]
    commands.call_next(store, "nk1", ACTOR)
    left_open = store.last_seq()
    store.close()

    server = ServerProcess(db_path)
    server.start()
    try:
        # The close at start: three `closed` events and the `day_closed` one.
        await asyncio.to_thread(wait_caught_up, server.port, left_open + 4)
        async with connect(f"ws://127.0.0.1:{server.port}/ws/display?since=") as screen:
            snapshot = json.loads(await screen.recv())
        assert snapshot["type"] == "snapshot"
        assert [d["current"] for d in snapshot["board"]["desks"]] == [None] * 5
        token = tickets[-1].token
        async with connect(f"ws://127.0.0.1:{server.port}/ws/ticket/{token}?since=") as phone:
            ticket = json.loads(await phone.recv())
        assert (ticket["state"], ticket["closed"]) == ("not_seen", True)
    finally:
        server.stop()

    closed = cli(db_path, "events", "--type", "closed", "--json")
    assert closed.returncode == 0 and closed.stderr == ""
    was = {
        json.loads(line)["ticket"]: json.loads(line)["was"]
        for line in closed.stdout.split("\n")
        if line
    }
    assert was == {"A001": "called", "A002": "waiting", "A003": "waiting"}
    again = cli(db_path, "close-day")
    assert again.stdout == "Nothing to close: every day with tickets is closed already.\n"
    first = cli(db_path, "ticket", "nk-pt", "--json")
    assert json.loads(first.stdout)["number"] == "A001"  # numbers restart with the day
