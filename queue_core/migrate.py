"""Move a clinic from its SQLite file into PostgreSQL: every row, in one transaction.

The file is read in one snapshot with the writer gate held, so no desk writes while it is
copied; the PostgreSQL database must hold no clinic yet (`init` run there and nothing else is
empty enough: only its own `configure` event may be there, and it is replaced). The copy is
checked before it commits: the same rows in every table, the events 1..N without a hole, and
the log replayed rebuilding the tables. The file is left as it was: the desks keep working on
it until they are pointed at the new address.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from queue_core.backend import backend_for, is_postgres
from queue_core.errors import QueueError
from queue_core.store import Store
from queue_core.table_copy import check_rows, last_seq, read_rows, replace_rows


class NotEmpty(QueueError):
    def __init__(self, location: str, events: int) -> None:
        super().__init__(
            f"{location} already holds a clinic ({events} events); nothing was copied."
            " Copy into a new, empty database.",
            "not_empty",
            location=location,
        )


class NotPostgres(QueueError):
    def __init__(self, target: str) -> None:
        super().__init__(
            f"{target} is not a postgresql:// address; nothing was copied.", "not_postgres"
        )


@dataclass(frozen=True)
class Copied:
    rows: dict[str, int]
    last_seq: int


def migrate_to(source: Store, target: str) -> Copied:
    if not is_postgres(target):
        raise NotPostgres(target)
    file = source.file("migrate-to")
    backend = backend_for(target)
    conn = backend.connect()
    try:
        with backend.faults(), source.between_writers() as reading:
            reading.execute("BEGIN")
            try:
                rows, tables = read_rows(reading)
            finally:
                reading.execute("COMMIT")
            backend.begin_write(conn, time.monotonic() + source.give_up_after_s)
            try:
                if backend.pending(conn):
                    backend.migrate(conn)
                held = int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
                if held > 1:
                    raise NotEmpty(backend.location, held)
                replace_rows(conn, rows, postgres=True)
                check_rows(conn, rows, tables, str(file))
                backend.commit(conn)
            except BaseException:
                backend.roll_back(conn)
                raise
    finally:
        conn.close()
    return Copied({t: len(r) for t, r in rows.items()}, last_seq(rows))
