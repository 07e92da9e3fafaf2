"""The board as a rich table for a terminal (`status`, the demo). Public data only."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

SHOWN = 8  # tickets of a line printed; the rest is "…"


def _line(entries: list[dict[str, Any]], reasons: bool = False) -> str:
    shown = [
        e["ticket"]
        + ("" if not reasons or e["reason"] in ("walk_in", "appointment") else f"({e['reason']})")
        for e in entries[:SHOWN]
    ]
    return " ".join(shown) + (" …" if len(entries) > SHOWN else "")


def board_table(status: dict[str, Any]) -> Table:
    """`status`: {"seq", "board"} as `status --json` prints it."""
    board = status["board"]
    table = Table(title=f"{board['day']}  seq {status['seq']}", expand=False)
    table.add_column("desk")
    table.add_column("room")
    table.add_column("now serving")
    table.add_column("next")
    for desk in board["desks"]:
        current = "paused" if desk["paused"] else "-"
        if desk["current"]:
            patient = desk["current"]
            current = f"{patient['ticket']} {patient['name']}"
            if patient["recall"]:
                current += f" (recall {patient['recall']})"
            if desk["paused"]:
                current += " [paused]"
        table.add_row(desk["name"], desk["room"], current, _line(desk["next"]))
    return table


def queues_table(status: dict[str, Any]) -> Table:
    table = Table(expand=False)
    table.add_column("queue")
    table.add_column("waiting", justify="right")
    table.add_column("line (reason)")
    table.add_column("missed")
    table.add_column("away")
    for queue in status["board"]["queues"]:
        table.add_row(
            queue["name"],
            str(queue["waiting"]),
            _line(queue["next"], reasons=True),
            " ".join(t["ticket"] for t in queue["missed"]),
            " ".join(t["ticket"] for t in queue["away"]),
        )
    return table


class PipedConsole(Console):
    """rich's console, except that a reader gone away ends the command as for plain `print`:
    rich's own answer is exit code 1, as if the command had failed."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


def print_board(status: dict[str, Any], console: Console | None = None) -> None:
    out = console or PipedConsole()
    out.print(board_table(status))
    out.print(queues_table(status))
