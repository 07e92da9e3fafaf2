"""The log tail sleeps until the database's files change: a commit elsewhere wakes it."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from display_server.log_watch import LogWatch
from queue_core.store import Store
from tests.conftest import ROOT

LIMIT_S = 10.0  # how long a test waits before failing (not a timing check)


@pytest.mark.slow
def test_a_commit_by_another_process_wakes_the_watch(store: Store, db_path: Path) -> None:
    watch = LogWatch.open(db_path.parent)
    assert watch is not None  # Linux: inotify is there
    try:
        assert watch.wait(0.05) is False  # nothing changed
        command = [sys.executable, "-m", "clinic_queue", "--db", str(db_path), "ticket", "nk-pt"]
        subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
        assert watch.wait(LIMIT_S) is True
        assert watch.wait(0.05) is False  # the events were read: quiet again
    finally:
        watch.close()


def test_wake_ends_a_wait_without_a_change(tmp_path: Path) -> None:
    watch = LogWatch.open(tmp_path)
    assert watch is not None
    try:
        results: list[bool] = []
        waiter = threading.Thread(target=lambda: results.append(watch.wait(LIMIT_S * 6)))
        waiter.start()
        watch.wake()
        waiter.join(LIMIT_S)
        assert results == [False]
    finally:
        watch.close()


@pytest.mark.slow
def test_drained_events_wake_no_one(store: Store, db_path: Path) -> None:
    """The tail drains before each look: a commit it has already seen must not wake it again."""
    watch = LogWatch.open(db_path.parent)
    assert watch is not None
    try:
        command = [sys.executable, "-m", "clinic_queue", "--db", str(db_path), "ticket", "nk-pt"]
        subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
        watch.drain()
        assert watch.wait(0.05) is False
        subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
        assert watch.wait(LIMIT_S) is True  # a commit after the drain still wakes it
    finally:
        watch.close()
