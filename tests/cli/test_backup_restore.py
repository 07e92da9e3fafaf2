"""`clinic-queue backup` and `restore` as an administrator runs them: a checked copy made while
desk processes write, and a restore that never replaces a file a process has open."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.cli.test_cli import Cli
from tests.conftest import ACTOR, ROOT
from tests.oracle import violations

BACKED_UP = re.compile(r"^Backed up \S+ to (\S+): ([\d,]+) events, the last at .+, integrity ok\.$")
# A desk process: issues, calls and finishes tickets as fast as it can until it is stopped.
WRITER = """
import sys
from queue_core import commands
from queue_core.registration import issue_ticket
from queue_core.store import Store
store = Store.open(sys.argv[1])
first = True
while True:
    issue_ticket(store, "nk-pt", "triage", name="张三丰", phone="13812345678")
    commands.call_next(store, "nk1", "nurse")
    commands.finish(store, "nk1", "nurse")
    if first:
        print("writing", flush=True)
        first = False
"""
# A process that has the database open and does nothing: a desk console between two keys.
IDLE = """
import sys, time
from queue_core.store import Store
store = Store.open(sys.argv[1])
store.last_seq()
print("open", flush=True)
time.sleep(120)
"""


@pytest.fixture
def cli(store: Store) -> Iterator[Cli]:
    """The sample clinic with a few tickets; the test's own store is closed first, so that no
    connection of this process holds the file."""
    for name in ("张三丰", "李四", "王五"):
        issue_ticket(store, "nk-pt", ACTOR, name=name)
    store.close()
    yield Cli(store.path)


def child(script: str, db: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline() != ""
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait(timeout=10)


def events_in(db: Path) -> int:
    with closing(Store.open(db)) as opened:
        return opened.last_seq()


def backed_up(cli: Cli, dest: Path) -> tuple[Path, int]:
    out = cli.ok("backup", str(dest))
    found = BACKED_UP.match(out.strip())
    assert found, out
    return Path(found.group(1)), int(found.group(2).replace(",", ""))


@pytest.mark.slow
def test_backups_made_while_a_desk_process_writes_are_sound_copies_of_one_moment(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    writer = child(WRITER, cli.db)
    try:
        copies = [backed_up(cli, folder / f"{n}.db") for n in range(3)]
    finally:
        stop(writer)
    counts = [events for _, events in copies]
    assert counts == sorted(counts) and counts[0] < counts[-1]  # the desk wrote meanwhile
    for path, events in copies:
        assert path.parent == folder and path.stat().st_mode & 0o007 == 0
        problems, facts = violations(path)
        assert (problems, facts.events) == ([], events)
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p, _ in copies)
    assert events_in(cli.db) > counts[-1]


@pytest.mark.slow
def test_a_restore_is_refused_while_a_process_has_the_file_open(cli: Cli, tmp_path: Path) -> None:
    copy, events = backed_up(cli, tmp_path / "monday.db")
    with closing(Store.open(cli.db)) as desk:
        issue_ticket(desk, "nk-pt", ACTOR, name="赵六")  # written after the copy
        later = desk.last_seq()
    idle = child(IDLE, cli.db)
    try:
        refused = cli.run("restore", str(copy))
    finally:
        stop(idle)
    assert (refused.code, refused.out) == (1, "")
    assert refused.err_lines == [
        f"clinic-queue: {cli.db} is open in process {idle.pid} (the display server, a desk or"
        " another command); stop every one of them first. Nothing was changed."
    ]
    assert events_in(cli.db) == later
    restored = cli.ok("restore", str(copy)).splitlines()
    assert restored[0].startswith(f"Restored {cli.db} from {copy}: {events} events, the last at")
    [aside] = [p for p in tmp_path.iterdir() if ".replaced-" in p.name and "-wal" not in p.name]
    assert restored[1] == f"The file it replaced is kept as {aside}."
    assert (events_in(cli.db), events_in(aside)) == (events, later)
    assert violations(cli.db)[0] == []


def test_a_restore_is_refused_while_this_process_has_the_file_open(
    cli: Cli, tmp_path: Path
) -> None:
    copy, _ = backed_up(cli, tmp_path / "monday.db")
    with closing(Store.open(cli.db)) as desk:
        seq = desk.last_seq()
        refused = cli.run("restore", str(copy))
        assert refused.code == 1 and "is open in" in refused.err
        assert desk.last_seq() == seq


def test_a_corrupt_backup_is_refused_and_the_database_stays(cli: Cli, tmp_path: Path) -> None:
    copy, events = backed_up(cli, tmp_path / "monday.db")
    data = bytearray(copy.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = b"\xff" * 4096
    copy.write_bytes(bytes(data))
    refused = cli.run("restore", str(copy))
    assert refused.code == 2 and len(refused.err_lines) == 1 and refused.out == ""
    assert refused.err.startswith(f"clinic-queue: {copy} cannot be used as a queue database")
    assert events_in(cli.db) == events


def test_a_backup_never_overwrites_a_file(cli: Cli, tmp_path: Path) -> None:
    dest = tmp_path / "monday.db"
    dest.write_text("the only copy of something else")
    refused = cli.run("backup", str(dest))
    assert refused.code == 1
    assert refused.err_lines == [
        f"clinic-queue: Backup failed: {dest} exists already; nothing was overwritten."
    ]
    assert dest.read_text() == "the only copy of something else"


def test_a_restore_into_a_folder_that_is_not_there_is_one_line(cli: Cli, tmp_path: Path) -> None:
    copy, _ = backed_up(cli, tmp_path / "monday.db")
    missing = tmp_path / "nowhere" / "clinic.db"
    refused = cli.run("restore", str(copy), db=missing)
    assert refused.code == 1 and len(refused.err_lines) == 1
    assert refused.err.startswith("clinic-queue: Restore failed:")
    assert not missing.parent.exists()
