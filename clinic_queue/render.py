"""The board as a rich table for a terminal (`status`, the demo). Public data only."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def board_table(board: dict[str, Any]) -> Table:
    table = Table(title=f"{board['day']}  seq {board['seq']}", expand=False)
    table.add_column("desk")
    table.add_column("room")
    table.add_column("now serving")
    table.add_column("next")
    for desk in board["desks"]:
        current = "paused" if desk["paused"] else "-"
        if desk["current"]:
            current = f"{desk['current']} {desk['current_masked_name']}"
            if desk["recalls"]:
                current += f" (recall {desk['recalls']})"
            if desk["paused"]:
                current += " [paused]"
        table.add_row(desk["name"], desk["room"], current, " ".join(desk["next"]))
    return table


def queues_table(board: dict[str, Any]) -> Table:
    table = Table(expand=False)
    table.add_column("queue")
    table.add_column("waiting", justify="right")
    table.add_column("line (reason)")
    table.add_column("missed")
    table.add_column("away")
    for queue in board["queues"]:
        line = " ".join(
            f"{w['number']}"
            + ("" if w["reason"] in ("walk_in", "appointment") else f"({w['reason']})")
            for w in queue["waiting"][:8]
        )
        if len(queue["waiting"]) > 8:
            line += " …"
        table.add_row(
            queue["name"],
            str(len(queue["waiting"])),
            line,
            " ".join(t["number"] for t in queue["missed"]),
            " ".join(t["number"] for t in queue["away"]),
        )
    return table


def print_board(board: dict[str, Any], console: Console | None = None) -> None:
    out = console or Console()
    out.print(board_table(board))
    out.print(queues_table(board))
