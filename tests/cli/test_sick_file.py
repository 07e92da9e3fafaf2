"""A sick file or disk under the command line: one line naming the fault, exit 2, nothing lost.

Each fault is made for real: pages of the file overwritten, a file the user cannot write, a
disk that fills up (a small tmpfs, or a file size limit in a child process), the `-wal` deleted
under an open connection, a reader that closes the pipe.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.cli.test_cli import PUBLIC_URL, Cli, Run, with_public_url
from tests.conftest import ACTOR, ROOT, SAMPLE_APPOINTMENTS

PAGE = 4096
CONFIG = "clinic.toml"  # next to the database: `clinic` writes it


def clinic(db: Path) -> Cli:
    """The sample clinic at `db`, set up through `init` as a clinic sets it up."""
    config = db.with_name("clinic.toml")
    config.write_text(with_public_url(PUBLIC_URL), encoding="utf-8")
    cli = Cli(db)
    cli.ok("init", "--config", str(config))
    return cli


@pytest.fixture
def cli(db_path: Path) -> Cli:
    """The sample clinic with three walk-ins."""
    cli = clinic(db_path)
    for name in ("张三丰", "李四", "王五"):
        cli.ok("ticket", "nk-pt", "--name", name)
    return cli


def one_line(result: Run, code: int, *says: str) -> None:
    assert result.code == code, result.err
    assert len(result.err_lines) == 1, result.err
    assert "Traceback" not in result.err
    for words in says:
        assert words in result.err, result.err


# --- a corrupted file (item 8) -------------------------------------------------------------


def root_page(db: Path, table: str) -> int:
    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))
        return int(row.fetchone()[0])


def overwrite(db: Path, first_page: int, pages: int) -> None:
    """Garbage over whole pages (page 1 is the first), as a failing disk or a stray write."""
    with db.open("r+b") as f:
        f.seek((first_page - 1) * PAGE)
        f.write(bytes((i * 7 + 3) % 256 for i in range(256)) * (PAGE * pages // 256))


@pytest.mark.parametrize("where", ["the log's first page", "every page after the first"])
@pytest.mark.parametrize(
    "args",
    [["status"], ["events"], ["ticket", "nk-pt"], ["call", "nk1"], ["init", "--config", CONFIG]],
    ids=lambda a: a[0],
)
def test_a_corrupted_file_is_called_corrupt_with_how_to_restore_it(
    cli: Cli, where: str, args: list[str]
) -> None:
    if where == "the log's first page":
        overwrite(cli.db, root_page(cli.db, "events"), 1)
    else:
        overwrite(cli.db, 2, cli.db.stat().st_size // PAGE - 1)
    damaged = cli.db.read_bytes()
    result = cli.run(*args)
    one_line(result, 2, f"{cli.db} is damaged", "clinic-queue restore BACKUP", "docs/operations.md")
    assert "run 'clinic-queue init'" not in result.err
    assert cli.db.read_bytes() == damaged


# --- a file this user cannot write --------------------------------------------------------


@pytest.fixture
def read_only(cli: Cli) -> Iterator[Path]:
    """The database file made read-only for this process: its mode, or for root (whom modes do
    not stop) the immutable attribute; its folder stays writable."""
    if os.geteuid() != 0:
        cli.db.chmod(0o444)
        yield cli.db
        return
    if shutil.which("chattr") is None:
        pytest.skip("root needs chattr to make a file read-only")
    made = subprocess.run(["chattr", "+i", str(cli.db)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"this file system has no immutable files: {made.stderr!r}")
    try:
        yield cli.db
    finally:
        subprocess.run(["chattr", "-i", str(cli.db)], check=True)


@pytest.mark.parametrize(
    "args", [["ticket", "nk-pt"], ["call", "nk1"], ["init", "--config", CONFIG]], ids=str
)
def test_a_read_only_file_refuses_writes_in_one_line_and_still_reads(
    cli: Cli, read_only: Path, args: list[str]
) -> None:
    before = cli.events()
    one_line(cli.run(*args), 2, f"{read_only} is read-only", "nothing was changed")
    assert cli.events() == before
    assert [w["ticket"] for w in cli.queue("nk-pt")["next"]] == ["A001", "A002", "A003"]


# --- a full disk ---------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs of its own, so the disk really fills up (ENOSPC)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr!r}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(folder: Path) -> Path:
    """Take every free byte of the folder's disk with one file; removing it frees them."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * PAGE)
        except OSError:
            pass
    return filler


