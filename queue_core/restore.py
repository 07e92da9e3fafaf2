"""Putting a backup in place of the queue file, only when nothing has the file open.

The backup is checked as a new copy is (queue_core/backup.py), copied beside the database under
a temporary name, checked again and put in WAL mode, as `init` leaves a database. Only then,
when no process has the database open (queue_core/file_users.py), the current file moves aside
with its `-wal` (they stay a pair SQLite can open: nothing it held is lost) and the copy is
renamed into its place. Looking for users just before the rename leaves the least time for one
to start; a desk or server started during a restore is still an operator's mistake to avoid.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from queue_core.backup import PARTIAL, Copy, check_copy, copy_file, sync_dir
from queue_core.errors import FileInUse, RestoreFailed
from queue_core.file_users import holder, shm_path

_STAMP = "%Y%m%d-%H%M%S"


@dataclass(frozen=True)
class Restored:
    copy: Copy
    replaced: Path | None  # where the file it replaced was kept


def _wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def restore(source: Path, db: Path, now: datetime) -> Restored:
    """Replace `db` by the backup `source` (see the module's docstring)."""
    if source.resolve() == db.resolve():
        raise RestoreFailed(f"{source} is the database itself; nothing was changed.")
    backup = check_copy(source)
    partial = db.with_name(db.name + PARTIAL)
    # The file it replaces says who may use the database; a backup is never wider than 0660.
    mode = db.stat().st_mode & 0o777 if db.exists() else source.stat().st_mode & 0o660
    replaced: Path | None = None
    try:
        partial.unlink(missing_ok=True)  # left by a restore that was interrupted
        events = copy_file(source, partial, mode)
        placed = check_copy(partial)
        if placed.events != events or events != backup.events:
            raise RestoreFailed(f"the copy of {source} did not hold its {backup.events} events.")
        _to_wal(partial)
        pid = holder(db)
        if pid is not None:
            raise FileInUse(str(db), pid)
        replaced = _move_aside(db, now)
        os.rename(partial, db)
        sync_dir(db.parent)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        if not isinstance(exc, OSError | sqlite3.Error):
            raise
        kept = f"the database is kept as {replaced}" if replaced else f"{db} was not changed"
        raise RestoreFailed(f"{exc} ({kept}).") from None
    return Restored(Copy(db, placed.events, placed.last_at, placed.size), replaced)


def _to_wal(path: Path) -> None:
    """In WAL mode, as `init` leaves a database: from its first reader on, `holder` sees who
    has it open."""
    with closing(sqlite3.connect(str(path))) as conn:
        conn.execute("PRAGMA journal_mode = WAL")


def _move_aside(db: Path, now: datetime) -> Path | None:
    if not db.exists():
        return None
    aside = db.with_name(f"{db.name}.replaced-{now.strftime(_STAMP)}")
    os.rename(db, aside)
    if _wal(db).exists():
        os.rename(_wal(db), _wal(aside))
    shm_path(db).unlink(missing_ok=True)  # the WAL-index of a file nobody has open: stale
    return aside
