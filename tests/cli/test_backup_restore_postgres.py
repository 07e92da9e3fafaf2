"""`clinic-queue backup` and `restore` on PostgreSQL: the same kind of file as on the SQLite
store, one snapshot while desks write, and a restore that replaces the clinic's rows only while
no other session has the database open, keeping what it held."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import psycopg
import pytest

from display_server.backups import Backups
from queue_core.backend import DATA_DIR_ENV
from queue_core.config import BackupConfig
from queue_core.store import Store
from tests.cli.test_backup_restore import BACKED_UP
from tests.cli.test_cli import PUBLIC_URL, Cli, with_public_url
from tests.cli.test_cli_postgres import PgCli
from tests.conftest import SteppingClock
from tests.oracle import violations
from tests.pg import PgServer


@pytest.fixture
def worked(pg_url: str, tmp_path: Path) -> PgCli:
    """A morning's work in PostgreSQL, run from the clinic's folder (`tmp_path`)."""
    config = tmp_path.parent / f"{tmp_path.name}.toml"
    config.write_text(with_public_url(PUBLIC_URL), encoding="utf-8")
    cli = PgCli(pg_url, tmp_path)
    cli.ok("init", "--config", str(config))
    for _ in range(3):
        cli.ticket("nk-pt")
    cli.ticket("wk")
    cli.ok("call", "nk1")
    cli.ok("skip", "nk1")
    cli.ok("call", "nk1")
    return cli


def backed_up(cli: PgCli, dest: Path) -> tuple[Path, int]:
    out = cli.ok("backup", str(dest))
    found = BACKED_UP.match(out.strip())
    assert found, out
    assert out.startswith(f"Backed up {cli.url} to ")
    return Path(found.group(1)), int(found.group(2).replace(",", ""))


def _line(cli: Cli) -> list[tuple[str, list[str]]]:
    return [(q["id"], cli.waiting(q["id"])) for q in cli.board()["queues"]]


def test_a_backup_of_postgresql_is_a_checked_file_the_sqlite_store_opens(
    worked: PgCli, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    copy, events = backed_up(worked, folder)
    database = worked.url.split("/")[3].split("?")[0]
    assert copy.parent == folder and copy.name.startswith(f"{database}-")
    assert copy.stat().st_mode & 0o077 == 0
    assert (violations(copy)[0], violations(copy)[1].events) == ([], events)
    as_file = Cli(copy)
    assert as_file.events() == worked.events()
    assert _line(as_file) == _line(worked)
    assert as_file.desk("nk1")["current"] == worked.desk("nk1")["current"]


def test_a_backup_restores_into_postgresql_keeping_what_the_database_held(
    worked: PgCli, tmp_path: Path
) -> None:
    copy, events = backed_up(worked, tmp_path / "monday.db")
    at_backup = worked.events()
    worked.ticket("wk")  # written after the copy
    later = worked.events()

    out = worked.ok("restore", str(copy)).splitlines()

    assert out[0].startswith(f"Restored {worked.url} from {copy}: {events} events, the last at")
    data = Path(os.environ[DATA_DIR_ENV])  # the queue's own files on PostgreSQL
    [kept] = [p for p in data.iterdir() if ".replaced-" in p.name]
    assert out[1] == f"What the database held is kept as {kept}."
    assert worked.events() == at_backup
    assert Cli(kept).events() == later
    # The clinic goes on from the restored log: the next seq after the backup's last.
    worked.ticket("wk")
    assert [e["seq"] for e in worked.events()] == list(range(1, events + 2))


def test_a_backup_of_the_file_restores_into_a_new_postgresql_database(
    pg_server: PgServer, worked: PgCli, tmp_path: Path
) -> None:
    copy, _ = backed_up(worked, tmp_path / "monday.db")
    file = tmp_path / "clinic-queue.db"
    Cli(file).ok("restore", str(copy))  # the file store takes the same kind of copy
    from_file, _ = backed_up_file(Cli(file), tmp_path / "from-file.db")
    fresh = PgCli(pg_server.fresh_database(), tmp_path / "fresh")
    (tmp_path / "fresh").mkdir()

    out = fresh.ok("restore", str(from_file)).splitlines()

    assert len(out) == 1  # a new database held nothing to keep
    assert fresh.events() == worked.events()
    assert _line(fresh) == _line(worked)


def backed_up_file(cli: Cli, dest: Path) -> tuple[Path, int]:
    found = BACKED_UP.match(cli.ok("backup", str(dest)).strip())
    assert found
    return Path(found.group(1)), int(found.group(2).replace(",", ""))


def test_a_restore_is_refused_while_another_session_has_the_database_open(
    worked: PgCli, tmp_path: Path
) -> None:
    copy, _ = backed_up(worked, tmp_path / "monday.db")
    worked.ticket("wk")
    before = worked.events()
    with psycopg.connect(worked.url, application_name="clinic-queue serve") as other:
        pid = other.info.backend_pid
        refused = worked.run("restore", str(copy))
    assert (refused.code, refused.out) == (1, "")
    assert refused.err_lines == [
        f"clinic-queue: {worked.url} is open in clinic-queue serve (process {pid}) (the display"
        " server, a desk or another command); stop every one of them first. Nothing was changed."
    ]
    assert worked.events() == before
    assert not [p for p in tmp_path.iterdir() if ".replaced-" in p.name]


def test_a_file_that_is_no_backup_is_refused_and_the_database_stays(
    worked: PgCli, tmp_path: Path
) -> None:
    before = worked.events()
    other = tmp_path / "notes.db"
    other.write_text("not a database")
    refused = worked.run("restore", str(other))
    assert refused.code == 2 and len(refused.err_lines) == 1
    assert refused.err.startswith(f"clinic-queue: {other} cannot be used as a queue database")
    assert worked.events() == before


def test_the_servers_own_backups_of_postgresql_keep_the_newest(
    worked: PgCli, tmp_path: Path, clock: SteppingClock
) -> None:
    store = Store.open(worked.url, clock=clock)
    try:
        config = BackupConfig(directory=str(tmp_path / "copies"), keep=2)
        backups = Backups(store, config, "this server")
        for minute in range(3):
            asyncio.run(backups.make(f"minute {minute}"))
            clock.advance(minutes=1)
    finally:
        store.close()
    kept = sorted((tmp_path / "copies").iterdir())
    assert len(kept) == 2
    for path in kept:
        assert Cli(path).events() == worked.events()
