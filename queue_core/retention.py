"""Personal data over time: kept for the clinic's retention period, then erased from the file.

A day's names, phone digits, phone links and HIS appointment ids are erased once
`clinic.retention_days` full days have passed since it (with 0, as soon as the next day has
begun): what identifies a patient goes, the rest of the ticket stays. The audit keeps every
event with its type, seq, time, actor, reason, desk, queue and ticket number, and each
ticket keeps its number, queue, states, times, priority and placement, so `events --day D
--ticket A012` still tells who called A012 out of turn and why, and waiting times, no-shows
and desks' loads can still be counted. The HIS id goes too: with the HIS at hand it names
the patient, and the HIS keeps its own record of the visit.

A ticket's row is held twice: in the table, and in every event that changed it (the row as it
became). One transaction rewrites both the same way, so replaying the log still rebuilds the
tables, and appends a `purge` event saying what was erased. The notifications of those days
(queue_core/outbox.py) are deleted in the same transaction. The log is read outside the write
lock, since it holds weeks of events; inside it only the events appended meanwhile are read.

Then the erased bytes must leave the file, which `compact` does with VACUUM and a truncating
checkpoint of the WAL. Rewriting a row leaves its old bytes in the page's free space, as every
update before it did (each desk action rewrites its ticket's row), and `secure_delete` would
zero only the space the purge itself frees: page rebuilds move cells without clearing the space
they leave. VACUUM writes every page anew from the live rows (docs/benchmarks.md has what it
costs). On PostgreSQL, VACUUM FULL of the tables does it (queue_core/vacuum_postgres.py).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from queue_core.config import ClinicConfig
from queue_core.errors import NotCompacted, SlipsNotRemoved
from queue_core.events import Purged
from queue_core.outbox import forget_days
from queue_core.slips import remove_slips
from queue_core.staff import forget_stale
from queue_core.store import BUSY_TIMEOUT_MS, GIVE_UP_AFTER_S, Reader, Store

PURGE_KEY = "purge"  # the settings row saying how far the erasure has gone
ERASED = "erased:"  # how an erased ticket's token begins: no phone link has a colon
_TICKET_ROWS = '"tickets":['  # how a payload carrying ticket rows reads (Tx.append's JSON)
CHECKPOINT_PAUSE_S = 0.05


@dataclass(frozen=True)
class Mark:
    """How far the erasure has gone: every day up to `through` is erased, and no event before
    `scan_from` carries a row of a ticket still to be erased."""

    through: str = ""
    scan_from: int = 0


@dataclass(frozen=True)
class Purge:
    """What one purge did; `first_day` is None when nothing was due."""

    first_day: str | None
    last_day: str
    tickets: int
    events: int
    slips: int
    compacted: bool | None  # None: no compaction was due
    sessions: int = 0  # expired staff sessions deleted
    keys: int = 0  # command keys of past days deleted


@dataclass(frozen=True)
class _Plan:
    mark: Mark
    through: str
    ids: frozenset[int]
    payloads: dict[int, dict[str, Any]]  # seq -> its payload with the rows of `ids` erased
    seen: int  # the last seq read
    live_from: int | None  # the first seq carrying a row of a ticket not erased after this


def erase(row: dict[str, Any]) -> dict[str, Any]:
    """A ticket's row without what identifies its patient."""
    return {
        **row,
        "name": "",
        "phone_last4": "",
        "token": f"{ERASED}{row['id']}",
        "external_id": None,
    }


def is_erased(row: dict[str, Any]) -> bool:
    return str(row.get("token") or "").startswith(ERASED)


def due_through(config: ClinicConfig, now: datetime) -> str:
    """The last day whose personal data is due for erasure at `now`."""
    today = now.astimezone(config.tz).date()
    return (today - timedelta(days=config.retention_days + 1)).isoformat()


def read_mark(conn: Reader) -> Mark:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (PURGE_KEY,)).fetchone()
    return Mark(**json.loads(row[0])) if row else Mark()


def _erased_payload(text: str, ids: frozenset[int]) -> tuple[dict[str, Any] | None, bool]:
    """The payload with the rows of `ids` erased (None if it has none of them), and whether it
    carries a row of a ticket that stays unerased."""
    if _TICKET_ROWS not in text:
        return None, False
    payload = json.loads(text)
    rows = payload.get("changes", {}).get("tickets", [])
    hit = live = False
    for i, row in enumerate(rows):
        if row["id"] in ids:
            rows[i] = erase(row)
            hit = True
        elif not is_erased(row):
            live = True
    return (payload if hit else None), live


def _scan(
    events: Iterable[Any], ids: frozenset[int]
) -> tuple[dict[int, dict[str, Any]], int | None, int | None]:
    """Rewritten payloads by seq, the first seq with a row that stays, the last seq read."""
    payloads: dict[int, dict[str, Any]] = {}
    live_from = last = None
    for seq, text in events:
        last = seq
        payload, live = _erased_payload(text, ids)
        if payload is not None:
            payloads[seq] = payload
        if live and live_from is None:
            live_from = seq
    return payloads, live_from, last


