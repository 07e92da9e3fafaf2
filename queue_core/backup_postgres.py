"""A backup of a clinic in PostgreSQL: the same kind of file a backup of the SQLite store is.

So the backup folder, its pruning, the server's periodic copies and `restore` work the same
whichever store the clinic is on, and a copy can be opened, checked and restored with the
queue's own commands anywhere, with no PostgreSQL at hand. Every row is read in one REPEATABLE
READ transaction (one snapshot: desks go on writing meanwhile, and none of their commands is
half in the copy), written into a new SQLite file with the queue's schema in one transaction,
checked there row for row against what was read (queue_core/table_copy.py), and only then
made the copy (queue_core/backup.py). What a copy of this kind cannot give, a point in time
between two copies, is PostgreSQL's own: base backups and WAL archiving (docs/operations.md).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

from queue_core import schema
from queue_core.backup import Copy, write_checked
from queue_core.replay import Tables
from queue_core.store import Store
from queue_core.table_copy import Rows, check_rows, read_rows, replace_rows

MODE = 0o600  # a copy holds the clinic's personal data: its owner's alone


def backup_database(store: Store, dest: Path, now: datetime) -> Copy:
    """`backup` (queue_core/backup.py) of the store's PostgreSQL database, on a connection of
    its own: neither the store's commands nor its readers wait for it."""
    backend = store.backend

    def write(partial: Path) -> int:
        conn = backend.connect()
        try:
            with backend.faults():
                backend.begin_read(conn)
                try:
                    rows, tables = read_rows(conn)
                finally:
                    backend.roll_back(conn)
        finally:
            conn.close()
        return write_file(partial, rows, tables, backend.location)

    return write_checked(store.path, dest, now, write)


def write_file(path: Path, rows: Rows, tables: Tables, source: str) -> int:
    """A new SQLite file at `path` holding `rows` under the queue's schema, checked against
    `tables` and synced; returns the number of events it holds."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE)
    os.fchmod(fd, MODE)
    os.close(fd)
    with closing(sqlite3.connect(str(path), isolation_level=None)) as out:
        out.row_factory = sqlite3.Row
        out.execute("BEGIN IMMEDIATE")
        try:
            schema.apply(out)
            replace_rows(out, rows, postgres=False)
            check_rows(out, rows, tables, source)
            out.execute("COMMIT")
        except BaseException:
            out.execute("ROLLBACK")
            raise
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return len(rows["events"])
