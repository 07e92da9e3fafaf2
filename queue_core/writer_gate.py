"""Fair admission of writers: one blocking `flock` on `<db>.lock`, taken before BEGIN IMMEDIATE.

SQLite's busy handler makes a waiting writer sleep in growing steps and poll again, so a desk
that has just committed usually wins the next race too: under load one desk can wait seconds
while another does thousands of commands. Waiters on a `flock` sleep in the kernel and are
woken the moment the holder lets go, so every desk gets its turn within a few commands.

The lock belongs to an open file, so the kernel drops it when its process dies, SIGKILL
included: a crashed desk never leaves the gate shut. Where the lock file cannot be opened or
locked (read-only directory, a file system without locks, Windows) the gate stays open and
SQLite's own busy handling, retried by the store, still keeps writers apart.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if sys.platform != "win32":
    import fcntl


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


class WriterGate:
    """The lock file of one database for one Store; threads of a Store take turns before it."""

    def __init__(self, db: Path) -> None:
        # The real file: two desks reaching it through different links share one lock.
        self._db = db.resolve()
        self.path = lock_path(self._db)
        self._fd: int | None = None
        self._opened = False

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

    def acquire(self) -> None:
        """Sleep in the kernel until no other writer of this database is inside a transaction."""
        if not self._opened:
            self._fd = self._open()
        if self._fd is None or sys.platform == "win32":
            return
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except OSError:
            # No locks on this file system: fall back to SQLite's busy handling for good.
            self.close()

    def release(self) -> None:
        if self._fd is not None and sys.platform != "win32":
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
