"""What two `clinic-queue serve` processes of one clinic do once between them, or share: each
webhook notification is sent by one of them, a backup copy is made by one, the phones'
check-in codes are the same on both, the desks count the screens of both."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from display_server.backups import Backups
from queue_core import commands
from queue_core.config import BackupConfig
from queue_core.duties import claim, shared_secret
from queue_core.outbox import CLAIM_S, due
from queue_core.registration import issue_ticket
from queue_core.screen_status import read_status
from queue_core.store import Store
from tests.conftest import ACTOR, HALL_KEY
from tests.instances import instances
from tests.notify.conftest import SECRET, notify_config
from tests.notify.receiver import ACCEPT, Receiver, receiving

PATIENCE_S = 60.0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving(SECRET, lambda _: ACCEPT) as running:
        yield running


@pytest.fixture
def clinic_text(receiver: Receiver) -> str:
    return notify_config(receiver.url, hook="timeout = 2")


def outbox(store: Store) -> list[dict[str, object]]:
    with store.read() as conn:
        return [dict(r) for r in conn.execute("SELECT * FROM outbox ORDER BY id")]


@pytest.mark.slow
def test_two_servers_send_each_notification_once(
    clinic: Store, clinic_db: str, tmp_path: Path, receiver: Receiver
) -> None:
    with instances(clinic_db, tmp_path) as servers:
        for index in range(40):
            issue_ticket(clinic, "nk-pt", ACTOR)
            if index % 2:
                commands.call_next(clinic, ("nk1", "nk2")[index % 4 // 2], ACTOR)
        end = time.monotonic() + PATIENCE_S
        while not all(r["delivered_at"] for r in outbox(clinic)):
            assert time.monotonic() < end, "the outbox did not drain"
            time.sleep(0.05)
        for server in servers:
            server.stop()  # nothing is in flight any more once both are gone
    rows = outbox(clinic)
    assert len(rows) > 40
    sent = Counter(r.key for r in receiver.requests)
    assert sent == Counter(str(r["idempotency_key"]) for r in rows)  # each once, none missing
    assert all(r.signed for r in receiver.requests)
    assert {r["claimed_by"] for r in rows} == {None}  # each claim ended with its delivery


def test_a_claimed_row_is_given_to_another_server_only_once_its_claim_ran_out(
    clinic: Store,
) -> None:
    issue_ticket(clinic, "nk-pt", ACTOR)
    now = clinic.now()
    mine = due(clinic, now, "server-a", [], 10)
    assert mine and due(clinic, now, "server-b", [], 10) == []
    later = now + timedelta(seconds=CLAIM_S + 1)  # server-a died during its try
    assert [r.id for r in due(clinic, later, "server-b", [], 10)] == [r.id for r in mine]


def test_an_occasion_is_claimed_by_the_first_server_only(clinic: Store) -> None:
    assert claim(clinic, "backup after the close of 2026-11-23", "server-a")
    assert not claim(clinic, "backup after the close of 2026-11-23", "server-b")
    assert claim(clinic, "backup after the close of 2026-11-23", "server-a")  # its own, still
    assert claim(clinic, "backup after the close of 2026-11-24", "server-b")


async def test_two_servers_make_one_copy_of_each_period(clinic: Store) -> None:
    config = BackupConfig("backups", keep=5, every_minutes=30)
    minutes = [0.0]
    servers = [Backups(clinic, config, name, lambda: minutes[0] * 60) for name in "ab"]
    minutes[0] = 30
    for server in servers:
        await server.when_due()
    assert len(list((clinic.path.parent / "backups").iterdir())) == 1  # or the data folder


def test_every_server_derives_the_codes_from_the_same_secret(
    clinic: Store, engine: str, clinic_db: str
) -> None:
    other = Store.open(clinic_db if engine == "postgresql" else Path(clinic_db))
    try:
        assert shared_secret(clinic, "checkin codes") == shared_secret(other, "checkin codes")
        assert len(shared_secret(other, "checkin codes")) == 32
    finally:
        other.close()


@pytest.mark.slow
async def test_the_desks_count_the_screens_of_every_server(
    clinic: Store, clinic_db: str, tmp_path: Path
) -> None:
    async def shown(count: int) -> None:
        end = time.monotonic() + PATIENCE_S
        while (status := read_status(clinic)) is None or status.desks["nk1"] != count:
            assert time.monotonic() < end, f"the desks still read {status}"
            await asyncio.sleep(0.05)

    with instances(clinic_db, tmp_path) as servers:
        async with contextlib.AsyncExitStack() as screens:
            for server in servers:
                url = f"ws://127.0.0.1:{server.port}/ws/display?key={HALL_KEY}"
                await screens.enter_async_context(connect(url, open_timeout=10))
            await shown(2)
            servers[0].stop()  # its row goes with it
            await shown(1)
