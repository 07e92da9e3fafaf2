"""The outbox table: every statement on it, plain SQL in one module.

Rows are written by the write path only (queue_core/notices.py, in the events' transaction),
one per notification and webhook; the display server delivers them (display_server/notify.py)
and records each outcome here. The table is outside the event log: replay never rebuilds it,
and no event carries its rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from queue_core.store import Reader, Store, Tx, iso, parse_iso

_PENDING = "delivered_at IS NULL AND given_up_at IS NULL"
ERROR_LIMIT = 200  # characters of a failure kept: a receiver's error page is not ours to store


@dataclass(frozen=True)
class Row:
    """One notification for one webhook, as delivery reads it."""

    id: int
    webhook: str
    ticket_id: int
    kind: str
    body: bytes  # the payload exactly as signed and sent
    key: str
    created_at: str
    attempts: int


@dataclass(frozen=True)
class Backlog:
    """What is still to deliver: how many rows, and since when the oldest waits."""

    count: int
    oldest: str | None

    def age_s(self, now: datetime) -> float | None:
        if self.oldest is None:
            return None
        return max((now - parse_iso(self.oldest)).total_seconds(), 0.0)


def _encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def insert_rows(tx: Tx, notices: Sequence[dict[str, Any]]) -> int:
    """A row for each notification and each webhook whose `events` want its kind; the id of
    the last row written (0 if none)."""
    at = iso(tx.now)
    values = [
        (
            n["day"],
            n["ticket_id"],
            n["ticket"],
            hook.name,
            n["kind"],
            _encode(n["payload"]),
            n["idempotency_key"],
            at,
            at,
        )
        for n in notices
        for hook in tx.config.notify.webhooks
        if n["kind"] in hook.events
    ]
    last = 0
    for value in values:
        cursor = tx.unlogged(
            "INSERT INTO outbox (day, ticket_id, ticket, webhook, kind, payload,"
            " idempotency_key, created_at, next_try_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            value,
        )
        last = int(cursor.fetchone()[0])
    return last


def rows_after(conn: Reader, row_id: int, day: str) -> list[tuple[int, int, str]]:
    """(id, ticket id, payload) of the rows of `day` after `row_id`: what other writers told."""
    rows = conn.execute(
        "SELECT id, ticket_id, payload FROM outbox WHERE id > ? AND day = ? ORDER BY id",
        (row_id, day),
    ).fetchall()
    return [(int(r[0]), int(r[1]), str(r[2])) for r in rows]


# A server's claim on the rows it sends: longer than the longest webhook timeout (60 s,
# queue_core/notify_config.py), so that no other server takes a row whose try is still on.
CLAIM_S = 90.0
# The oldest row still to deliver of each webhook and ticket: a ticket's later rows wait.
_HEADS = (
    "SELECT o.* FROM outbox o JOIN (SELECT MIN(id) AS id FROM outbox"
    f" WHERE {_PENDING} GROUP BY webhook, ticket_id) h ON o.id = h.id"
)
_FREE = "(o.claimed_until IS NULL OR o.claimed_until <= ?)"


def due(store: Store, now: datetime, holder: str, skip: Sequence[int], limit: int) -> list[Row]:
    """The rows to send now, claimed for `holder` until CLAIM_S from `now`: for each webhook
    and ticket its oldest row still to deliver, if its next try has come, no server's claim
    on it is running and it is not in `skip` (in flight here). The claim is written in the
    clinic's write transaction, so two servers never take the same row."""
    marks = ", ".join("?" for _ in skip)
    skipped = f" AND o.id NOT IN ({marks})" if skip else ""
    sql = f"{_HEADS} WHERE o.next_try_at <= ? AND {_FREE}{skipped} ORDER BY o.id LIMIT ?"
    params = (iso(now), iso(now), *skip, limit)
    # Most rounds find nothing: a read, where a write would wake every reader of the clinic.
    with store.read() as conn:
        if not conn.execute(sql, params).fetchall():
            return []
    with store.write(now) as tx:
        rows = tx.unlogged(sql, params).fetchall()
        ids = [int(r["id"]) for r in rows]
        if ids:
            tx.unlogged(
                "UPDATE outbox SET claimed_by = ?, claimed_until = ?"
                f" WHERE id IN ({', '.join('?' for _ in ids)})",
                (holder, iso(now + timedelta(seconds=CLAIM_S)), *ids),
            )
    return [
        Row(
            r["id"],
            r["webhook"],
            r["ticket_id"],
            r["kind"],
            str(r["payload"]).encode(),
            r["idempotency_key"],
            r["created_at"],
            r["attempts"],
        )
        for r in rows
    ]


