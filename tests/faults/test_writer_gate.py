"""The writer gate (`<db>.lock`): where it lives, who creates it,; a crash leaves it open."""

from __future__ import annotations

import fcntl
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from queue_core.line import read_board
from queue_core.registration import issue_ticket
from queue_core.store import Store
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
