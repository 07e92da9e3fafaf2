"""Registration and triage: set up the clinic, issue walk-in tickets, check in, mark priority."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from pathlib import Path

from queue_core.checkin_code import PHONE_ACTOR
from queue_core.config import ClinicConfig, QueueConfig, parse_config
from queue_core.errors import (
    ConfigurationBlocked,
    DeskNotFound,
    NotEligible,
    QueueClosed,
    QueueNotFound,
    UnknownPriority,
)
from queue_core.events import CheckedIn, Configured, EventType, Issued, PrioritySet
from queue_core.model import OPEN_STATES, Source, Ticket, TicketState
from queue_core.reconfigure import blockers
from queue_core.rules import arrival, base_key
from queue_core.store import CONFIG_KEY, Store, Tx, iso, parse_iso, utc_now
from queue_core.text import clean_name, clean_optional_reason, phone_last4


def initialise(
    path: Path | str, config: ClinicConfig, actor: str, now: datetime | None = None
) -> Store:
    """Create (or migrate) the database and store the configuration every process will read.

    A changed configuration is applied only when it orphans no open ticket and gives no
    number out twice (see reconfigure.blockers); otherwise ConfigurationBlocked names every
    blocker and nothing changes.
    """
    store = Store.create(path, config, clock=utc_now)
    try:
        with store.write(now) as tx:
            stored = tx.read.execute(
                "SELECT value FROM settings WHERE key = ?", (CONFIG_KEY,)
            ).fetchone()
            old = parse_config(stored[0], "stored configuration", stored=True) if stored else None
            found = blockers(tx.read, old, config, tx.day)
            if found:
                raise ConfigurationBlocked(found)
            wanted = {d.id for d in config.desks}
            existing = {row[0] for row in tx.read.execute("SELECT id FROM desks").fetchall()}
            for desk_id in sorted(existing - wanted):
                tx.remove_desk(desk_id)
            for desk in config.desks:
                if desk.id not in existing:
                    tx.add_desk(desk.id)
            tx.save_setting(CONFIG_KEY, config.source)
            tx.append(
                Configured(
                    clinic=config.name,
                    desks=tuple(sorted(wanted)),
                    queues=tuple(q.id for q in config.queues),
                ),
                actor,
            )
    except BaseException:
        store.close()  # a refused init leaves no connection or lock file open
        raise
    return store


def new_token() -> str:
    """The secret in a patient's phone link: 160 random bits, URL-safe."""
    return secrets.token_urlsafe(20)


def _queue(config: ClinicConfig, queue_id: str) -> QueueConfig:
    queue = config.queue(queue_id)
    if queue is None:
        raise QueueNotFound(queue_id)
    return queue


def _check_extras(
    config: ClinicConfig, queue: QueueConfig, priority: str | None, desk: str | None
) -> None:
    if priority and config.priority(priority) is None:
        raise UnknownPriority(priority)
    if desk:
        desk_cfg = config.desk(desk)
        if desk_cfg is None:
            raise DeskNotFound(desk)
        if queue.id not in desk_cfg.queues:
            raise NotEligible(
                f"Desk {desk} does not serve queue {queue.id}.", desk=desk, queue=queue.id
            )


def make_ticket(
    tx: Tx,
    queue: QueueConfig,
    day: str,
    source: Source,
    *,
    name: str = "",
    phone: str = "",
    priority: str | None = None,
    desk: str | None = None,
    external_id: str | None = None,
    slot_start: datetime | None = None,
) -> Ticket:
    """A new ticket with the next number of its queue's day; not saved yet. The name and
    phone are cleaned here (queue_core/text.py), so no ticket is made without."""
    if tx.day_closed(day):
        raise QueueClosed(day)
    seq = tx.take_number(day, queue.id)
    return Ticket(
        id=tx.new_ticket_id(),
        day=day,
        number=f"{queue.prefix}{seq:03d}",
        queue=queue.id,
        token=new_token(),
        state=TicketState.REGISTERED,
        source=source,
        created_at=iso(tx.now),
        name=clean_name(name),
        phone_last4=phone_last4(phone),
        external_id=external_id,
        slot_start=iso(slot_start) if slot_start else None,
        priority=priority or None,
        pinned_desk=desk or None,
    )


