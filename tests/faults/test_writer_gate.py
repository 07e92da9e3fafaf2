"""The writer gate (`<db>.lock`): where it lives, who creates it; a crash leaves it open, a
stopped writer keeps it shut only until the others' deadlines."""

from __future__ import annotations

import fcntl
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from queue_core.errors import StoreBusy
from queue_core.line import read_board
from queue_core.registration import issue_ticket
from queue_core.store import GIVE_UP_AFTER_S, Store
from queue_core.writer_gate import lock_path
from tests.conftest import ACTOR, ROOT

# Enters a write transaction, says so, and then never leaves it.
HOLDER = """
import sys, time
from queue_core.store import Store
store = Store.open(sys.argv[1])
with store.write() as tx:
    tx.save_desk(tx.desk("nk1"))
    print("inside", flush=True)
    time.sleep(3600)
"""


def _gate_is_free(db: Path) -> bool:
    fd = os.open(lock_path(db), os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_lock_file_sits_next_to_the_database_with_its_permissions(store: Store) -> None:
    lock_path(store.path).unlink(missing_ok=True)
    os.chmod(store.path, 0o660)
    issue_ticket(store, "nk-pt", ACTOR)
    lock = lock_path(store.path)
    assert lock.parent == store.path.resolve().parent
    assert stat.S_IMODE(lock.stat().st_mode) == 0o660


def test_a_process_that_only_reads_creates_no_lock_file(db_path: Path, store: Store) -> None:
    lock_path(db_path).unlink()
    reader = Store.open(db_path)
    try:
        read_board(reader)
        reader.events_since(0)
    finally:
        reader.close()
    assert not lock_path(db_path).exists()


@pytest.mark.slow
def test_a_writer_killed_inside_a_transaction_leaves_the_gate_open(
    db_path: Path, store: Store
) -> None:
    before = store.last_seq()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "inside"
    assert not _gate_is_free(db_path)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    assert _gate_is_free(db_path)
    ticket = issue_ticket(store, "nk-pt", ACTOR)
    events = store.events_since(before)
    assert [(e.type, e.ticket) for e in events] == [("issue", ticket.number)]
    with store.read() as conn:
        held = conn.execute("SELECT changed_at FROM desks WHERE id = 'nk1'").fetchone()[0]
    assert held != "held"


def test_threads_sharing_one_store_take_turns_at_the_gate(store: Store) -> None:
    threads = 4
    numbers: list[str] = []
    errors: list[BaseException] = []

    def desk() -> None:
        try:
            for _ in range(50):
                numbers.append(issue_ticket(store, "wk", ACTOR).number)
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=desk) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    assert sorted(numbers) == [f"C{i:03d}" for i in range(1, 50 * threads + 1)]


# --- a writer stopped inside its transaction ------------------------------------------------


@contextmanager
def stopped_writer(db: Path) -> Iterator[subprocess.Popen[str]]:
    """A process inside a write transaction, then stopped there (SIGSTOP): it holds the gate
    until it is continued or killed, as a desk frozen in a debugger or a suspended VM does."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "inside"
        holder.send_signal(signal.SIGSTOP)
        yield holder
    finally:
        holder.kill()
        holder.wait(timeout=30)


def gate_helpers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "writer-gate"]


@pytest.mark.slow
def test_a_write_behind_a_stopped_writer_gives_up_at_its_deadline(
    db_path: Path, store: Store
) -> None:
    desk = Store.open(db_path, give_up_after_s=1.0)
    try:
        with stopped_writer(db_path):
            for _ in range(3):  # each try waits its own deadline, on the one helper there is
                began = time.monotonic()
                with pytest.raises(StoreBusy):
                    issue_ticket(desk, "nk-pt", ACTOR)
                assert 1.0 <= time.monotonic() - began < 3.0
                assert len(gate_helpers()) == 1
        # The stopped writer is gone (killed): its lock with it, and the next write goes in.
        ticket = issue_ticket(desk, "nk-pt", ACTOR)
    finally:
        desk.close()
    assert [(e.type, e.ticket) for e in store.events_since(1)] == [("issue", ticket.number)]
    deadline = time.monotonic() + 5
    while gate_helpers() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gate_helpers() == []  # the helper took the freed lock for nobody, let go, and ended


@pytest.mark.slow
def test_a_write_waiting_for_its_turn_never_holds_up_the_same_store_s_reads(
    db_path: Path, store: Store
) -> None:
    """A console's commands and its watcher share one Store: the watcher must keep reading
    (and the indicator stay live) while a command waits behind another process's write."""
    desk = Store.open(db_path, give_up_after_s=5.0)
    refused: list[BaseException] = []

    def command() -> None:
        try:
            issue_ticket(desk, "nk-pt", ACTOR)
        except StoreBusy as exc:
            refused.append(exc)

    try:
        with stopped_writer(db_path):
            waiting = threading.Thread(target=command, daemon=True)
            waiting.start()
            time.sleep(0.2)  # the command is at the gate now
            began = time.monotonic()
            assert desk.last_seq() == store.last_seq()
            read_board(desk)
            assert time.monotonic() - began < 0.5
            waiting.join(timeout=10)
            assert not waiting.is_alive() and len(refused) == 1
    finally:
        desk.close()


@pytest.mark.slow
def test_the_cli_behind_a_stopped_writer_gives_up_after_30_s_in_one_line(
    db_path: Path, store: Store
) -> None:
    issue_ticket(store, "nk-pt", ACTOR)
    with stopped_writer(db_path):
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "clinic_queue", "--db", str(db_path), "call", "nk1"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=90,
        )
        waited = time.monotonic() - began
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "clinic-queue: The queue database stayed busy too long; nothing was changed, try again."
    ]
    assert GIVE_UP_AFTER_S <= waited < GIVE_UP_AFTER_S + 10
    assert [e.type for e in store.events_since(0)][-1] == "issue"
