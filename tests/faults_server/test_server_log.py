"""No client input leaves a traceback in the server's log: the hostile attempts against a real
`clinic-queue serve` process, whose stderr must stay empty."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from benchmarks.server_common import ServerProcess
from queue_core import commands
from queue_core.config import load_config
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SAMPLE_CONFIG
from tests.scenarios import hostile

pytestmark = pytest.mark.slow


def test_hostile_input_leaves_nothing_in_the_server_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A public address that phones can reach: `serve` then has no warning to write either.
    monkeypatch.setenv("CLINIC_QUEUE_PUBLIC_URL", "https://queue.hospital.example")
    db = tmp_path / "clinic-queue.db"
    initialise(db, load_config(SAMPLE_CONFIG), ACTOR).close()
    store = Store.open(db)
    ticket = issue_ticket(store, "wk", ACTOR, name="周八")
    commands.call_next(store, "wk1", ACTOR)
    log = tmp_path / "server.log"
    server = ServerProcess(db, log=log)
    server.start()
    try:
        counts = asyncio.run(hostile.attack(server.base, ticket.token, seed=7, each=10))
    finally:
        server.stop()
        store.close()
    assert log.read_text(encoding="utf-8") == ""
    assert {name: ok for name, (_, ok, _, _) in counts.items()} == {
        name: tried for name, (tried, _, _, _) in counts.items()
    }
