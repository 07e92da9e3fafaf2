"""Sleep until the database's files change (Linux inotify), instead of looking every millisecond.

The log tail must see a commit within a few milliseconds, yet a clinic's server is idle most of
the day: looking every millisecond cost ~5 % of a core doing nothing (and a GIL hand-over each
time). A commit writes the WAL file; inotify wakes the tail on that write. The commit becomes
visible to readers only later (after its fsync and the WAL index update, which raise no event;
on a busy machine the fsync alone took over 50 ms), so after a wake-up the tail looks every
millisecond until it sees the change (for at most `SETTLE_S`), then for `AWAKE_S` more, and
trusts the watch again only once things are quiet. A commit writes its log in several steps,
each an event, and the tail wakes at the first; so it drains the events before every look.
Otherwise those of a commit it had just seen woke it again when the awake window ended, for
another `SETTLE_S` of looks every millisecond: with calls a second apart, it never slept.
Where inotify is missing it polls.
"""

from __future__ import annotations

import ctypes
import os
import select
import sys
from pathlib import Path

IN_MODIFY, IN_MOVED_TO, IN_CREATE = 0x2, 0x80, 0x100  # linux/inotify.h
IN_NONBLOCK, IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC
SETTLE_S = 1.0  # after a file changed, look every millisecond until the commit shows, this long
AWAKE_S = 0.05  # after a change was seen, look every millisecond this much longer
SAFETY_LOOK_S = 1.0  # with no event at all, look anyway this often


class LogWatch:
    """A directory's inotify descriptor plus a pipe that `wake()` writes to, for a clean stop."""

    def __init__(self, directory: Path) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        mask = IN_MODIFY | IN_CREATE | IN_MOVED_TO
        if libc.inotify_add_watch(fd, os.fsencode(directory), mask) < 0:
            errno = ctypes.get_errno()
            os.close(fd)
            raise OSError(errno, f"inotify_add_watch failed on {directory}")
        self.fd = fd
        self.wake_read, self.wake_write = os.pipe()

    @classmethod
    def open(cls, directory: Path) -> LogWatch | None:
        """None where inotify is unavailable (not Linux, or no watches left): poll instead."""
        if not sys.platform.startswith("linux"):
            return None
        try:
            return cls(directory)
        except (OSError, AttributeError):
            return None

    def wait(self, timeout: float) -> bool:
        """Until a file in the directory changes, `wake()` is called, or `timeout` passes.
        True if something changed (the events are read and dropped: any change means look)."""
        ready, _, _ = select.select([self.fd, self.wake_read], [], [], timeout)
        if self.fd not in ready:
            return False
        self.drain()
        return True

    def drain(self) -> None:
        """Read the pending events and drop them: which file changed does not matter, and a
        look at the database right after this covers every change they announced."""
        while True:
            try:
                os.read(self.fd, 65_536)
            except BlockingIOError:
                return

    def wake(self) -> None:
        os.write(self.wake_write, b"x")

    def close(self) -> None:
        for fd in (self.fd, self.wake_read, self.wake_write):
            os.close(fd)
