"""The end of a service day: every ticket still open gets its final state, desks are freed.

A day ends at its boundary (midnight in the clinic's time zone), or earlier at the clinic's
closing time (`clinic.closes_at`), or when someone closes it (`clinic-queue close-day`).
Closing is one transaction: a `closed` event for each ticket the day left open (waiting or not
checked in: not seen; on the missed list: no show; in a room or away for tests: its visit ended
by the close), its desk freed, then the day marked closed and one `day_closed` event with the
counts. A closed day has nothing open left, so closing it again appends nothing.

The first write of every service day closes the days before it (`Store.write`), whoever
writes: a command of the new day never touches an earlier day's tickets, with or without the
display server running.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from queue_core.config import ClinicConfig
from queue_core.errors import DayNotClosable
from queue_core.events import Closed, DayClosed
from queue_core.model import OPEN_STATES, Ticket, TicketState
from queue_core.store import Store, Tx, iso

# What a ticket still open at the close becomes.
FINAL = {
    TicketState.REGISTERED: TicketState.NOT_SEEN,
    TicketState.WAITING: TicketState.NOT_SEEN,
    TicketState.MISSED: TicketState.NO_SHOW,
    TicketState.CALLED: TicketState.DONE,
    TicketState.AWAY: TicketState.DONE,
}
ENDED = "the day ended"  # the reason when a day closes because the next one began
CLOSING_TIME = "the clinic's closing time"
SYSTEM = "system"  # the actor of a close nobody asked for


@dataclass(frozen=True)
class DayCount:
    """What closing one day did."""

    day: str
    not_seen: int
    no_show: int
    ended: int  # visits in progress (in a room, or away for tests) that the close ended


def close_days(tx: Tx, through: str, reason: str, actor: str) -> list[DayCount]:
    """Close every day up to `through` (inclusive) that had tickets and is not closed yet."""
    last = tx.read.execute("SELECT COALESCE(MAX(day), '') FROM days").fetchone()[0]
    days = [
        row[0]
        for row in tx.read.execute(
            "SELECT DISTINCT day FROM tickets WHERE day > ? AND day <= ? ORDER BY day",
            (last, through),
        )
    ]
    return [_close(tx, day, reason, actor) for day in days]


def _close(tx: Tx, day: str, reason: str, actor: str) -> DayCount:
    marks = ", ".join("?" for _ in OPEN_STATES)
    rows = tx.read.execute(
        f"SELECT * FROM tickets WHERE day = ? AND state IN ({marks}) ORDER BY id",
        (day, *OPEN_STATES),
    ).fetchall()
    counts = {TicketState.NOT_SEEN: 0, TicketState.NO_SHOW: 0, TicketState.DONE: 0}
    for row in rows:
        ticket = Ticket.from_row(dict(row))
        was = ticket.state
        tx.free_desk_of(ticket)
        ticket.state = FINAL[was]
        ticket.finished_at = iso(tx.now)
        tx.save_ticket(ticket)
        counts[ticket.state] += 1
        tx.append(
            Closed(
                ticket=ticket.number,
                desk=ticket.desk,
                queue=ticket.queue,
                reason=reason,
                was=was.value,
            ),
            actor,
        )
    tx.save_day(day)
    count = DayCount(
        day,
        counts[TicketState.NOT_SEEN],
        counts[TicketState.NO_SHOW],
        counts[TicketState.DONE],
    )
    tx.append(
        DayClosed(
            reason=reason,
            closed_day=day,
            not_seen=count.not_seen,
            no_show=count.no_show,
            ended=count.ended,
        ),
        actor,
    )
    return count


def close_earlier_days(tx: Tx) -> None:
    """The first write of a service day: the days before it end (see the module's docstring)."""
    before = tx.read.execute(
        "SELECT MAX(day) FROM tickets WHERE day < ? AND day > (SELECT COALESCE(MAX(day), '')"
        " FROM days)",
        (tx.day,),
    ).fetchone()[0]
    if before is not None:
        close_days(tx, before, ENDED, SYSTEM)


def close_day(
    store: Store, actor: str, day: str | None = None, now: datetime | None = None
) -> list[DayCount]:
    """`clinic-queue close-day`: close `day` (today by default) and every open day before it."""
    with store.write(now) as tx:
        through = day or tx.day
        if through > tx.day:
            raise DayNotClosable(through)
        return close_days(tx, through, "closed by hand", actor)


def past_closing(config: ClinicConfig, now: datetime) -> bool:
    """The clinic's closing time has passed today (never, without one)."""
    if config.closes_at is None:
        return False
    return now.astimezone(config.tz).time() >= time.fromisoformat(config.closes_at)


def close_due(store: Store, now: datetime | None = None) -> list[DayCount]:
    """What the display server does when a day ends or the clinic closes: the days before
    today close (this being the first write of today), and today once it is past closing."""
    with store.write(now) as tx:
        if past_closing(store.config, tx.now):
            return close_days(tx, tx.day, CLOSING_TIME, SYSTEM)
        return []


def is_closed(store: Store, day: str) -> bool:
    with store.read() as conn:
        row = conn.execute("SELECT 1 FROM days WHERE day = ?", (day,)).fetchone()
    return row is not None