def test_a_full_disk_is_one_line_loses_nothing_and_work_resumes_once_space_is_freed(
    small_disk: Path,
) -> None:
    db = small_disk / "clinic-queue.db"
    cli = clinic(db)
    number = cli.ticket("nk-pt")
    before = cli.events()
    filler = fill(small_disk)
    for args in (["ticket", "nk-pt", "--name", "王" * 30], ["call", "nk1"]):
        one_line(cli.run(*args), 2, f"The disk holding {db} is full", "nothing was changed")
    filler.unlink()
    assert cli.events() == before
    assert cli.waiting("nk-pt") == [number]
    cli.ok("call", "nk1")
    assert cli.desk("nk1")["current"]["ticket"] == number


LIMITED = """
import resource, signal, sys
from clinic_queue.cli import main
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
size = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
sys.exit(main(sys.argv[2:]))
"""


def test_a_file_that_cannot_grow_is_one_line_and_loses_nothing(cli: Cli) -> None:
    """A file size limit (RLIMIT_FSIZE) on a child process: no root needed, and its writes fail
    the way a failing disk's do (EFBIG, an I/O error to SQLite)."""
    before = cli.events()
    size = cli.db.stat().st_size
    argv = ["--db", str(cli.db), "ticket", "nk-pt", "--name", "王" * 30]
    failed: subprocess.CompletedProcess[str] | None = None
    for _ in range(200):  # each ticket grows the -wal a little, until the limit stops one
        done = subprocess.run(
            [sys.executable, "-c", LIMITED, str(size), *argv],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        if done.returncode != 0:
            failed = done
            break
    assert failed is not None, "the limit never stopped a write"
    one_line(
        Run(failed.returncode, failed.stdout, failed.stderr),
        2,
        f"{cli.db} could not be written",
        "nothing was changed",
    )
    after = cli.events()
    assert after[: len(before)] == before
    assert [e["type"] for e in after[len(before) :]] == ["issue"] * (len(after) - len(before))


# --- the -wal deleted under an open connection -------------------------------------------


def test_a_command_while_the_wal_is_missing_under_an_open_desk_is_one_line(cli: Cli) -> None:
    desk = Store.open(cli.db)  # another desk, open all along
    try:
        issue_ticket(desk, "wk", ACTOR)
        Path(f"{cli.db}-wal").unlink()
        for args in (["status"], ["ticket", "nk-pt"], ["events"]):
            one_line(cli.run(*args), 2, f"{cli.db}-wal", "missing")
    finally:
        desk.close()
    # The desk was the last to close: SQLite wrote its log back into the file, so nothing of
    # what it committed is lost, and the next command works again.
    assert cli.waiting("wk") == ["C001"]
    assert cli.ticket("nk-pt") == "A004"


# --- arguments SQLite cannot hold, and a reader that goes away ------------------------------


@pytest.mark.parametrize("since", ["99999999999999999999999", "-99999999999999999999999"])
def test_events_since_a_number_too_large_for_the_log_is_a_usage_error(cli: Cli, since: str) -> None:
    one_line(cli.run("events", "--since", since), 2, "--since", "out of range for an event number")


def closed_pipe_run(argv: list[str], cwd: Path, closed: str) -> Run:
    """A real process whose stdout (or stderr) is a pipe nobody reads any more."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    streams: dict[str, int] = {closed: write_end}
    done = subprocess.run(
        [sys.executable, "-m", "clinic_queue", *argv],
        stdout=streams.get("stdout", subprocess.PIPE),
        stderr=streams.get("stderr", subprocess.PIPE),
        cwd=cwd,
        timeout=60,
    )
    os.close(write_end)
    return Run(
        done.returncode,
        (done.stdout or b"").decode(),
        (done.stderr or b"").decode(),
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["status", "--json"],
        ["ticket", "nk-pt"],
        ["call", "nk1"],
        ["import", "--dry-run", str(SAMPLE_APPOINTMENTS)],
        ["close-day", "--day", "2026-11-01"],
        ["--help"],
    ],
    ids=lambda a: a[0],
)
def test_a_closed_stdout_ends_every_command_quietly(cli: Cli, args: list[str]) -> None:
    result = closed_pipe_run(["--db", str(cli.db), *args], cli.db.parent, "stdout")
    assert (result.code, result.err) == (0, "")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "code"),
    [(["call", "nosuch"], 1), (["bogus"], 2), (["events", "--since", "x"], 2)],
    ids=["refusal", "usage", "bad-argument"],
)
def test_a_closed_stderr_keeps_the_exit_code_of_the_refusal(
    cli: Cli, args: list[str], code: int
) -> None:
    result = closed_pipe_run(["--db", str(cli.db), *args], cli.db.parent, "stderr")
    assert (result.code, result.out) == (code, "")
