"""The read model: the state of every desk and queue, as desks and public screens show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from queue_core.config import DeskConfig, QueueConfig
from queue_core.lineup import all_orders
from queue_core.masking import mask_name
from queue_core.model import Ticket
from queue_core.rules import Placed, desk_order
from queue_core.store import Store


@dataclass(frozen=True)
class DeskView:
    config: DeskConfig
    current: Ticket | None
    paused: bool
    line: list[Placed]  # what this desk would call, in order


@dataclass(frozen=True)
class QueueView:
    config: QueueConfig
    line: list[Placed]
    missed: list[Ticket]
    away: list[Ticket]
    registered: int  # appointments not checked in yet: not in the line
    done: int


@dataclass(frozen=True)
class Board:
    seq: int
    day: str
    desks: list[DeskView]
    queues: list[QueueView]

    def desk(self, desk_id: str) -> DeskView | None:
        return next((d for d in self.desks if d.config.id == desk_id), None)

    def queue(self, queue_id: str) -> QueueView | None:
        return next((q for q in self.queues if q.config.id == queue_id), None)


def read_board(store: Store, now: datetime | None = None) -> Board:
    """One consistent snapshot: the last event seq and exactly the state after it."""
    config = store.config
    day = store.today(now)
    with store.read() as conn:
        seq = int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0])
        orders = all_orders(conn, day, config)
        desk_rows = {r["id"]: dict(r) for r in conn.execute("SELECT * FROM desks")}
        current_ids = [r["current_ticket"] for r in desk_rows.values() if r["current_ticket"]]
        current = {
            r["id"]: Ticket.from_row(dict(r))
            for r in conn.execute(
                f"SELECT * FROM tickets WHERE id IN ({','.join('?' * len(current_ids))})",
                tuple(current_ids),
            )
        }
        others = [
            Ticket.from_row(dict(r))
            for r in conn.execute(
                "SELECT * FROM tickets WHERE day = ? AND state IN ('missed', 'away') ORDER BY id",
                (day,),
            )
        ]
        counts = {
            (r[0], r[1]): r[2]
            for r in conn.execute(
                "SELECT queue, state, COUNT(*) FROM tickets WHERE day = ? GROUP BY queue, state",
                (day,),
            )
        }
    desks = []
    for desk in config.desks:
        row = desk_rows.get(desk.id, {})
        ticket = current.get(row.get("current_ticket") or -1)
        desks.append(DeskView(desk, ticket, bool(row.get("paused")), desk_order(desk, orders)))
    queues = [
        QueueView(
            q,
            orders[q.id],
            [t for t in others if t.queue == q.id and t.state.value == "missed"],
            [t for t in others if t.queue == q.id and t.state.value == "away"],
            counts.get((q.id, "registered"), 0),
            counts.get((q.id, "done"), 0),
        )
        for q in config.queues
    ]
    return Board(seq, day, desks, queues)


def _public_ticket(ticket: Ticket) -> dict[str, Any]:
    return {"number": ticket.number, "masked_name": mask_name(ticket.name)}


def _public_placed(placed: Placed) -> dict[str, Any]:
    return {
        **_public_ticket(placed.ticket),
        "position": placed.position,
        "reason": placed.reason.value,
        "priority": placed.ticket.priority,
        "pinned_desk": placed.ticket.pinned_desk,
    }


def public_board(board: Board) -> dict[str, Any]:
    """The board as public screens and `status --json` carry it: numbers and masked names only."""
    return {
        "seq": board.seq,
        "day": board.day,
        "desks": [
            {
                "id": d.config.id,
                "name": d.config.name,
                "name_en": d.config.name_en,
                "room": d.config.room,
                "queues": list(d.config.queues),
                "current": d.current.number if d.current else None,
                "current_masked_name": mask_name(d.current.name) if d.current else None,
                "recalls": d.current.recalls if d.current else 0,
                "paused": d.paused,
                "next": [p.ticket.number for p in d.line[:5]],
            }
            for d in board.desks
        ],
        "queues": [
            {
                "id": q.config.id,
                "name": q.config.name,
                "name_en": q.config.name_en,
                "department": q.config.department,
                "prefix": q.config.prefix,
                "waiting": [_public_placed(p) for p in q.line],
                "missed": [_public_ticket(t) for t in q.missed],
                "away": [_public_ticket(t) for t in q.away],
                "registered": q.registered,
                "done": q.done,
            }
            for q in board.queues
        ],
    }
