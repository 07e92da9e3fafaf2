"""Scenario 6: a whole clinic day at accelerated speed; the log, the board and the phones agree.

`clinic_day.play_day` plays the sample clinic's day through real commands. Every simulated
hour, and at closing, the public board read from the tables must equal the board rebuilt from
the event log alone (replay + the pure ordering), and every ticket's phone view must agree with
that rebuilt board: its state, its desk and room when called, and a waiting patient's `ahead`
equal to their place in the line they wait in. At closing the file passes `faults_checks`.

    python -m benchmarks.faults_long_day [--seed 1] [--walk-ins 300]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from benchmarks.clinic_day import DayStats, clinic_day_store, play_day
from benchmarks.faults_checks import violations
from queue_core.board import Board, DeskView, QueueView, public_board, read_board
from queue_core.config import ClinicConfig
from queue_core.events import Event
from queue_core.model import Ticket, TicketState
from queue_core.patient import (
    PatientView,
    last_called,
    line_facts,
    patient_view,
    service_minutes,
)
from queue_core.replay import replay
from queue_core.rules import desk_order, order_queue
from queue_core.store import Store

DAY = date(2026, 11, 23)
CHECK_EVERY_MINUTES = 60


@dataclass
class DayResult:
    stats: DayStats
    checkpoints: int = 0
    boards_equal: int = 0
    views_checked: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def board_from_log(events: list[Event], config: ClinicConfig, day: str) -> Board:
    """The board as the log alone tells it: replayed rows ordered by the pure rules."""
    tables = replay(events)
    tickets = {r["id"]: Ticket.from_row(r) for r in tables["tickets"].values()}
    today = sorted((t for t in tickets.values() if t.day == day), key=lambda t: t.id)
    orders = {
        q.id: order_queue([t for t in today if t.queue == q.id], config) for q in config.queues
    }
    desk_rows = tables["desks"]
    desks = []
    for desk in config.desks:
        row = desk_rows.get(desk.id, {})
        current = tickets.get(row.get("current_ticket") or -1)
        desks.append(DeskView(desk, current, bool(row.get("paused")), desk_order(desk, orders)))

    def with_state(queue: str, state: TicketState) -> list[Ticket]:
        return [t for t in today if t.queue == queue and t.state is state]

    queues = [
        QueueView(
            q,
            orders[q.id],
            with_state(q.id, TicketState.MISSED),
            with_state(q.id, TicketState.AWAY),
            len(with_state(q.id, TicketState.REGISTERED)),
            len(with_state(q.id, TicketState.DONE)),
        )
        for q in config.queues
    ]
    return Board(events[-1].seq if events else 0, day, desks, queues)


def expected_ahead(board: Board, ticket: Ticket) -> int | None:
    """A waiting patient's place: in their pinned desk's line, else in their queue's line."""
    if ticket.pinned_desk is not None:
        desk = board.desk(ticket.pinned_desk)
        line = desk.line if desk is not None else []
        return next((i for i, p in enumerate(line) if p.ticket.id == ticket.id), None)
    queue = board.queue(ticket.queue)
    line = queue.line if queue is not None else []
    return next((p.position for p in line if p.ticket.id == ticket.id), None)


def todays_views(store: Store) -> list[tuple[Ticket, PatientView]]:
    """Every ticket of the day with its phone view, from the live read model, as
    `queue_core.patient` computes it for the server."""
    live = read_board(store)
    with store.read() as conn:
        medians = service_minutes(conn, live.day)
        called = last_called(conn, live.day)
        rows = conn.execute("SELECT * FROM tickets WHERE day = ?", (live.day,)).fetchall()
    facts = line_facts(live, called)
    tickets = [Ticket.from_row(dict(row)) for row in rows]
    return [(ticket, patient_view(facts, ticket, medians)) for ticket in tickets]


def view_problems(store: Store, rebuilt: Board) -> tuple[int, list[str]]:
    """Every ticket's phone view, from the live read model, against the board the log rebuilds."""
    views = todays_views(store)
    serving = {d.current.id: d for d in rebuilt.desks if d.current is not None}
    problems = []
    for ticket, view in views:
        want: dict[str, Any] = {"state": ticket.state.value, "ahead": None}
        if ticket.state is TicketState.WAITING:
            want["ahead"] = expected_ahead(rebuilt, ticket)
        got: dict[str, Any] = {"state": view.state, "ahead": view.ahead}
        if ticket.state is TicketState.CALLED and ticket.id in serving:
            desk = serving[ticket.id].config
            want |= {"desk": desk.id, "room": desk.room}
            got |= {"desk": view.desk, "room": view.room}
        if got != want:
            problems.append(f"{ticket.number}: phone shows {got}, the log says {want}")
    return len(views), problems


def checkpoint(store: Store, result: DayResult) -> None:
    result.checkpoints += 1
    # The day is played in this process, so nothing commits between these two reads.
    events = store.events_since(0)
    live = public_board(read_board(store))
    rebuilt = board_from_log(events, store.config, store.today())
    if live == public_board(rebuilt):
        result.boards_equal += 1
    else:
        result.problems.append(f"{store.now():%H:%M}: the public board differs from the log's")
    checked, problems = view_problems(store, rebuilt)
    result.views_checked += checked
    result.problems += [f"{store.now():%H:%M}: {p}" for p in problems]


def run(seed: int = 1, walk_ins: int = 300, workdir: Path | None = None) -> DayResult:
    with tempfile.TemporaryDirectory(prefix="cq-day-", dir=workdir or Path.cwd()) as tmp:
        db = Path(tmp) / "day.db"
        store, clock = clinic_day_store(db, DAY)
        result = DayResult(DayStats())
        began = time.perf_counter()

        def every_hour(now: datetime) -> None:
            if now.minute == 0:
                checkpoint(store, result)

        result.stats = play_day(store, clock, seed, walk_ins, on_step=every_hour)
        checkpoint(store, result)
        result.seconds = time.perf_counter() - began
        store.close()
        found, _ = violations(db)
        result.problems += found
        return result


def markdown(result: DayResult) -> str:
    done = result.stats.done
    counted = ", ".join(f"{name} {count:,}" for name, count in done.most_common())
    refused = ", ".join(f"{n} {c}" for n, c in result.stats.refused.most_common()) or "none"
    return "\n".join(
        [
            "### Long day: a whole clinic day, accelerated (goal: 0 mismatches)",
            "",
            "The sample clinic from 07:30 to 18:00 in one-minute steps (`clinic_day.py`):",
            f"commands applied: {counted}. Refused by the rules (and left unchanged): {refused}.",
            "Every simulated hour and at closing: the public board read from the tables ==",
            "the board rebuilt from the event log; every ticket's phone view (state, desk,",
            "room, patients ahead) == the rebuilt board; at closing, the checks of the crash",
            "scenario.",
            "",
            "| events | checkpoints | boards equal | phone views checked | mismatches "
            "| wall seconds for the day |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {result.stats.events:,} | {result.checkpoints} | {result.boards_equal} "
            f"| {result.views_checked:,} | {len(result.problems)} | {result.seconds:.1f} |",
            *([""] + [f"- {p}" for p in result.problems[:10]] if result.problems else []),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--walk-ins", type=int, default=300)
    args = parser.parse_args()
    print(markdown(run(args.seed, args.walk_ins)))


if __name__ == "__main__":
    main()
