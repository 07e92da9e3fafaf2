"""Online copies of the queue file: consistent while desks write, verified before they count.

SQLite's online backup API copies the pages of one read snapshot; WAL readers never block
writers, so desks keep working meanwhile. It copies in a single step, because a copy made in
steps starts over each time another connection commits. The event count is read in the same
snapshot, so the copy must hold exactly those events: it is written beside its destination
under a temporary name, checked (`PRAGMA integrity_check`, the events 1..N without a hole, N
the snapshot's), synced, and only then renamed into place. A copy that exists is a good one.

A copy holds the clinic's personal data as it was when it was made: it is as private as the
database (never readable by others), and kept only as long as the clinic says (`keep`).
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from queue_core import schema
from queue_core.errors import BackupFailed, NotADatabase
from queue_core.store import BUSY_TIMEOUT_MS, CONFIG_KEY, Store

PARTIAL = ".partial"  # the suffix of a copy still being written or checked
_STAMP = "%Y%m%d-%H%M%S"


@dataclass(frozen=True)
class Copy:
    """A checked copy: its path, its events (seq 1..events) and the time of the last one."""

    path: Path
    events: int
    last_at: str | None
    size: int


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def check_copy(path: Path) -> Copy:
    """A copy that can stand in for the queue file, or NotADatabase saying why not."""
    if not path.is_file():
        raise NotADatabase(str(path), "no such file")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
            if problems != ["ok"]:
                raise NotADatabase(str(path), f"integrity check: {'; '.join(problems[:3])}")
            if schema.foreign_tables(conn) or not _initialised(conn):
                raise NotADatabase(str(path), "not a clinic-queue database")
            count, last, last_at = conn.execute(
                "SELECT COUNT(*), COALESCE(MAX(seq), 0), MAX(at) FROM events"
            ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise NotADatabase(str(path), str(exc)) from None
    if count != last:
        raise NotADatabase(str(path), f"its log has {count} events up to seq {last}: some are lost")
    return Copy(path, int(count), last_at, path.stat().st_size)


def _initialised(conn: sqlite3.Connection) -> bool:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"_sqlite_migrations", "settings", "events", "tickets"} <= tables:
        return False
    row = conn.execute("SELECT 1 FROM settings WHERE key = ?", (CONFIG_KEY,)).fetchone()
    return row is not None


def copy_file(source: Path, target: Path, mode: int) -> int:
    """Copy one snapshot of `source` to `target` (a new file with `mode`) and sync it; returns
    the number of events the snapshot held. The copy is one file, without a WAL (the first
    store that opens it puts it back in WAL mode)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    os.fchmod(fd, mode)
    os.close(fd)
    with closing(_connect(source)) as src, closing(_connect(target)) as out:
        src.execute("BEGIN")
        try:
            events = int(src.execute("SELECT COUNT(*) FROM events").fetchone()[0])
            src.backup(out)
        finally:
            src.execute("COMMIT")
        out.execute("PRAGMA journal_mode = DELETE")
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return events


def sync_dir(directory: Path) -> None:
    """A rename is durable once its directory is synced."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_name(db: Path, now: datetime) -> str:
    return f"{db.stem}-{now.strftime(_STAMP)}.db"


def backup(db: Path, dest: Path, now: datetime) -> Copy:
    """Copy `db` to `dest` (a file that does not exist yet, or a directory, where the copy is
    named after the database and `now`); BackupFailed if it could not be made and checked."""
    mode = db.stat().st_mode & 0o660  # as private as the database, never readable by others
    return write_checked(db, dest, now, lambda partial: copy_file(db, partial, mode))


def write_checked(db: Path, dest: Path, now: datetime, write: Callable[[Path], int]) -> Copy:
    """The copy `write` makes of `db` at a new path (it returns the events the copy must
    hold), checked, then renamed to its name in `dest`; BackupFailed if it could not be made
    and checked, and then nothing is left."""
    target = dest / backup_name(db, now) if dest.is_dir() else dest
    if target.exists():
        raise BackupFailed(f"{target} exists already; nothing was overwritten.")
    if not target.parent.is_dir():
        raise BackupFailed(f"{target.parent} is not a directory.")
    partial = target.with_name(target.name + PARTIAL)
    try:
        events = write(partial)
        copy = check_copy(partial)
        if copy.events != events:
            raise BackupFailed(
                f"the copy holds {copy.events} events, the database had {events}; it was removed."
            )
        os.rename(partial, target)
        sync_dir(target.parent)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        if not isinstance(exc, OSError | sqlite3.Error | NotADatabase):
            raise
        detail = exc.message if isinstance(exc, NotADatabase) else str(exc)
        raise BackupFailed(f"the copy could not be made ({detail}); nothing was kept.") from None
    return Copy(target, copy.events, copy.last_at, copy.size)


def backup_store(store: Store, dest: Path, now: datetime) -> Copy:
    """`backup` of the store's database, whichever its engine: a file of the same kind."""
    if store.backend.name == "sqlite":
        return backup(store.path, dest, now)
    from queue_core.backup_postgres import backup_database

    return backup_database(store, dest, now)


_NAMED = re.compile(r"^(?P<stem>.+)-\d{8}-\d{6}\.db$")


def prune(directory: Path, db: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` newest copies of `db` that `backup` named in `directory`;
    nothing else there is touched. Returns what was removed."""
    ours = sorted(
        p
        for p in directory.iterdir()
        if (m := _NAMED.match(p.name)) and m.group("stem") == db.stem and p.is_file()
    )
    gone = ours[: max(0, len(ours) - keep)]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone
