"""Putting a backup in place of a clinic's rows in PostgreSQL, by the rules of the file's restore.

The backup is checked as every copy is (queue_core/backup.py) and read from a copy of it
brought to the current schema, so a copy made before an upgrade restores after it. Then, in one
transaction holding the clinic's write lock (no desk writes meanwhile, and one that comes
waits and then sees the restored rows), the restore is refused while another session has the
database open: a server or console following the log by seq would see it go back under it,
as a file's restore is refused while a process has the file open. What the database held is
kept first, as a file beside the clinic's folder (the same kind as a backup), so nothing it
held is lost; then its rows are replaced by the backup's and checked before COMMIT: the same
rows, the events 1..N without a hole (queue_core/table_copy.py).
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from contextlib import closing
from datetime import datetime
from pathlib import Path

from queue_core import schema
from queue_core.backend import Connection
from queue_core.backend_postgres import GIVE_UP_AFTER_S, PostgresBackend
from queue_core.backup import check_copy, copy_file
from queue_core.backup_postgres import MODE, write_file
from queue_core.errors import QueueError, RestoreFailed
from queue_core.replay import Tables
from queue_core.restore import Restored
from queue_core.table_copy import Rows, check_rows, read_rows, replace_rows

_STAMP = "%Y%m%d-%H%M%S"


class DatabaseInUse(QueueError):
    def __init__(self, location: str, pid: int, application: str) -> None:
        who = f"{application} (process {pid})" if application else f"process {pid}"
        super().__init__(
            f"{location} is open in {who} (the display server, a desk or another command);"
            " stop every one of them first. Nothing was changed.",
            "file_in_use",
            path=location,
        )


def restore_database(source: Path, url: str, now: datetime) -> Restored:
    """Replace the clinic's rows at `url` by the backup `source` (see the module's docstring)."""
    backup = check_copy(source)
    try:
        rows, tables = _read_backup(source)
    except (OSError, sqlite3.Error) as exc:
        raise RestoreFailed(f"{source} could not be read ({exc}); nothing was changed.") from None
    if len(rows["events"]) != backup.events:
        raise RestoreFailed(f"the copy of {source} did not hold its {backup.events} events.")
    backend = PostgresBackend(url)
    kept = backend.path.with_name(f"{backend.path.name}.replaced-{now.strftime(_STAMP)}.db")
    try:  # $CLINIC_QUEUE_DATA_DIR may name a folder nothing has made yet
        kept.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RestoreFailed(
            f"{kept.parent} could not be made ({exc.strerror}); nothing was changed."
        ) from None
    conn = backend.connect()
    replaced: Path | None = None
    try:
        with backend.faults():
            backend.begin_write(conn, time.monotonic() + GIVE_UP_AFTER_S)
            try:
                _refuse_other_sessions(conn, backend.location)
                if backend.pending(conn):
                    backend.migrate(conn)
                if int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]):
                    held, held_tables = read_rows(conn)
                    write_file(kept, held, held_tables, backend.location)
                    replaced = kept
                replace_rows(conn, rows, postgres=True)
                check_rows(conn, rows, tables, str(source))
                backend.commit(conn)
            except BaseException:
                backend.roll_back(conn)
                if replaced is not None:
                    replaced.unlink(missing_ok=True)  # the database holds it still
                raise
    except OSError as exc:
        raise RestoreFailed(f"{exc} ({backend.location} was not changed).") from None
    finally:
        conn.close()
    return Restored(backup, replaced)


def _read_backup(source: Path) -> tuple[Rows, Tables]:
    """The backup's rows, from a copy of it at the current schema; the backup stays as it is."""
    with tempfile.TemporaryDirectory(prefix="clinic-queue-restore-") as folder:
        copy = Path(folder) / source.name
        copy_file(source, copy, MODE)
        with closing(sqlite3.connect(str(copy), isolation_level=None)) as conn:
            conn.row_factory = sqlite3.Row
            conn.execute("BEGIN IMMEDIATE")
            try:
                if schema.pending(conn):
                    schema.apply(conn)
                return read_rows(conn)
            finally:
                conn.execute("COMMIT")


def _refuse_other_sessions(conn: Connection, location: str) -> None:
    row = conn.execute(
        "SELECT pid, application_name FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND backend_type = 'client backend' ORDER BY pid LIMIT 1"
    ).fetchone()
    if row is not None:
        raise DatabaseInUse(location, int(row[0]), str(row[1] or ""))
