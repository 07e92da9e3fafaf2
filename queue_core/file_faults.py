"""SQLite's errors of a failing file or disk, said as refusals someone can act on.

SQLite reports a damaged page, a full disk or a file it may not write as an exception of
whichever statement meets it first: the open, a read of the board, a write's COMMIT. The store
turns each into one refusal (queue_core/errors.py) wherever it happens, so that the CLI prints
one line, a console shows why, and the server answers instead of dying.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from queue_core.errors import (
    DatabaseCorrupt,
    DiskFailure,
    DiskFull,
    FileFault,
    FileReplaced,
    ReadOnlyDatabase,
    WalMissing,
)

SQLITE_MAGIC = b"SQLite format 3\x00"  # the first bytes of every SQLite database file
WAL_HEADER_SIZE = 32  # a -wal shorter than its header holds no commit


def wal_path(db: Path) -> Path:
    return db.with_name(db.name + "-wal")


def fault_of(exc: sqlite3.Error, path: Path) -> FileFault | None:
    """The refusal for what `exc` says about the file at `path`, or None if it says nothing
    about the file (a busy database, a mistake in a statement)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    shown = str(path)
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        # A file that never was SQLite is no damaged database: the caller says what it is.
        return DatabaseCorrupt(shown, str(exc)) if _is_sqlite(path) else None
    if primary == sqlite3.SQLITE_FULL:
        return DiskFull(shown)
    if code == sqlite3.SQLITE_READONLY_DBMOVED:
        return FileReplaced(shown, f"{path} was deleted or moved")
    if primary == sqlite3.SQLITE_READONLY:
        return ReadOnlyDatabase(shown)
    if primary == sqlite3.SQLITE_IOERR:
        if code == sqlite3.SQLITE_IOERR_SHORT_READ and _wal_is_empty(path):
            return WalMissing(shown)
        # A full disk often shows first as a -shm or -wal that cannot grow: an I/O error.
        return DiskFull(shown) if _disk_is_full(path) else DiskFailure(shown, str(exc))
    return None


@contextmanager
def faults_named(path: Path) -> Iterator[None]:
    """Inside: an SQLite error about the file at `path` leaves as its refusal."""
    try:
        yield
    except sqlite3.Error as exc:
        fault = fault_of(exc, path)
        if fault is None:
            raise
        raise fault from None


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def _wal_is_empty(path: Path) -> bool:
    """The -wal was deleted under open connections: the one SQLite made again holds nothing,
    while the -shm still indexes the commits of the deleted one."""
    try:
        return wal_path(path).stat().st_size < WAL_HEADER_SIZE
    except FileNotFoundError:
        return True


def _disk_is_full(path: Path) -> bool:
    try:
        return os.statvfs(path.parent).f_bavail == 0
    except OSError:
        return False
