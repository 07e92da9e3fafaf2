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
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from queue_core.errors import ImportRejected
from queue_core.events import Cancelled, Imported
from queue_core.his_diff import HIS_REASON, Change, Kind, Known, Plan, plan
from queue_core.his_file import read_export
from queue_core.his_rows import REQUIRED, Appointment, Refused, check_rows
from queue_core.model import Source, Ticket, TicketState
from queue_core.registration import new_token
from queue_core.store import Store, Tx, iso

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


def _caught_up(tx: Tx, seq: int, known: Known) -> bool:
    """Take into `known` what writers committed after `seq` (and the close of earlier days
    this very transaction may have begun with); True if any of it can matter."""
    moved = False
    for event in tx.events_after(seq):
        for row in event.changed("tickets"):
            if row.get("external_id"):
                known.tickets[row["external_id"]] = Ticket.from_row(row)
                moved = True
        for row in event.changed("days"):
            known.closed.add(row["day"])
            moved = True
    return moved


def _registered(a: Appointment, ticket_id: int, number: str, token: str, created_at: str) -> Ticket:
    return Ticket(
        id=ticket_id,
        day=a.day,
        number=number,
        queue=a.queue,
        token=token,
        state=TicketState.REGISTERED,
        source=Source.APPOINTMENT,
        created_at=created_at,
        name=a.name,
        phone_last4=a.phone_last4,
        external_id=a.external_id,
        slot_start=iso(a.slot_start),
        priority=a.priority,
        pinned_desk=a.desk,
    )


def _updated(ticket: Ticket, a: Appointment, number: str) -> Ticket:
    """The row's values on a ticket not yet checked in; one the sync cancelled is registered
    again as new, keeping its id and phone link."""
    if ticket.state is TicketState.CANCELLED:
        return _registered(a, ticket.id, number, ticket.token, ticket.created_at)
    return dataclasses.replace(
        ticket,
        number=number,
        day=a.day,
        queue=a.queue,
        slot_start=iso(a.slot_start),
        pinned_desk=a.desk,
        priority=a.priority,
        name=a.name,
        phone_last4=a.phone_last4,
    )


def _tickets(tx: Tx, changes: list[Change]) -> list[Ticket]:
    """Added and updated tickets; new numbers go out per queue and day in slot order."""
    numbered = sorted(
        (c for c in changes if c.kind is Kind.ADD or c.renumbered),
        key=lambda c: c.appointment.slot_start if c.appointment else tx.now,
    )
    wanted = Counter((c.appointment.day, c.appointment.queue) for c in numbered if c.appointment)
    sequences = {key: iter(tx.take_numbers(*key, n)) for key, n in wanted.items()}
    next_id = tx.new_ticket_id()
    made: list[Ticket] = []
    for c in numbered:
        a = c.appointment
        queue = tx.config.queue(a.queue) if a else None
        assert a is not None and queue is not None
        number = f"{queue.prefix}{next(sequences[a.day, a.queue]):03d}"
        if c.ticket is None:
            made.append(_registered(a, next_id, number, new_token(), iso(tx.now)))
            next_id += 1
        else:
            made.append(_updated(c.ticket, a, number))
    for c in changes:
        if c.kind is Kind.UPDATE and not c.renumbered and c.ticket and c.appointment:
            made.append(_updated(c.ticket, c.appointment, c.ticket.number))
    return made


def _write(tx: Tx, result: Plan, source: str, actor: str) -> None:
    """One `import` event with every added and updated row, then one `cancel` per ticket."""
    tx.save_rows("tickets", [t.to_row() for t in _tickets(tx, result.changes)])
    counts = Counter(c.kind for c in result.changes)
    tx.append(
        Imported(
            reason=source,
            added=counts[Kind.ADD],
            updated=counts[Kind.UPDATE],
            cancelled=counts[Kind.CANCEL],
            kept=counts[Kind.KEEP],
            unchanged=result.unchanged,
        ),
        actor,
    )
    for c in result.of(Kind.CANCEL):
        assert c.ticket is not None
        ticket = dataclasses.replace(
            c.ticket, state=TicketState.CANCELLED, note=HIS_REASON, finished_at=iso(tx.now)
        )
        tx.save_ticket(ticket)
        tx.append(Cancelled(ticket=ticket.number, queue=ticket.queue, reason=HIS_REASON), actor)


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
    seq, known = _snapshot(store, rows.appointments, complete)
    result = plan(rows.appointments, known, store.config, today, complete)
    sync = Sync(export.source, export.encoding, result, rows.refused, written=False)
    if rows.refused:
        raise RowsRefused(sync)
    return Prepared(sync, rows.appointments, seq, known, today, complete)


def apply(store: Store, prepared: Prepared, actor: str, now: datetime | None = None) -> Sync:
    """Write the plan in one transaction, first catching up on what others committed since it
    was made. A plan that changes nothing appends nothing."""
    p = prepared
    result = p.sync.plan
    with store.write(now) as tx:
        known = Known(dict(p.known.tickets), set(p.known.closed))
        if _caught_up(tx, p.seq, known) or tx.day != p.today:
            result = plan(p.rows, known, store.config, tx.day, p.complete)
        if result.writes:
            _write(tx, result, Path(p.sync.source).name, actor)
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
