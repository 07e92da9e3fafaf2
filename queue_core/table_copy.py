"""A clinic's rows copied between two stores, whichever way, and checked before they count.

`migrate-to` copies a file into PostgreSQL, `backup` copies PostgreSQL into a file and
`restore` copies a file back into it: the same tables, the same row-for-row check. The rows
are read in one snapshot of the source (the caller opens it), written inside one transaction
of the target (the caller opens it too), and checked there before it commits: the same number
of rows in every table, the tables the same row for row, the events 1..N without a hole.
"""

from __future__ import annotations

from typing import Any

from queue_core.backend import Connection
from queue_core.replay import Tables, current_tables

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

Rows = dict[str, list[dict[str, Any]]]


def read_rows(conn: Connection) -> tuple[Rows, Tables]:
    """Inside the caller's snapshot: every row, and the tables as the check compares them."""
    rows = {t: [dict(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY 1")] for t in TABLES}
    return rows, current_tables(conn)


def replace_rows(conn: Connection, rows: Rows, postgres: bool) -> None:
    """Inside the caller's write: the target's rows become `rows`."""
    for table in reversed(TABLES):
        conn.execute(f"DELETE FROM {table}")
    for table in TABLES:
        _insert(conn, table, rows[table])
    if postgres:
        for table in _IDENTITIES:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )


def _insert(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = tuple(rows[0])
    marks = ", ".join("?" for _ in columns)
    conn.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
        [tuple(r[c] for c in columns) for r in rows],
    )


def check_rows(conn: Connection, rows: Rows, tables: Tables, source: str) -> None:
    """Before COMMIT: what the target now holds is `source`, row for row, its seqs 1..N."""
    for table, copied in rows.items():
        count = int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        if count != len(copied):
            raise RuntimeError(f"{table}: {count} rows copied of {len(copied)} in {source}")
    if current_tables(conn) != tables:
        raise RuntimeError(f"the copied tables differ from {source}'s")
    seqs = [int(r[0]) for r in conn.execute("SELECT seq FROM events ORDER BY seq")]
    if seqs != list(range(1, len(seqs) + 1)):
        raise RuntimeError(f"the events copied from {source} are not 1..{len(seqs)}")


def last_seq(rows: Rows) -> int:
    events = rows["events"]
    return int(events[-1]["seq"]) if events else 0