def enter_line(tx: Tx, ticket: Ticket) -> None:
    """Checked in: the ticket joins the line at the place its arrival earns."""
    slot = parse_iso(ticket.slot_start) if ticket.slot_start else None
    key, placement = arrival(ticket.source, tx.now, slot, tx.config)
    ticket.state = TicketState.WAITING
    ticket.checked_in_at = iso(tx.now)
    ticket.arrival_key = key
    ticket.sort_key = base_key(key, ticket.id)
    ticket.placement = placement


def issue_ticket(
    store: Store,
    queue_id: str,
    actor: str,
    *,
    name: str = "",
    phone: str = "",
    priority: str | None = None,
    desk: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """A walk-in (现场挂号): issued and checked in at once. A bad name or phone is refused
    before the write lock is taken."""
    queue = _queue(store.config, queue_id)
    _check_extras(store.config, queue, priority, desk)
    name, phone = clean_name(name), phone_last4(phone)
    with store.write(now) as tx:
        ticket = make_ticket(
            tx, queue, tx.day, Source.WALK_IN, name=name, phone=phone, priority=priority, desk=desk
        )
        enter_line(tx, ticket)
        tx.save_ticket(ticket)
        tx.append(Issued(ticket=ticket.number, desk=ticket.pinned_desk, queue=queue.id), actor)
        return ticket


def check_in(store: Store, number: str, actor: str, now: datetime | None = None) -> Ticket:
    """An appointment patient arrived (签到): into the line by slot, or as a walk-in if late."""
    with store.write(now) as tx:
        ticket = tx.ticket_in(number, (TicketState.REGISTERED,), " already.")
        enter_line(tx, ticket)
        tx.save_ticket(ticket)
        tx.append(
            CheckedIn(
                ticket=ticket.number,
                desk=ticket.pinned_desk,
                queue=ticket.queue,
                placement=ticket.placement.value,
            ),
            actor,
        )
        return ticket


def set_priority(
    store: Store,
    number: str,
    priority: str | None,
    actor: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Mark (or clear, with None) a priority class; its cap keeps it from starving others."""
    if priority and store.config.priority(priority) is None:
        raise UnknownPriority(priority)
    reason = clean_optional_reason(reason)
    with store.write(now) as tx:
        ticket = tx.ticket_in(number, OPEN_STATES, " already.")
        ticket.priority = priority or None
        tx.save_ticket(ticket)
        tx.append(
            PrioritySet(
                ticket=ticket.number, queue=ticket.queue, reason=reason, priority=ticket.priority
            ),
            actor,
        )
        return ticket


def find_tickets(store: Store, text: str, now: datetime | None = None) -> list[Ticket]:
    """Today's tickets by number, part of a name, or the last 4 digits of a phone number."""
    needle = text.strip()
    if not needle:
        return []
    day = store.today(now)
    with store.read() as conn:
        rows = conn.execute(
            "SELECT * FROM tickets WHERE day = ? AND (number = ? OR name LIKE ? OR phone_last4 = ?)"
            " ORDER BY id",
            (day, needle.upper(), f"%{needle}%", needle[-4:] if needle.isdigit() else "\x00"),
        ).fetchall()
    return [Ticket.from_row(dict(r)) for r in rows]


def checked_in_by_phone(store: Store, tickets: list[Ticket]) -> frozenset[str]:
    """Of today's `tickets`, the numbers whose patient checked in from their own phone (the
    check-in event's actor says who did it: the log is where it is written once)."""
    if not tickets:
        return frozenset()
    numbers = json.dumps([t.number for t in tickets])
    with store.read() as conn:
        rows = conn.execute(
            "SELECT ticket FROM events WHERE day = ? AND type = ? AND actor = ?"
            " AND ticket IN (SELECT value FROM json_each(?))",
            (tickets[0].day, EventType.CHECKIN.value, PHONE_ACTOR, numbers),
        ).fetchall()
    return frozenset(r[0] for r in rows)
