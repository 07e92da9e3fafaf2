"""What a new configuration would break, found before `init` applies it.

A queue, desk or priority class that open tickets still use cannot go, a queue with open
tickets keeps its prefix, and no queue may be given a prefix whose next numbers are already
held on a day that can still get tickets: each would orphan a patient or give a number out
twice. Once the day is closed its tickets are no longer open, and the change applies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from queue_core.config import ClinicConfig
from queue_core.model import OPEN_STATES, Ticket, TicketState
from queue_core.store import Reader

SHOWN = 5  # numbers named in one blocker; the others are counted


def blockers(read: Reader, old: ClinicConfig | None, new: ClinicConfig, today: str) -> list[str]:
    """Every reason, one line each, why `new` cannot replace `old` now; empty when it can."""
    marks = ", ".join("?" for _ in OPEN_STATES)
    rows = read.execute(f"SELECT * FROM tickets WHERE state IN ({marks})", OPEN_STATES)
    tickets = sorted((Ticket.from_row(dict(r)) for r in rows), key=lambda t: (t.day, t.number))
    names = _Names(today, old or new)
    return (
        _queues(tickets, old, new, names)
        + _desks(read, tickets, new, names)
        + _priorities(tickets, new, names)
        + _numbers(read, new, today)
    )


class _Names:
    """Blockers as a nurse reads them: queues, desks and classes in the clinic file's order,
    tickets by number, with their day when it is not today."""

    def __init__(self, today: str, config: ClinicConfig) -> None:
        self.today = today
        ids = [
            *(q.id for q in config.queues),
            *(d.id for d in config.desks),
            *(p.id for p in config.priorities),
        ]
        self.rank = {name: i for i, name in enumerate(ids)}

    def distinct(self, values: Iterable[str | None]) -> list[str]:
        found = {v for v in values if v is not None}
        return sorted(found, key=lambda v: (self.rank.get(v, len(self.rank)), v))

    def one(self, ticket: Ticket) -> str:
        return ticket.number if ticket.day == self.today else f"{ticket.number} of {ticket.day}"

    def are(self, tickets: list[Ticket]) -> str:
        """'A001 is', 'A001, A002 are', 'A001, …, A005 and 7 more are'."""
        return _listed([self.one(t) for t in tickets])


def _listed(numbers: list[str]) -> str:
    shown = ", ".join(numbers[:SHOWN])
    if len(numbers) > SHOWN:
        shown += f" and {len(numbers) - SHOWN} more"
    return f"{shown} {'is' if len(numbers) == 1 else 'are'}"


def _queues(
    tickets: list[Ticket], old: ClinicConfig | None, new: ClinicConfig, names: _Names
) -> list[str]:
    found = []
    for queue_id in names.distinct(t.queue for t in tickets):
        in_queue = [t for t in tickets if t.queue == queue_id]
        queue = new.queue(queue_id)
        before = old.queue(queue_id) if old else None
        if queue is None:
            found.append(f"queue {queue_id} is removed, but {names.are(in_queue)} open in it")
        elif before is not None and before.prefix != queue.prefix:
            found.append(
                f"queue {queue_id} changes its prefix from {before.prefix} to {queue.prefix},"
                f" but {names.are(in_queue)} open in it"
            )
    return found


def _pinned_to(ticket: Ticket) -> str | None:
    """Only this desk calls the ticket (专家号, or back from tests)."""
    return ticket.pinned_desk if ticket.state is not TicketState.AWAY else None


def _returns_to(ticket: Ticket) -> str | None:
    """Away for tests, the ticket comes back to the desk that sent it."""
    return ticket.desk if ticket.state is TicketState.AWAY else None


_USES: tuple[tuple[str, Callable[[Ticket], str | None]], ...] = (
    ("pinned to it", _pinned_to),
    ("away for tests and coming back to it", _returns_to),
)


def _desks(read: Reader, tickets: list[Ticket], new: ClinicConfig, names: _Names) -> list[str]:
    by_id = {t.id: t for t in tickets}
    current = {
        row["id"]: by_id[row["current_ticket"]]
        for row in read.execute("SELECT id, current_ticket FROM desks")
        if row["current_ticket"] in by_id
    }
    found = [
        f"desk {desk_id} is removed, but {names.one(current[desk_id])} is called to it"
        for desk_id in names.distinct(current)
        if new.desk(desk_id) is None
    ]
    for how, desk_of in _USES:
        for desk_id in names.distinct(desk_of(t) for t in tickets):
            using = [t for t in tickets if desk_of(t) == desk_id]
            desk = new.desk(desk_id)
            if desk is None:
                found.append(f"desk {desk_id} is removed, but {names.are(using)} {how}")
                continue
            for queue_id in names.distinct(t.queue for t in using):
                if queue_id in desk.queues or new.queue(queue_id) is None:
                    continue  # a removed queue is named once, above
                of_queue = [t for t in using if t.queue == queue_id]
                found.append(
                    f"desk {desk_id} no longer serves queue {queue_id},"
                    f" but {names.are(of_queue)} {how}"
                )
    return found


def _priorities(tickets: list[Ticket], new: ClinicConfig, names: _Names) -> list[str]:
    found = []
    for class_id in names.distinct(t.priority for t in tickets):
        if new.priority(class_id) is None:
            marked = [t for t in tickets if t.priority == class_id]
            found.append(
                f"priority class {class_id} is removed, but {names.are(marked)} marked with it"
            )
    return found


def _numbers(read: Reader, new: ClinicConfig, today: str) -> list[str]:
    """A queue numbers on from its own counter; a number its prefix would reach next that a
    ticket of that day already holds (under another queue) would be given out twice, unless
    the day is closed and gives out no more."""
    held: dict[tuple[str, str], list[int]] = {}
    # A closed day gives out no more numbers (registration.make_ticket).
    rows = read.execute(
        "SELECT day, number FROM tickets WHERE day >= ? AND day NOT IN (SELECT day FROM days)",
        (today,),
    )
    for row in rows:
        prefix = row["number"].rstrip("0123456789")
        held.setdefault((row["day"], prefix), []).append(int(row["number"][len(prefix) :]))
    counters = {
        (row["day"], row["queue"]): row["last"]
        for row in read.execute("SELECT day, queue, last FROM counters WHERE day >= ?", (today,))
    }
    found = []
    for day in sorted({day for day, _ in held}):
        for queue in new.queues:
            last = counters.get((day, queue.id), 0)
            taken = sorted(n for n in held.get((day, queue.prefix), []) if n > last)
            if taken:
                when = "today" if day == today else f"on {day}"
                found.append(
                    f"queue {queue.id} would number its next tickets"
                    f" {queue.prefix}{last + 1:03d} onwards {when},"
                    f" but {_listed([f'{queue.prefix}{n:03d}' for n in taken])} held already"
                )
    return found
