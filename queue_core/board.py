"""The board: every desk and queue as desks and public screens show them (see line.py)."""

from __future__ import annotations

from collections.abc import Collection
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


BOARD_NEXT = 5  # tickets in `next` on the screens: who is called soon, at each desk and queue


def _public_ticket(ticket: Ticket) -> dict[str, Any]:
    return {"ticket": ticket.number, "name": mask_name(ticket.name)}


def _public_placed(placed: Placed) -> dict[str, Any]:
    return {**_public_ticket(placed.ticket), "reason": placed.reason.value}


def public_board(
    board: Board,
    desks: Collection[str] | None = None,
    queues: Collection[str] | None = None,
    limit: int | None = BOARD_NEXT,
) -> dict[str, Any]:
    """The board as every public surface carries it (the screens' `board`, `status --json`):
    ticket numbers and masked names only. `desks` and `queues` keep only those ids (a screen's
    filter); `next` holds the first `limit` tickets of each line, or all of them with None.
    docs/protocol.md describes it once."""
    return {
        "day": board.day,
        "desks": [
            {
                "id": d.config.id,
                "name": d.config.name,
                "name_en": d.config.name_en,
                "room": d.config.room,
                "queues": list(d.config.queues),
                "doctor": d.config.doctor,
                "title": d.config.title,
                "current": (
                    {**_public_ticket(d.current), "recall": d.current.recalls}
                    if d.current
                    else None
                ),
                "paused": d.paused,
                "next": [_public_placed(p) for p in d.line[:limit]],
            }
            for d in board.desks
            if desks is None or d.config.id in desks
        ],
        "queues": [
            {
                "id": q.config.id,
                "name": q.config.name,
                "name_en": q.config.name_en,
                "department": q.config.department,
                "prefix": q.config.prefix,
                "waiting": len(q.line),
                "next": [_public_placed(p) for p in q.line[:limit]],
                "missed": [_public_ticket(t) for t in q.missed],
                "away": [_public_ticket(t) for t in q.away],
                "registered": q.registered,
                "done": q.done,
            }
            for q in board.queues
            if queues is None or q.config.id in queues
        ],
    }


def public_status(board: Board) -> dict[str, Any]:
    """`status --json`: the board with every waiting ticket, and the seq it stands at."""
    return {"seq": board.seq, "board": public_board(board, limit=None)}
