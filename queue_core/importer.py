"""Appointments from the hospital information system (HIS): a file synced into the queue.

One path for every import: a first import is a sync into nothing. The file is read and every
row checked before the database is touched; then the plan is made from a snapshot, without the
write lock, so desks keep calling meanwhile. Only the catching up on what desks committed since
the snapshot, and the rows themselves, happen inside the one write transaction. All or nothing:
a refused row means nothing is written, and every refused row is listed with its line.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from queue_core.errors import ImportRejected
from queue_core.his_diff import HIS_REASON, Kind, Known, Plan, plan, replan
from queue_core.his_file import read_export
from queue_core.his_rows import REQUIRED, Appointment, Refused, Rows, check_rows
from queue_core.his_write import drafts, write
from queue_core.model import Ticket
from queue_core.store import Store, Tx

LISTED = 10  # refused rows named in the one-line refusal; every one is in `Sync.refused`


@dataclass(frozen=True)
class Sync:
    """What an import did, or (not `written`) would do."""

    source: str  # the file as it was named; the log's `import` event gives its name alone
    encoding: str
    plan: Plan
    refused: list[Refused]
    written: bool  # False: a dry run, or refused rows

    def count(self, kind: Kind) -> int:
        return len(self.plan.of(kind))


class RowsRefused(ImportRejected):
    """Rows of the file are refused; nothing was written. The count is of rows, not problems."""

    def __init__(self, sync: Sync) -> None:
        self.sync = sync
        refused = sync.refused
        label, _, _ = refused[0].where.partition(" ")
        numbers = [r.where.partition(" ")[2] for r in refused]
        named = ", ".join(numbers[:LISTED])
        more = f" and {len(numbers) - LISTED} more" if len(numbers) > LISTED else ""
        plural = "s" if len(refused) != 1 else ""
        super().__init__(
            sync.source, f"{len(refused)} row{plural} refused ({label}{plural} {named}{more})"
        )


def _snapshot(store: Store, rows: list[Appointment], complete: bool) -> tuple[int, Known]:
    """The last seq and, as of it, what the rows can touch: their tickets by HIS id (for a
    complete export, every HIS ticket of the days it covers too) and their days closed."""
    ids = json.dumps([a.external_id for a in rows])
    days = json.dumps(sorted({a.day for a in rows}))
    with store.read() as conn:
        seq = int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0])
        found = conn.execute(
            "SELECT * FROM tickets WHERE external_id IN (SELECT value FROM json_each(?))", (ids,)
        ).fetchall()
        if complete:
            found += conn.execute(
                "SELECT * FROM tickets WHERE day IN (SELECT value FROM json_each(?))"
                " AND external_id IS NOT NULL",
                (days,),
            ).fetchall()
        closed = conn.execute(
            "SELECT day FROM days WHERE day IN (SELECT value FROM json_each(?))", (days,)
        ).fetchall()
    tickets = (Ticket.from_row(dict(r)) for r in found)
    return seq, Known({t.external_id: t for t in tickets if t.external_id}, {r[0] for r in closed})


def _caught_up(tx: Tx, seq: int, known: Known) -> tuple[set[str], bool]:
    """Take into `known` what writers committed after `seq` (and the close of earlier days
    this very transaction may have begun with): (the HIS ids whose tickets moved, whether a
    day closed)."""
    moved: set[str] = set()
    closed = False
    for event in tx.events_after(seq):
        for row in event.changed("tickets"):
            if row.get("external_id"):
                known.tickets[row["external_id"]] = Ticket.from_row(row)
                moved.add(row["external_id"])
        for row in event.changed("days"):
            known.closed.add(row["day"])
            closed = True
    return moved, closed


@dataclass(frozen=True)
class Prepared:
    """A checked file and its plan against a snapshot at `seq`, ready to be applied."""

    sync: Sync
    rows: list[Appointment]
    seq: int
    known: Known
    today: str
    complete: bool


def prepare(
    store: Store,
    path: Path,
    now: datetime | None = None,
    *,
    encoding: str | None = None,
    complete: bool = False,
) -> Prepared:
    """Read and check the file and plan the sync, without the write lock; refused rows raise.

    `encoding` forces the file's text encoding (else UTF-8, then GB18030). With `complete`
    the file lists every appointment of the days it covers (see `his_diff.plan`).
    """
    export = read_export(path, REQUIRED, encoding)
    if not export.records:
        raise ImportRejected(str(path), "no rows")
    today = store.today(now)
    rows = check_rows(export.label, export.records, store.config, today)
    return prepare_rows(store, rows, export.source, export.encoding, today, complete)


def prepare_rows(
    store: Store, rows: Rows, source: str, encoding: str, today: str, complete: bool = False
) -> Prepared:
    """Plan checked rows against a snapshot, without the write lock: a file's, or the one row
    of a live HIS request (queue_core/his_live.py). Refused rows raise."""
    seq, known = _snapshot(store, rows.appointments, complete)
    result = plan(rows.appointments, known, store.config, today, complete)
    sync = Sync(source, encoding, result, rows.refused, written=False)
    if rows.refused:
        raise RowsRefused(sync)
    return Prepared(sync, rows.appointments, seq, known, today, complete)


def apply(
    store: Store,
    prepared: Prepared,
    actor: str,
    now: datetime | None = None,
    reason: str = HIS_REASON,
) -> Sync:
    """Write the plan in one transaction, first catching up on what others committed since it
    was made. A plan that changes nothing appends nothing. `reason`: what each cancellation's
    event says (the HIS's own reason, from a live request)."""
    p = prepared
    result = p.sync.plan
    drafted = drafts(result)
    with store.write(now) as tx:
        known = Known(dict(p.known.tickets), set(p.known.closed))
        moved, closed = _caught_up(tx, p.seq, known)
        if closed or tx.day != p.today:
            result = plan(p.rows, known, store.config, tx.day, p.complete)
        elif moved:
            result = replan(result, moved, p.rows, known, store.config, tx.day, p.complete)
        if result.writes:
            write(tx, result, drafted, Path(p.sync.source).name, actor, reason)
    return dataclasses.replace(p.sync, plan=result, written=True)


def import_appointments(
    store: Store,
    path: Path,
    actor: str,
    now: datetime | None = None,
    *,
    encoding: str | None = None,
    complete: bool = False,
    dry_run: bool = False,
) -> Sync:
    """Sync the HIS file into the queue, all or nothing; `dry_run` only plans (see `prepare`)."""
    prepared = prepare(store, path, now, encoding=encoding, complete=complete)
    return prepared.sync if dry_run else apply(store, prepared, actor, now)
