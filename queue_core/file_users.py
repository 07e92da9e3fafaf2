"""Whether any process has the queue file open: what a restore must know before replacing it.

The writer gate (`<db>.lock`) is held only inside write transactions, so an idle desk or server
does not hold it, and a lock file of the server's own would not see the desks, the CLI or a
`sqlite3` shell. SQLite does see them all: every connection to a database in WAL mode holds a
read lock on one byte of its `-shm` file, the "dead-man switch" of the WAL-index (SQLite's
walformat.html), from its first read until it closes. A test for a write lock on that byte
fails while any connection of any process is open, and names the process holding it.

The test is an open file description lock (Linux), which sees this process's own connections
too. Closing a file drops every POSIX lock its process holds on it, SQLite's included, so the
`-shm` file is left open when this process turns out to hold it (a command refused this way
ends soon after). Elsewhere a plain POSIX lock test sees other processes only.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

if sys.platform != "win32":
    import fcntl

DMS_OFFSET = 128  # the WAL-index's dead-man switch: 120 + SQLITE_SHM_NLOCK (8)
_FLOCK = "hhqqi"  # struct flock: l_type, l_whence, l_start, l_len, l_pid


def shm_path(db: Path) -> Path:
    return db.with_name(db.name + "-shm")


def holder(db: Path) -> int | None:
    """The id of a process that has `db` open (-1 when the system does not say which), or
    None when no process has."""
    if sys.platform == "win32":
        return None
    try:
        fd = os.open(shm_path(db), os.O_RDONLY)
    except FileNotFoundError:
        return None  # SQLite removes it when the last connection closes
    command = getattr(fcntl, "F_OFD_GETLK", fcntl.F_GETLK)
    probe = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, DMS_OFFSET, 1, 0)
    kind, _, _, _, pid = struct.unpack(_FLOCK, fcntl.fcntl(fd, command, probe))
    if kind == fcntl.F_UNLCK:
        os.close(fd)
        return None
    if pid != os.getpid():
        os.close(fd)
    return int(pid)