def next_try(store: Store) -> datetime | None:
    """When the earliest row that may go next may be tried: its next try, or the end of the
    claim another server holds on it."""
    later = "CASE WHEN o.claimed_until > o.next_try_at THEN o.claimed_until ELSE o.next_try_at END"
    with store.read() as conn:
        row = conn.execute(f"SELECT MIN({later}) FROM ({_HEADS}) o").fetchone()
    return parse_iso(row[0]) if row[0] else None


@dataclass(frozen=True)
class Outcome:
    """What one try of a row came to: delivered, tried again at `retry_at`, or given up."""

    row_id: int
    at: datetime
    error: str | None = None  # None: delivered
    retry_at: datetime | None = None  # with an error: None gives up
    tried: bool = True  # False: given up unsent, past its time; the last try's error stays


def record(store: Store, outcomes: Sequence[Outcome]) -> None:
    """The outcomes of a round of tries, in one transaction; each row's claim ends with it."""
    if not outcomes:
        return
    with store.write() as tx:
        for o in outcomes:
            if not o.tried:
                sql = "UPDATE outbox SET given_up_at = ?,"
                sql += " last_error = COALESCE(last_error || '; ', '') || ?"
                params: tuple[Any, ...] = (iso(o.at), o.error or "")
            elif o.error is None:
                sql = (
                    "UPDATE outbox SET attempts = attempts + 1, delivered_at = ?, last_error = NULL"
                )
                params = (iso(o.at),)
            elif o.retry_at is not None:
                sql = "UPDATE outbox SET attempts = attempts + 1, next_try_at = ?, last_error = ?"
                params = (iso(o.retry_at), o.error[:ERROR_LIMIT])
            else:
                sql = "UPDATE outbox SET attempts = attempts + 1, given_up_at = ?, last_error = ?"
                params = (iso(o.at), o.error[:ERROR_LIMIT])
            sql += ", claimed_by = NULL, claimed_until = NULL"
            tx.unlogged(f"{sql} WHERE id = ? AND {_PENDING}", (*params, o.row_id))


def give_up_unknown(store: Store, webhooks: Sequence[str], now: datetime) -> int:
    """Rows for webhooks the configuration no longer names are given up: nobody would send
    them. How many."""
    marks = ", ".join("?" for _ in webhooks)
    known = f" AND webhook NOT IN ({marks})" if webhooks else ""
    with store.write(now) as tx:
        return tx.unlogged(
            f"UPDATE outbox SET given_up_at = ?, last_error = ? WHERE {_PENDING}{known}",
            (iso(now), "the webhook is no longer configured", *webhooks),
        ).rowcount


def is_stale(row: Row, now: datetime, give_up_minutes: int) -> bool:
    """Past its webhook's give-up time: a notification that late is not sent at all."""
    return now - parse_iso(row.created_at) >= timedelta(minutes=give_up_minutes)


def backlog(conn: Reader) -> Backlog:
    row = conn.execute(f"SELECT COUNT(*), MIN(created_at) FROM outbox WHERE {_PENDING}").fetchone()
    return Backlog(int(row[0]), row[1])


def forget_days(tx: Tx, through: str) -> int:
    """With the personal data of the days up to `through` (queue_core/retention.py): their
    rows go, delivered, given up or, long past their give-up time, still waiting."""
    return tx.unlogged("DELETE FROM outbox WHERE day <= ?", (through,)).rowcount
