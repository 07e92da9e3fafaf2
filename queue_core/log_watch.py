"""When a reader of the log looks again: asleep until the database's files change, or polling.

The display server's tail must see a commit within a few milliseconds, and a desk console should
show another desk's change as soon; yet a clinic's server is idle most of the day, and looking
every millisecond all day costs a share of a core for nothing (and a GIL hand-over each time).
A commit writes the WAL file, and inotify wakes the reader on that write. The commit becomes
visible to readers only later (after its fsync and the WAL index update, which raise no event;
on a busy machine the fsync alone can outlast `AWAKE_S`), so after a wake-up the reader looks every
millisecond until it sees the change (for at most `SETTLE_S`), then for `AWAKE_S` more, and
trusts the watch again only once things are quiet. A commit writes its log in several steps,
each an event, and the reader wakes at the first; so the events are drained before every look.
Otherwise those of a commit already seen woke it again when the awake window ended, for another
`SETTLE_S` of looks every millisecond: with calls a second apart, it never slept.

Where inotify is missing (not Linux, or no watches left) the reader polls at a fixed pace.
"""

from __future__ import annotations

import ctypes
import os
import select
import sys
import threading
import time
from abc import ABC, abstractmethod
from pathlib import Path

IN_MODIFY, IN_MOVED_TO, IN_CREATE = 0x2, 0x80, 0x100  # linux/inotify.h
IN_NONBLOCK, IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC
POLL_S = 0.001  # while the files change, look this often
SETTLE_S = 1.0  # after a file changed, look every POLL_S until the commit shows, this long
AWAKE_S = 0.05  # after a change was seen, look every POLL_S this much longer
SAFETY_LOOK_S = 1.0  # with no event at all, look anyway this often


class LogWatch(ABC):
    """Paces one reader: `pause()` returns when its next look at the log is due."""

    @abstractmethod
    def pause(self) -> None:
        """Block until the next look is due, or `wake()` is called."""

    def changed(self) -> None:  # noqa: B027 - polling has nothing to remember
        """The last look found a change: more may follow soon."""

    @abstractmethod
    def wake(self) -> None:
        """End the current (or the next) pause at once: to stop, or to look right now."""

    def close(self) -> None:  # noqa: B027 - polling holds no descriptor
        """Release what the watch holds; only once its reader has stopped."""

    @staticmethod
    def open(directory: Path, poll_s: float, idle_s: float = SAFETY_LOOK_S) -> LogWatch:
        """inotify on the database's directory where it works (a look at least every
        `idle_s` even when nothing changes), else polling every `poll_s`."""
        if sys.platform.startswith("linux"):
            try:
                return InotifyWatch(directory, idle_s)
            except (OSError, AttributeError):
                pass
        return PollWatch(poll_s)


class PollWatch(LogWatch):
    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self._woken = threading.Event()

    def pause(self) -> None:
        self._woken.wait(self.every_s)
        self._woken.clear()

    def wake(self) -> None:
        self._woken.set()


class InotifyWatch(LogWatch):
    """A directory's inotify descriptor, plus a pipe that `wake()` writes to."""

    def __init__(self, directory: Path, idle_s: float = SAFETY_LOOK_S) -> None:
        self.idle_s = idle_s
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
        os.set_blocking(self.wake_read, False)
        self._awake_until = 0.0  # look every POLL_S until then; after it, sleep until a change

    def pause(self) -> None:
        if time.monotonic() < self._awake_until:
            self._select([self.wake_read], POLL_S)
            self.drain()  # this look covers them: they must not wake the reader again
        elif self.wait(self.idle_s):
            self._awake_until = time.monotonic() + SETTLE_S

    def changed(self) -> None:
        self._awake_until = time.monotonic() + AWAKE_S

    def wait(self, timeout: float) -> bool:
        """Until a file in the directory changes, `wake()` is called, or `timeout` passes.
        True if something changed (the events are read and dropped: any change means look)."""
        ready = self._select([self.fd, self.wake_read], timeout)
        if self.fd not in ready:
            return False
        self.drain()
        return True

    def drain(self) -> None:
        """Read the pending events and drop them: which file changed does not matter, and a
        look at the database right after this covers every change they announced."""
        read_all(self.fd)

    def wake(self) -> None:
        os.write(self.wake_write, b"x")

    def close(self) -> None:
        for fd in (self.fd, self.wake_read, self.wake_write):
            os.close(fd)

    def _select(self, fds: list[int], timeout: float) -> list[int]:
        ready, _, _ = select.select(fds, [], [], timeout)
        if self.wake_read in ready:
            read_all(self.wake_read)
        return ready


def read_all(fd: int) -> None:
    while True:
        try:
            if not os.read(fd, 65_536):
                return
        except BlockingIOError:
            return
