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
when another writer has it, the gate's waiter (one thread, started at the first wait and kept,
since starting a thread per wait costs more than the write it waits for) waits for it in the
kernel, so the fair wake-up stays, while the writer waits for the waiter only until its deadline,
then gives up with `StoreBusy`. A wait given up is not taken back: the next write waits on it,
and if the lock reaches it with nobody waiting any more, it lets go at once.

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
    LATE = "late"  # the deadline passed first; the waiter keeps waiting, for nobody
    FAILED = "failed"  # this file system has no locks


class _Waiter:
    """Blocking `flock`s of the gate's descriptor, one at a time, in a daemon thread: a process
    must be able to exit while its waiter still waits for a stopped writer."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._cond = threading.Condition()
        self.in_flight = False  # a flock is asked for or under way; only the gate's lock guards it
        self._wanted = False  # a writer waits for this flock; if not when it comes, it is let go
        self._outcome: Outcome | None = None
        self._closing = False  # the gate closed: the thread ends, closing the descriptor if late
        threading.Thread(target=self._run, name="writer-gate", daemon=True).start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self.in_flight and not self._closing:
                    self._cond.wait()
                if self._closing and not self.in_flight:
                    return
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX)
                failed = False
            except OSError:
                failed = True
            with self._cond:
                self.in_flight = False
                if failed:
                    self._outcome = Outcome.FAILED
                elif self._wanted:
                    self._outcome = Outcome.TAKEN
                else:
                    fcntl.flock(self.fd, fcntl.LOCK_UN)
                self._cond.notify_all()
                if self._closing:
                    os.close(self.fd)
                    return

    def take(self, timeout: float) -> Outcome:
        """Wait up to `timeout` seconds for the lock, joining a flock already under way."""
        end = time.monotonic() + timeout
        with self._cond:
            self._outcome = None
            self._wanted = True
            if not self.in_flight:
                self.in_flight = True
                self._cond.notify_all()
            while self._outcome is None:
                left = end - time.monotonic()
                if left <= 0:
                    self._wanted = False
                    return Outcome.LATE
                self._cond.wait(left)
            self._wanted = False
            return self._outcome

    def stop(self) -> bool:
        """The gate closes: True if a flock is still under way and the thread will close the
        descriptor when it returns."""
        with self._cond:
            self._closing = True
            self._wanted = False
            self._cond.notify_all()
            return self.in_flight


class WriterGate:
    """The lock file of one database for one Store, whose threads take turns before it."""

    def __init__(self, db: Path) -> None:
        # The real file: two desks reaching it through different links share one lock.
        self._db = db.resolve()
        self.path = lock_path(self._db)
        self._fd: int | None = None
        self._opened = False
        self._waiter: _Waiter | None = None  # started at the first wait for another writer
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
        with self._state:
            if not self._opened:
                self._fd = self._open()
            if self._fd is None or sys.platform == "win32":
                return
            waiter = self._waiter
            # A flock given up earlier is still under way: the same descriptor must not be
            # tried meanwhile, or both would hold it.
            if waiter is None or not waiter.in_flight:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if waiter is None:
                        waiter = self._waiter = _Waiter(self._fd)
                except OSError:
                    self._close()  # no locks here: SQLite's busy handling, for good
                    return
        outcome = waiter.take(deadline - time.monotonic())
        if outcome is Outcome.LATE:
            raise StoreBusy()
        if outcome is Outcome.FAILED:
            with self._state:
                self._close()

    def release(self) -> None:
        with self._state:
            if self._fd is not None and sys.platform != "win32":
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._state:
            self._close()

    def _close(self) -> None:
        if self._fd is not None:
            waiter, self._waiter = self._waiter, None
            if waiter is None or not waiter.stop():
                os.close(self._fd)
            self._fd = None
