"""The database replaced, deleted or hard-linked under running processes: a process that holds
the old file refuses to write to it, and a second name for the file is refused outright."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from queue_core.errors import FileReplaced
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.cli.test_cli import Cli
from tests.cli.test_sick_file import CONFIG, clinic, one_line
from tests.conftest import ACTOR


@pytest.fixture
def cli(db_path: Path) -> Cli:
    cli = clinic(db_path)
    cli.ok("ticket", "nk-pt", "--name", "张三丰")
    return cli


def remove_database(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def test_a_desk_open_on_a_deleted_database_refuses_to_write_to_it(cli: Cli) -> None:
    desk = Store.open(cli.db)
    try:
        remove_database(cli.db)
        cli.ok("init", "--config", CONFIG)  # a new file at the same path
        with pytest.raises(FileReplaced, match="was deleted or replaced"):
            issue_ticket(desk, "nk-pt", ACTOR)
        assert desk.opened.changed() is not None
    finally:
        desk.close()
    assert cli.ticket("nk-pt") == "A001"  # the new file's first: the desk's went nowhere


def test_a_desk_whose_wal_was_deleted_refuses_to_write(cli: Cli) -> None:
    desk = Store.open(cli.db)
    try:
        Path(f"{cli.db}-wal").unlink()
        with pytest.raises(FileReplaced, match=f"{cli.db}-wal was deleted or replaced"):
            issue_ticket(desk, "nk-pt", ACTOR)
    finally:
        desk.close()


def test_a_database_with_a_second_hard_link_is_refused_through_either_name(cli: Cli) -> None:
    other = cli.db.with_name("other.db")
    os.link(cli.db, other)
    for args in (["status"], ["ticket", "nk-pt"], ["init", "--config", CONFIG]):
        for path in (cli.db, other):
            one_line(cli.run(*args, db=path), 2, f"{path} has 2 hard links", "nothing was changed")
    other.unlink()
    assert cli.ticket("nk-pt") == "A002"
