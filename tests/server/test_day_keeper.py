"""What the display server does by itself when a day ends: yesterday's links stop opening
anything once the retention erased them, and the clinic's copies are made and kept to `keep`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from display_server.backups import Backups
from display_server.server import serve
from queue_core.config import BackupConfig, parse_config
from queue_core.events import EventType
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from tests.cli.test_purge_postgres import on_disk
from tests.conftest import ACTOR, SAMPLE_CONFIG, SteppingClock
from tests.pg import STORES, PgServer, store_target
from tests.server.conftest import WAIT_S
from tests.server.test_http_routes import get

NAME = "欧阳锋锐"


def clinic(db: Path | str, clock: SteppingClock, extra: str) -> Store:
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace("[clinic]\n", "[clinic]\nretention_days = 0\n", 1) + extra
    initialise(db, parse_config(text), ACTOR, now=clock()).close()
    return Store.open(db, clock=clock)


async def until(check: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT_S):
        while not check():
            await asyncio.sleep(0.02)


async def test_a_day_past_the_retention_is_erased_and_its_links_open_nothing(
    tmp_path: Path, clock: SteppingClock
) -> None:
    db = tmp_path / "clinic-queue.db"
    store = clinic(db, clock, "")
    ticket = issue_ticket(store, "nk-pt", ACTOR, name=NAME, phone="13912344321")
    async with serve(store, "127.0.0.1", 0, day_look_s=0.02) as server:
        assert (await get(server, f"/t/{ticket.token}"))[0] == 200
        clock.advance(days=1)  # nobody commits: the server closes the day, then erases it
        await until(lambda: any(e.type is EventType.PURGE for e in store.events_since(0)))
        assert (await get(server, f"/t/{ticket.token}"))[0] == 404
        wal = db.with_name(db.name + "-wal")
        for secret in (NAME, ticket.token):
            await until(lambda: secret.encode() not in db.read_bytes() + wal.read_bytes())  # noqa: B023
        [purge] = [e for e in store.events_since(0) if e.type is EventType.PURGE]
        assert (purge.actor, purge.payload["tickets"]) == ("system", 1)
    store.close()


async def test_the_server_erases_a_day_past_the_retention_out_of_postgresql_s_files(
    pg_server: PgServer, pg_url: str, clock: SteppingClock
) -> None:
    store = clinic(pg_url, clock, "")
    ticket = issue_ticket(store, "nk-pt", ACTOR, name=NAME, phone="13912344321")
    async with serve(store, "127.0.0.1", 0, day_look_s=0.02) as server:
        assert (await get(server, f"/t/{ticket.token}"))[0] == 200
        assert on_disk(pg_server, pg_url, NAME, ticket.token)  # the check can see them
        clock.advance(days=1)  # nobody commits: the server closes the day, then erases it
        await until(lambda: any(e.type is EventType.PURGE for e in store.events_since(0)))
        assert (await get(server, f"/t/{ticket.token}"))[0] == 404
        # The erasure's commit comes first; its VACUUM FULL of each table follows.
        await until(lambda: not on_disk(pg_server, pg_url, NAME, ticket.token))
        [purge] = [e for e in store.events_since(0) if e.type is EventType.PURGE]
        assert (purge.actor, purge.payload["tickets"]) == ("system", 1)
    store.close()


async def test_the_server_makes_the_data_folder_a_clinic_on_postgresql_names(
    pg_url: str, clock: SteppingClock
) -> None:
    store = clinic(pg_url, clock, "")
    folder = store.path.parent  # $CLINIC_QUEUE_DATA_DIR, which nothing has made yet
    assert not folder.exists()
    async with serve(store, "127.0.0.1", 0, day_look_s=0.02) as server:
        assert (await get(server, "/healthz"))[0] == 200
        assert folder.is_dir()
    store.close()


@pytest.fixture(params=STORES)
def either_store(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """A new SQLite file, or a new database on the tests' PostgreSQL server."""
    return store_target(request, tmp_path)


async def test_the_server_copies_the_clinic_after_each_day_and_keeps_the_newest(
    either_store: Path | str, clock: SteppingClock
) -> None:
    store = clinic(either_store, clock, '\n[backup]\ndirectory = "backups"\nkeep = 2\n')
    folder = store.path.parent / "backups"  # beside the file, or in $CLINIC_QUEUE_DATA_DIR
    async with serve(store, "127.0.0.1", 0, day_look_s=0.02):
        for day in range(3):
            issue_ticket(store, "nk-pt", ACTOR, name=f"患者{day}")
            clock.advance(days=1)
            copies = min(2, day + 1)
            await until(lambda: folder.is_dir() and len(list(folder.iterdir())) == copies)  # noqa: B023
            await asyncio.sleep(0.1)  # no second copy of the same day comes
            assert len(list(folder.iterdir())) == copies
    names = sorted(p.name for p in folder.iterdir())
    stamps = [(clock() - timedelta(days=n)).astimezone(store.config.tz) for n in (1, 0)]
    named = store.path.name.removesuffix(".db")  # the file's name, or the database's
    assert names == [f"{named}-{s:%Y%m%d-%H%M%S}.db" for s in stamps]
    assert folder.stat().st_mode & 0o777 == 0o700
    store.close()


async def test_copies_every_n_minutes_come_only_when_due(
    tmp_path: Path, clock: SteppingClock, capsys: pytest.CaptureFixture[str]
) -> None:
    store = clinic(tmp_path / "clinic-queue.db", clock, "")
    minutes = [0.0]
    config = BackupConfig("backups", keep=5, every_minutes=30)
    copies = Backups(store, config, "server-a", clock=lambda: minutes[0] * 60)
    folder = tmp_path / "backups"
    await copies.when_due()
    assert not folder.exists()
    minutes[0] = 30
    clock.advance(minutes=30)
    await copies.when_due()
    await copies.when_due()  # the next one is 30 minutes later
    [made] = folder.iterdir()
    assert capsys.readouterr().out == f"Backed up to {made}\n"
    store.close()
