"""Readers of the log sleep until the database's files change: a commit elsewhere wakes them."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from queue_core.log_watch import AWAKE_S, InotifyWatch, LogWatch, PollWatch
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, ROOT

LIMIT_S = 10.0  # how long a test waits before failing (not a timing check)


@pytest.mark.slow
def test_a_commit_by_another_process_wakes_the_watch(store: Store, db_path: Path) -> None:
    watch = InotifyWatch(db_path.parent)
    try:
        assert watch.wait(0.05) is False  # nothing changed
        command = [sys.executable, "-m", "clinic_queue", "--db", str(db_path), "ticket", "nk-pt"]
        subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
        assert watch.wait(LIMIT_S) is True
        assert watch.wait(0.05) is False  # the events were read: quiet again
    finally:
        watch.close()


def test_wake_ends_a_wait_without_a_change(tmp_path: Path) -> None:
    watch = InotifyWatch(tmp_path)
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
    watch = InotifyWatch(db_path.parent)
    try:
        command = [sys.executable, "-m", "clinic_queue", "--db", str(db_path), "ticket", "nk-pt"]
        subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
        watch.drain()
        assert watch.wait(0.05) is False
        subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
        assert watch.wait(LIMIT_S) is True  # a commit after the drain still wakes it
    finally:
        watch.close()


@pytest.mark.parametrize("kind", ["inotify", "poll"])
def test_wake_ends_a_pause_of_either_watch(tmp_path: Path, kind: str) -> None:
    watch: LogWatch = InotifyWatch(tmp_path) if kind == "inotify" else PollWatch(LIMIT_S * 6)
    try:
        done = threading.Event()

        def reader() -> None:
            watch.pause()
            done.set()

        waiter = threading.Thread(target=reader)
        waiter.start()
        watch.wake()
        waiter.join(LIMIT_S)
        assert done.is_set()
    finally:
        watch.close()


def test_a_reader_wakes_for_a_commit_and_stays_awake_a_while(store: Store, db_path: Path) -> None:
    watch = InotifyWatch(db_path.parent)
    try:
        issue_ticket(store, "nk-pt", ACTOR)
        watch.pause()  # the commit's file writes end this pause at once
        watch.changed()
        looks = 0
        started = time.monotonic()
        while time.monotonic() - started < AWAKE_S / 2:
            watch.pause()
            looks += 1
        assert looks > 1  # still looking closely: a second commit may follow the first
    finally:
        watch.close()
