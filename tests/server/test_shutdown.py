"""`clinic-queue serve` as a real process: prints its address; SIGTERM closes clients (1001)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import pytest
from websockets.asyncio.client import connect

from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, ROOT
from tests.pg import on_both_stores
from tests.server.conftest import WAIT_S, Feed

pytestmark = pytest.mark.slow


@on_both_stores
async def test_sigterm_closes_every_client_with_1001(store: Store) -> None:
    ticket = issue_ticket(store, "nk-pt", ACTOR, name="张三丰")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clinic_queue",
        "--db",
        str(store.backend.target),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), WAIT_S)).decode()
        assert line.startswith("Serving on http://127.0.0.1:")
        base = line.split()[-1].replace("http://", "ws://")
        display = Feed(await connect(f"{base}/ws/display?since="))
        phone = Feed(await connect(f"{base}/ws/ticket/{ticket.token}?since="))
        assert (await display.next())["type"] == "snapshot"
        assert (await phone.next())["type"] == "ticket"
        process.send_signal(signal.SIGTERM)
        assert await display.close_code() == 1001
        assert await phone.close_code() == 1001
        assert await asyncio.wait_for(process.wait(), WAIT_S) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
