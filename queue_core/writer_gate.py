"""Fair admission of writers: an exclusive `flock` on `<db>.lock`, taken before BEGIN IMMEDIATE,
and never waited for past the writer's deadline.

SQLite's busy handler makes a waiting writer sleep in growing steps and poll again, so a desk
that has just committed usually wins the next race too: under load one desk can wait seconds
while another does thousands of commands. Waiters on a `flock` sleep in the kernel and are
woken the moment the holder lets go, so every desk gets its turn within a few commands.

The lock belongs to an open file, so the kernel drops it when its process dies, SIGKILL
included: a crashed desk never leaves the gate shut. A writer *stopped* inside its transaction
(SIGSTOP, a debugger, a frozen machine) holds it until it is continued or killed, and a thread
blocked in `flock` cannot be woken by anything else. So the lock is tried first without waiting;
when another writer has it, a helper thread waits for it in the kernel (the fair wake-up stays)
while the writer waits for the helper only until its deadline, then gives up with `StoreBusy`.
A helper still waiting then is kept: the gate's next write waits on it instead of starting
another, and if the lock reaches it with nobody waiting any more, it lets go at once.

Where the lock file cannot be opened or locked (read-only directory, a file system without
locks, Windows) the gate stays open and SQLite's own busy handling, retried by the store, still
keeps writers apart.
"""

from __future__ import annotations

import enum
import os
import sys
import threading
import time
from pathlib import Path

from queue_core.errors import StoreBusy

if sys.platform != "win32":
    import fcntl


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


class Outcome(enum.Enum):
    TAKEN = "taken"  # the lock is the gate's now
    LATE = "late"  # the deadline passed first; the helper keeps waiting, for nobody
    DROPPED = "dropped"  # the lock came while nobody waited and was let go: try again
    FAILED = "failed"  # this file system has no locks


class _Helper:
    """One blocking `flock` of the gate's descriptor, in a daemon thread: a process must be
    able to exit while its helper still waits for a stopped writer."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._mutex = threading.Lock()
        self._arrived = threading.Event()
        self._wanted = True  # someone waits for the lock; if not when it comes, it is let go
        self._outcome = Outcome.LATE
        self._close_fd = False  # the gate was closed meanwhile: the descriptor is ours to close
        threading.Thread(target=self._wait, name="writer-gate", daemon=True).start()

    def _wait(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            failed = False
        except OSError:
            failed = True
        with self._mutex:
            if failed:
                self._outcome = Outcome.FAILED
            elif self._wanted:
                self._outcome = Outcome.TAKEN
            else:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
                self._outcome = Outcome.DROPPED
            self._arrived.set()
            if self._close_fd:
                os.close(self.fd)

    def take(self, timeout: float) -> Outcome:
        """Wait up to `timeout` seconds for the lock."""
        with self._mutex:
            if self._arrived.is_set():
                return self._outcome
            self._wanted = True
        self._arrived.wait(max(0.0, timeout))
        with self._mutex:
            if self._arrived.is_set():
                return self._outcome
            self._wanted = False
            return Outcome.LATE

    def keep_fd(self) -> bool:
        """The gate closes: True if the helper still waits and will close the descriptor."""
        with self._mutex:
            if self._arrived.is_set():
                return False
            self._wanted = False
            self._close_fd = True
            return True


class WriterGate:
    """The lock file of one database for one Store, whose threads take turns before it."""

    def __init__(self, db: Path) -> None:
        # The real file: two desks reaching it through different links share one lock.
        self._db = db.resolve()
        self.path = lock_path(self._db)
        self._fd: int | None = None
        self._opened = False
        self._helper: _Helper | None = None  # waiting for the lock, past a deadline given up
        self._state = threading.Lock()  # never held while waiting: `close` may come meanwhile

    def _open(self) -> int | None:
        """Opened at the first write, so processes that only read never create the file."""
        self._opened = True
        if sys.platform == "win32":
            return None
        try:
            # Whoever may write the database must be able to open its lock: same permissions.
            mode = self._db.stat().st_mode & 0o666
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, mode)
                os.fchmod(fd, mode)
                return fd
            except FileExistsError:
                pass
            try:
                return os.open(self.path, os.O_RDWR)
            except PermissionError:
                # flock needs only an open file: reading rights are enough on local disks.
                return os.open(self.path, os.O_RDONLY)
        except OSError:
            return None

    def acquire(self, deadline: float) -> None:
        """Hold the lock before `deadline` (time.monotonic()), or raise StoreBusy."""
        while True:
            with self._state:
                if not self._opened:
                    self._fd = self._open()
                if self._fd is None or sys.platform == "win32":
                    return
                helper = self._helper
                if helper is None:
                    try:
                        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        return
                    except BlockingIOError:
                        helper = self._helper = _Helper(self._fd)
                    except OSError:
                        self._close()  # no locks here: SQLite's busy handling, for good
                        return
            outcome = helper.take(deadline - time.monotonic())
            with self._state:
                if outcome is Outcome.LATE:
                    raise StoreBusy()
                if self._helper is helper:
                    self._helper = None
                if outcome is Outcome.TAKEN:
                    return
                if outcome is Outcome.FAILED:
                    self._close()
                    return

    def release(self) -> None:
        with self._state:
            if self._fd is not None and sys.platform != "win32":
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._state:
            self._close()

    def _close(self) -> None:
        if self._fd is not None:
            helper, self._helper = self._helper, None
            if helper is None or not helper.keep_fd():
                os.close(self._fd)
            self._fd = None
