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
from typing import Any

from queue_core.backend import Connection, backend_for, is_postgres
from queue_core.errors import QueueError
from queue_core.replay import current_tables
from queue_core.store import Store

# Every table of a clinic, parents before the rows that name them.
TABLES = (
    "settings",
    "tickets",
    "desks",
    "counters",
    "days",
    "events",
    "receipts",
    "staff",
    "staff_sessions",
    "staff_commands",
    "outbox",
    "duties",
    "server_secrets",
    "server_screens",
)
# Tables whose ids a PostgreSQL identity gives out: it must go on after the copied ones.
_IDENTITIES = ("outbox",)


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
                rows = {t: [dict(r) for r in reading.execute(f"SELECT * FROM {t}")] for t in TABLES}
                tables = current_tables(reading)
            finally:
                reading.execute("COMMIT")
            backend.begin_write(conn, time.monotonic() + source.give_up_after_s)
            try:
                if backend.pending(conn):
                    backend.migrate(conn)
                held = int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
                if held > 1:
                    raise NotEmpty(backend.location, held)
                for table in reversed(TABLES):
                    conn.execute(f"DELETE FROM {table}")
                for table in TABLES:
                    _insert(conn, table, rows[table])
                for table in _IDENTITIES:
                    conn.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    )
                _check(conn, rows, tables, str(file))
                backend.commit(conn)
            except BaseException:
                backend.roll_back(conn)
                raise
    finally:
        conn.close()
    events = rows["events"]
    return Copied({t: len(r) for t, r in rows.items()}, int(events[-1]["seq"]) if events else 0)


def _insert(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = tuple(rows[0])
    marks = ", ".join("?" for _ in columns)
    conn.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
        [tuple(r[c] for c in columns) for r in rows],
    )


def _check(conn: Connection, rows: dict[str, list[dict[str, Any]]], tables: Any, file: str) -> None:
    """Before COMMIT: what PostgreSQL now holds is the file, row for row, its seqs 1..N."""
    for table, copied in rows.items():
        count = int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        if count != len(copied):
            raise RuntimeError(f"{table}: {count} rows copied of {len(copied)} in {file}")
    if current_tables(conn) != tables:
        raise RuntimeError(f"the copied tables differ from {file}'s")
    seqs = [int(r[0]) for r in conn.execute("SELECT seq FROM events ORDER BY seq")]
    if seqs != list(range(1, len(seqs) + 1)):
        raise RuntimeError(f"the events copied from {file} are not 1..{len(seqs)}")
