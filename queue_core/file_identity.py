"""Which file a Store has open: the database's and its -wal's identity (device, inode).

A process keeps working on the file it opened even after that file was deleted or replaced at
its path: a desk would go on calling on a deleted inode that no other process sees, and a
-wal deleted under open connections takes recent commits with it at the next start. So the
identity is recorded when a Store opens and compared before every write and on every look of
the server's health and the consoles' watchers: two `stat` calls.

Hard links are refused rather than tolerated: the writer gate could be keyed by identity, but
SQLite names the -wal and -shm after the path, so two links to one database get two logs and
two indexes of it, and the file is damaged by the first writes through both.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from queue_core.errors import FileReplaced, HardLinked
from queue_core.file_faults import wal_path

Identity = tuple[int, int]  # (st_dev, st_ino)


def _identity(path: Path | str) -> Identity | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def refuse_hard_links(path: Path) -> None:
    """Raise HardLinked if the database at `path` has other names (a directory's links are its
    entries: what is no file is refused later, as no database)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
        raise HardLinked(str(path), st.st_nlink)


@dataclass(frozen=True)
class OpenedFiles:
    """The identities recorded at open; `None` for a -wal that did not exist then. The paths
    are kept as text: the check runs before every write, and pathlib costs more than `stat`."""

    path: str
    wal: str
    db_identity: Identity | None
    wal_identity: Identity | None

    @classmethod
    def record(cls, path: Path) -> OpenedFiles:
        wal = wal_path(path)
        return cls(str(path), str(wal), _identity(path), _identity(wal))

    def changed(self) -> FileReplaced | None:
        """The refusal for a database or -wal that is no longer the one opened, or None."""
        if _identity(self.path) != self.db_identity:
            return FileReplaced(self.path, f"{self.path} was deleted or replaced")
        if self.wal_identity is not None and _identity(self.wal) != self.wal_identity:
            return FileReplaced(self.path, f"{self.wal} was deleted or replaced")
        return None

    def check(self) -> None:
        fault = self.changed()
        if fault is not None:
            raise fault
