"""Reading the start of the line out of the database, for the commands that act on it.

Calling the next patient must stay fast with thousands waiting, so it reads only the first
tickets by key. That is exact: a priority ticket moves at most `max_ahead` places, so the first
N places of the call order depend only on the first N + max(max_ahead) tickets by key.
"""

from __future__ import annotations

import sqlite3

from queue_core.config import ClinicConfig, DeskConfig
from queue_core.model import Ticket
from queue_core.rules import Placed, desk_order, order_queue
from queue_core.store import Reader

# Calling needs only the head: read one place (plus the priority reach) and read more only
# when tickets pinned to other desks hide it; a larger first read makes every call pay for rows
# it never uses (docs/benchmarks.md, why these settings).
_FIRST_FETCH = 1


def _waiting_rows(conn: Reader, day: str, queue: str, limit: int | None) -> list[sqlite3.Row]:
    query = (
        "SELECT * FROM tickets WHERE day = ? AND queue = ? AND state = 'waiting' ORDER BY sort_key"
    )
    params: tuple[object, ...] = (day, queue)
    if limit is not None:
        query += " LIMIT ?"
        params = (day, queue, limit)
    return conn.execute(query, params).fetchall()


def _waiting_by_key(conn: Reader, day: str, queue: str, limit: int | None) -> list[Ticket]:
    return [Ticket.from_row(dict(r)) for r in _waiting_rows(conn, day, queue, limit)]


def _rows_that_matter(rows: list[sqlite3.Row], config: ClinicConfig, places: int) -> int:
    """How many rows by key settle the first `places` of the order.

    A ticket beyond them without priority stays at or behind its place by key; one with a
    priority class moves at most `max_ahead` places, so it matters only when that reaches in.
    Building tickets costs more than the query, and most of the fetched reach is never needed.
    """
    needed = places
    for index in range(places, len(rows)):
        name = rows[index]["priority"]
        cls = config.priority(name) if name else None
        if cls is not None and index < places + cls.max_ahead:
            needed = index + 1
    return min(needed, len(rows))


def queue_prefix(
    conn: Reader, day: str, queue: str, config: ClinicConfig, places: int
) -> list[Placed]:
    """Exactly the first `places` of the queue's call order (fewer if fewer are waiting)."""
    reach = max((p.max_ahead for p in config.priorities), default=0)
    rows = _waiting_rows(conn, day, queue, places + reach)
    fetched = [Ticket.from_row(dict(r)) for r in rows[: _rows_that_matter(rows, config, places)]]
    return order_queue(fetched, config)[:places]


def reinsert_window(
    conn: Reader, day: str, queue: str, config: ClinicConfig, behind: int
) -> list[Ticket]:
    """The start of the line by key that settles every place a reinsertion `behind` can take."""
    reach = max((p.max_ahead for p in config.priorities), default=0)
    return _waiting_by_key(conn, day, queue, behind + 2 * reach + 1)


def desk_next(conn: Reader, day: str, desk: DeskConfig, config: ClinicConfig) -> Placed | None:
    """The ticket this desk calls next; reads further only while pinned tickets hide it."""
    places = _FIRST_FETCH
    while True:
        orders = {q: queue_prefix(conn, day, q, config, places) for q in desk.queues}
        merged = desk_order(desk, orders)
        exhausted = all(len(o) < places for o in orders.values())
        if merged or exhausted:
            # A head from a short prefix is only final when every lane's prefix reaches past it.
            if merged and not exhausted and not _settled(merged[0], orders, places):
                places *= 4
                continue
            return merged[0] if merged else None
        places *= 4


def _settled(head: Placed, orders: dict[str, list[Placed]], places: int) -> bool:
    """A lane cut short could still hold an eligible ticket that merges ahead of `head`."""
    for order in orders.values():
        if len(order) == places and order[-1].merge_key < head.merge_key:
            return False
    return True
