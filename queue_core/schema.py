"""Numbered schema migrations. Applied under the write lock so two processes never race them."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

MIGRATION_SET = "clinic_queue"
Step = Callable[[Any], None]
# The numbered migrations in order; sqlite-utils' registry is built from this one on demand.
_STEPS: list[tuple[str, Step]] = []


def _migration(name: str) -> Callable[[Step], Step]:
    def register(step: Step) -> Step:
        _STEPS.append((name, step))
        return step

    return register


@_migration("0001_initial")
def _initial(db: Any) -> None:
    db["settings"].create({"key": str, "value": str}, pk="key")
    db["tickets"].create(
        {
            "id": int,
            "day": str,
            "number": str,
            "queue": str,
            "token": str,
            "state": str,
            "source": str,
            "created_at": str,
            "name": str,
            "phone_last4": str,
            "external_id": str,
            "slot_start": str,
            "priority": str,
            "pinned_desk": str,
            "checked_in_at": str,
            "arrival_key": int,
            "sort_key": str,
            "placement": str,
            "desk": str,
            "called_at": str,
            "recalls": int,
            "finished_at": str,
            "note": str,
        },
        pk="id",
        not_null={"day", "number", "queue", "token", "state", "source", "created_at"},
    )
    db["tickets"].create_index(["day", "number"], unique=True)
    db["tickets"].create_index(["token"], unique=True)
    db["tickets"].create_index(["external_id"], unique=True)
    db["tickets"].create_index(["day", "queue", "state", "sort_key"])
    db["desks"].create(
        {"id": str, "current_ticket": int, "paused": int, "changed_at": str}, pk="id"
    )
    db["counters"].create({"day": str, "queue": str, "last": int}, pk=("day", "queue"))
    # AUTOINCREMENT: a sequence number is never reused, even after the newest row is gone.
    db.execute(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,"
        " day TEXT NOT NULL, type TEXT NOT NULL, ticket TEXT, desk TEXT, queue TEXT,"
        " actor TEXT NOT NULL, reason TEXT, payload TEXT NOT NULL)"
    )
    db["events"].create_index(["day", "ticket"])


@_migration("0002_receipts_presence")
def _receipts_presence(db: Any) -> None:
    # Which screen announced which call (acks from the TV pages), for the desk console.
    db["receipts"].create({"call_seq": int, "screen": str, "at": str}, pk=("call_seq", "screen"))
    # "I'm on my way" / "I'm here" from the patient's phone page.
    db["tickets"].add_column("presence", str)
    db["tickets"].add_column("presence_at", str)


@_migration("0003_days")
def _days(db: Any) -> None:
    # A service day once closed: its open tickets were given their final state.
    db["days"].create({"day": str, "closed_at": str}, pk="day")


@_migration("0004_staff")
def _staff(db: Any) -> None:
    # Staff accounts, their sessions and the answers of their commands (queue_core/staff.py,
    # queue_core/idempotency.py): kept out of the log, which must never carry a password hash.
    db["staff"].create(
        {
            "name": str,
            "role": str,
            "desks": str,
            "password": str,
            "disabled": int,
            "created_at": str,
            "changed_at": str,
        },
        pk="name",
        not_null={"role", "password", "created_at"},
    )
    db["staff_sessions"].create(
        {"token_hash": str, "name": str, "created_at": str, "expires_at": str, "device": str},
        pk="token_hash",
        not_null={"name", "created_at", "expires_at"},
    )
    db["staff_sessions"].create_index(["name"])
    db["staff_commands"].create(
        {"key": str, "name": str, "op": str, "day": str, "at": str, "result": str},
        pk="key",
        not_null={"name", "op", "day", "at", "result"},
    )
    db["staff_commands"].create_index(["day"])


@_migration("0006_outbox")
def _outbox(db: Any) -> None:
    # Notifications for the clinic's webhooks (queue_core/outbox.py): one row per notification
    # and webhook, written in the transaction of the events that caused it, kept out of the log.
    # Numbered 0006 on its own: migrations are applied by name, whichever came first.
    db.execute(
        "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, day TEXT NOT NULL,"
        " ticket_id INTEGER NOT NULL, ticket TEXT NOT NULL, webhook TEXT NOT NULL,"
        " kind TEXT NOT NULL, payload TEXT NOT NULL, idempotency_key TEXT NOT NULL,"
        " created_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
        " next_try_at TEXT NOT NULL, delivered_at TEXT, given_up_at TEXT, last_error TEXT,"
        " UNIQUE (webhook, idempotency_key))"
    )
    # What delivery reads: the rows still to send, a ticket's oldest first.
    db.execute(
        "CREATE INDEX outbox_pending ON outbox (webhook, ticket_id, id)"
        " WHERE delivered_at IS NULL AND given_up_at IS NULL"
    )
    db["outbox"].create_index(["day"])


@_migration("0007_several_servers")
def _several_servers(db: Any) -> None:
    # What several display servers of one clinic share (docs/scaling.md, "Several servers"):
    # which of them is sending an outbox row, and until when (queue_core/outbox.py); the
    # jobs done once per clinic, each claimed by the first server to get there
    # (queue_core/duties.py); the secret the phones' check-in codes derive from; the screens
    # each server has connected.
    db["outbox"].add_column("claimed_by", str)
    db["outbox"].add_column("claimed_until", str)
    db["duties"].create({"name": str, "holder": str, "at": str}, pk="name")
    db["duties"].create_index(["at"])
    db["server_secrets"].create({"name": str, "value": str}, pk="name", not_null={"value"})
    # Which desks each server's connected screens show, rewritten every few seconds
    # (queue_core/screen_status.py): outside the log, where connections would flood it.
    db["server_screens"].create(
        {"server": str, "written_at": float, "desks": str}, pk="server", not_null={"desks"}
    )


MIGRATION_NAMES = tuple(name for name, _ in _STEPS)


def _migrations() -> Any:
    """Built on demand: importing sqlite-utils costs more than a whole CLI command otherwise."""
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(MIGRATION_SET)
    for name, step in _STEPS:
        migrations(name=name)(step)
    return migrations


def pending(conn: sqlite3.Connection) -> bool:
    """Cheap check with plain sqlite3, so an up-to-date database never loads sqlite-utils."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='_sqlite_migrations'"
    ).fetchone()
    if not exists:
        return True
    applied = {
        row[0]
        for row in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (MIGRATION_SET,)
        )
    }
    return not set(MIGRATION_NAMES) <= applied


def foreign_tables(conn: sqlite3.Connection) -> list[str]:
    """The tables of a database clinic-queue never set up, so that nothing adds the queue's
    schema to (or changes the journal mode of) another program's file. Empty for a new or
    empty file, and for a file holding this migration set's record, however old."""
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite^_%' ESCAPE '^' ORDER BY name"
        )
    ]
    if not tables:
        return []
    if "_sqlite_migrations" in tables:
        ours = conn.execute(
            "SELECT 1 FROM _sqlite_migrations WHERE migration_set = ? LIMIT 1", (MIGRATION_SET,)
        ).fetchone()
        if ours is not None:
            return []
    return tables


def apply(conn: sqlite3.Connection) -> None:
    """Apply pending migrations; the caller holds BEGIN IMMEDIATE, so each runs as a savepoint."""
    from sqlite_utils import Database

    _migrations().apply(Database(conn, execute_plugins=False))
