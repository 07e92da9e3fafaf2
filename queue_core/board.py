"""The board: every desk and queue as desks and public screens show them (see line.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from queue_core.config import DeskConfig, QueueConfig
from queue_core.masking import mask_name
from queue_core.model import Ticket
from queue_core.rules import Placed


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