def _plan(store: Store, now: datetime) -> _Plan | None:
    through = due_through(store.config, now)
    with store.read() as conn:
        mark = read_mark(conn)
        if through <= mark.through:
            return None
        ids = frozenset(
            row[0]
            for row in conn.execute(
                "SELECT id FROM tickets WHERE day > ? AND day <= ?", (mark.through, through)
            )
        )
        events = conn.execute(
            "SELECT seq, payload FROM events WHERE seq >= ? ORDER BY seq", (mark.scan_from,)
        )
        payloads, live_from, last = _scan(events, ids)
        seen = last if last is not None else mark.scan_from
    return _Plan(mark, through, ids, payloads, seen, live_from)


def purge_due(store: Store, actor: str, now: datetime | None = None) -> Purge | None:
    """Erase the personal data of every day due (see the module's docstring); None if none
    was. The file is not compacted here: `purge` and the display server do it after."""
    moment = now or store.now()
    while True:
        plan = _plan(store, moment)
        if plan is None:
            return None
        with store.write(moment) as tx:
            if read_mark(tx.read) != plan.mark:
                continue  # another purge came first: plan again from where it left off
            rows = [
                erase(dict(r))
                for r in tx.read.execute(
                    "SELECT * FROM tickets WHERE day > ? AND day <= ? ORDER BY id",
                    (plan.mark.through, plan.through),
                )
            ]
            ids = frozenset(r["id"] for r in rows)
            if ids != plan.ids:
                continue  # a ticket joined or left those days meanwhile: plan again
            if not ids:
                return None  # no tickets on those days: nothing to erase, nothing to log
            # What was appended since the plan read the log (the close of the days before
            # today, if this is today's first write) is erased here.
            newer = tx.read.execute(
                "SELECT seq, payload FROM events WHERE seq > ? ORDER BY seq", (plan.seen,)
            )
            payloads, live_after, _ = _scan(newer, ids)
            live_from = plan.live_from or live_after or tx.next_seq()
            tx.rewrite_tickets(rows, {**plan.payloads, **payloads})
            forget_days(tx, plan.through)  # notifications name the ticket and its HIS id
            mark = {"through": plan.through, "scan_from": live_from}
            tx.save_setting(PURGE_KEY, json.dumps(mark))
            first = min(r["day"] for r in rows)
            count = len(plan.payloads) + len(payloads)
            tx.append(
                Purged(
                    reason=f"kept {tx.config.retention_days} days",
                    first_day=first,
                    last_day=plan.through,
                    tickets=len(rows),
                    events=count,
                ),
                actor,
            )
            return Purge(first, plan.through, len(rows), count, 0, compacted=False)


def compact(store: Store) -> bool:
    """Rewrite the file from its live rows (VACUUM), then checkpoint the WAL into it and
    truncate the WAL. False if readers kept the checkpoint from finishing within the store's
    deadline: the old bytes then stay in the -wal until a later checkpoint completes. Desks
    write between two tries: a reader may hold the checkpoint up, never the desks.

    On PostgreSQL, VACUUM FULL of the clinic's tables does it (queue_core/vacuum_postgres.py)."""
    if store.backend.name == "postgresql":
        from queue_core.vacuum_postgres import vacuum_full

        return vacuum_full(store)
    deadline = time.monotonic() + GIVE_UP_AFTER_S
    try:
        with store.between_writers() as conn:
            conn.execute("VACUUM")
        while True:
            with store.between_writers() as conn:
                conn.execute("PRAGMA busy_timeout = 0")  # a busy reader: give the desks a turn
                try:
                    busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                finally:
                    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not busy:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(CHECKPOINT_PAUSE_S)
    except sqlite3.OperationalError as exc:
        raise NotCompacted(str(exc)) from None


def purge(
    store: Store,
    actor: str,
    slips: Path,
    now: datetime | None = None,
    compact_anyway: bool = True,
) -> Purge:
    """Erase what is due, remove the slips of the erased days, and compact the file when
    something was erased or `compact_anyway` (`clinic-queue purge` always compacts, so that
    running it again finishes a compaction left unfinished)."""
    done = purge_due(store, actor, now)
    sessions, keys = forget_stale(store, now)
    with store.read() as conn:
        through = read_mark(conn).through
    compacted = compact(store) if done is not None or compact_anyway else None
    try:
        removed = remove_slips(slips, through) if through else 0
    except OSError as exc:
        raise SlipsNotRemoved(str(slips), exc.strerror or str(exc)) from None
    if done is None:
        return Purge(None, through, 0, 0, removed, compacted, sessions, keys)
    return Purge(
        done.first_day,
        done.last_day,
        done.tickets,
        done.events,
        removed,
        compacted,
        sessions,
        keys,
    )
