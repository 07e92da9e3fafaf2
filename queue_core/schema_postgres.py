"""The schema on PostgreSQL: the same numbered migrations as queue_core/schema.py, in its DDL.

Text columns collate as "C", so that every ORDER BY sorts as SQLite's binary comparison does;
integers are BIGINT. An event's seq is given under the clinic's write lock, not by a sequence
(queue_core/backend_postgres.py), so that seqs appear in commit order without holes.
"""

from __future__ import annotations

from typing import Any

from queue_core.schema import MIGRATION_NAMES, MIGRATION_SET

T = 'TEXT COLLATE "C"'
MIGRATIONS_TABLE = "_clinic_queue_migrations"

STEPS: dict[str, tuple[str, ...]] = {
    "0001_initial": (
        f"CREATE TABLE settings (key {T} PRIMARY KEY, value {T})",
        f"""CREATE TABLE tickets (id BIGINT PRIMARY KEY, day {T} NOT NULL, number {T} NOT NULL,
            queue {T} NOT NULL, token {T} NOT NULL, state {T} NOT NULL, source {T} NOT NULL,
            created_at {T} NOT NULL, name {T}, phone_last4 {T}, external_id {T},
            slot_start {T}, priority {T}, pinned_desk {T}, checked_in_at {T},
            arrival_key BIGINT, sort_key {T}, placement {T}, desk {T}, called_at {T},
            recalls BIGINT, finished_at {T}, note {T})""",
        "CREATE UNIQUE INDEX idx_tickets_day_number ON tickets (day, number)",
        "CREATE UNIQUE INDEX idx_tickets_token ON tickets (token)",
        "CREATE UNIQUE INDEX idx_tickets_external_id ON tickets (external_id)",
        "CREATE INDEX idx_tickets_day_queue_state_sort_key"
        " ON tickets (day, queue, state, sort_key)",
        f"""CREATE TABLE desks (id {T} PRIMARY KEY, current_ticket BIGINT, paused BIGINT,
            changed_at {T})""",
        f"""CREATE TABLE counters (day {T}, queue {T}, last BIGINT,
            PRIMARY KEY (day, queue))""",
        f"""CREATE TABLE events (seq BIGINT PRIMARY KEY, at {T} NOT NULL, day {T} NOT NULL,
            type {T} NOT NULL, ticket {T}, desk {T}, queue {T}, actor {T} NOT NULL,
            reason {T}, payload {T} NOT NULL)""",
        "CREATE INDEX idx_events_day_ticket ON events (day, ticket)",
    ),
    "0002_receipts_presence": (
        f"""CREATE TABLE receipts (call_seq BIGINT, screen {T}, at {T},
            PRIMARY KEY (call_seq, screen))""",
        f"ALTER TABLE tickets ADD COLUMN presence {T}",
        f"ALTER TABLE tickets ADD COLUMN presence_at {T}",
    ),
    "0003_days": (f"CREATE TABLE days (day {T} PRIMARY KEY, closed_at {T})",),
    "0004_staff": (
        f"""CREATE TABLE staff (name {T} PRIMARY KEY, role {T} NOT NULL, desks {T},
            password {T} NOT NULL, disabled BIGINT, created_at {T} NOT NULL, changed_at {T})""",
        f"""CREATE TABLE staff_sessions (token_hash {T} PRIMARY KEY, name {T} NOT NULL,
            created_at {T} NOT NULL, expires_at {T} NOT NULL, device {T})""",
        "CREATE INDEX idx_staff_sessions_name ON staff_sessions (name)",
        f"""CREATE TABLE staff_commands (key {T} PRIMARY KEY, name {T} NOT NULL,
            op {T} NOT NULL, day {T} NOT NULL, at {T} NOT NULL, result {T} NOT NULL)""",
        "CREATE INDEX idx_staff_commands_day ON staff_commands (day)",
    ),
}

# The unique indexes' columns, for a refusal that names them as SQLite's message does.
UNIQUE_COLUMNS = {
    "idx_tickets_day_number": ("day", "number"),
    "idx_tickets_token": ("token",),
    "idx_tickets_external_id": ("external_id",),
}


def _applied(conn: Any) -> set[str]:
    if conn.execute("SELECT to_regclass(?)", (MIGRATIONS_TABLE,)).fetchone()[0] is None:
        return set()
    rows = conn.execute(
        f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?", (MIGRATION_SET,)
    )
    return {row[0] for row in rows}


def pending(conn: Any) -> bool:
    return not set(MIGRATION_NAMES) <= _applied(conn)


def apply(conn: Any) -> None:
    """The caller holds the clinic's write lock inside a transaction: DDL commits with it."""
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (migration_set {T}, name {T},"
        f" applied_at {T}, PRIMARY KEY (migration_set, name))"
    )
    done = _applied(conn)
    for name in MIGRATION_NAMES:
        if name in done:
            continue
        if name not in STEPS:
            raise RuntimeError(f"migration {name} has no PostgreSQL DDL in schema_postgres.py")
        for statement in STEPS[name]:
            conn.execute(statement)
        conn.execute(
            f"INSERT INTO {MIGRATIONS_TABLE} (migration_set, name, applied_at)"
            " VALUES (?, ?, CAST(now() AS TEXT))",
            (MIGRATION_SET, name),
        )


def foreign_tables(conn: Any) -> list[str]:
    """As schema.foreign_tables: the tables of a database clinic-queue never set up."""
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
    ]
    if not tables or (MIGRATIONS_TABLE in tables and _applied(conn)):
        return []
    return tables
