"""The long day through the display server: a whole clinic day while phones come and go.

`clinic_day.play_day` plays today's sample clinic (the server computes "today" from the wall
clock, so the simulated day is today's date) at accelerated speed against a real
`clinic-queue serve` process. Meanwhile client processes (server_day_clients.py) open patients'
links `/ws/ticket/<token>` and close them again, a few thousand times over the day, reopening
with `?since=` as the page does; a few screens (`/ws/display`, with filters) stay open.
Every simulated hour the day pauses: once the server has sent the newest event and every open
client has received it, each open phone's last view (state, patients ahead, desk and room when
called) must equal `queue_core.patient`'s view of the board, and each screen's last `board`
must equal `public_board` cut to its filters as docs/protocol.md describes. At closing every
phone ever opened is reopened with its `since` and checked; the board rebuilt from the log must
equal the tables' and the file must pass `tests.oracle`.
"""

from __future__ import annotations

import random
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from benchmarks.clinic import SAMPLE_CONFIG
from benchmarks.server_common import ServerProcess, wait_caught_up
from display_server.protocol import told_place
from queue_core.board import Board, public_board
from queue_core.config import ClinicConfig, load_config
from queue_core.line import Line, read_board
from queue_core.store import Store
from tests.oracle import read_model_problems, violations
from tests.scenarios.clinic_day import DayStats, clinic_day_store, play_day
from tests.scenarios.day_clients import DayClients

SCREENS = (
    "/ws/display",
    f"/ws/display?department={quote('外科')}",
    "/ws/display?desks=nk1,nk2",
    "/ws/display?queues=nk-zj",
)
# Who looks at their phone: mostly patients still waiting for their turn.
LOOK_WEIGHTS = {"waiting": 6, "called": 4, "missed": 3, "away": 3, "registered": 1}


@dataclass(frozen=True)
class Plan:
    walk_ins: int
    step_minutes: float
    pace_seconds: float  # real seconds slept between simulated steps
    opens_per_step: float
    mean_open_steps: float  # how long a phone stays open, in steps (exponential)
    screens: tuple[str, ...]
    processes: int


FULL = Plan(300, 1.0, 0.1, 4.6, 25.0, SCREENS, 2)
# Every other simulated minute from 07:30 to 18:00 (315 steps), a phone opened every ~3 steps.
SHORT = Plan(60, 2.0, 0.01, 0.3, 8.0, SCREENS[:2], 1)


@dataclass
class DayRun:
    plan: Plan
    day: str = ""
    stats: DayStats = field(default_factory=DayStats)
    opened: int = 0
    closed: int = 0
    reconnects: int = 0  # connections the clients had to open again on their own
    tickets: int = 0  # tickets whose link was opened at least once
    peak_open: int = 0
    phone_frames: int = 0
    screen_frames: int = 0
    checkpoints: int = 0
    phone_views: int = 0
    screen_boards: int = 0
    problems: list[str] = field(default_factory=list)
    day_seconds: float = 0.0
    wall_seconds: float = 0.0
    restarted_at_midnight: bool = False


class Phones:
    """Which patients have their link open, and until which step; opens and closes them."""

    def __init__(self, store: Store, clients: list[DayClients], plan: Plan, seed: int) -> None:
        self.store, self.clients, self.plan = store, clients, plan
        self.rng = random.Random(seed)
        self.until: dict[str, int] = {}  # open token -> the step it closes at
        self.home: dict[str, int] = {}  # token -> its client process
        self.opens: dict[str, int] = {}  # token -> opens asked for
        self.step = 0
        self.closed = 0
        self.peak = 0

    def open(self, token: str, steps: int) -> None:
        home = self.home.setdefault(token, len(self.home) % len(self.clients))
        self.clients[home].tell(f"open {token}")
        self.opens[token] = self.opens.get(token, 0) + 1
        self.until[token] = self.step + steps

    def close(self, token: str) -> None:
        self.clients[self.home[token]].tell(f"close {token}")
        del self.until[token]
        self.closed += 1

    def on_step(self) -> None:
        self.step += 1
        for token in [t for t, until in self.until.items() if until <= self.step]:
            self.close(token)
        whole, part = divmod(self.plan.opens_per_step, 1)
        wanted = int(whole) + (self.rng.random() < part)
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT token, state FROM tickets WHERE day = ? ORDER BY id", (self.store.today(),)
            ).fetchall()
        closed = [(str(t), LOOK_WEIGHTS.get(s, 1)) for t, s in rows if t not in self.until]
        for _ in range(min(wanted, len(closed))):
            index = self.rng.choices(range(len(closed)), [w for _, w in closed])[0]
            token, _ = closed.pop(index)
            steps = max(1, round(self.rng.expovariate(1 / self.plan.mean_open_steps)))
            self.open(token, steps)
        self.peak = max(self.peak, len(self.until))

    def reopen_all(self) -> None:
        """Closing time: every patient who ever opened their link looks once more."""
        for token in self.home:
            if token not in self.until:
                self.open(token, 1)


def shown(state: str, ahead: int | None, desk: str | None, room: str | None) -> dict[str, Any]:
    """The part of a phone's view this scenario holds to the board."""
    view: dict[str, Any] = {"state": state, "ahead": ahead if state == "waiting" else None}
    if state == "called":
        view |= {"desk": desk, "room": room}
    return view


def expected_phones(store: Store) -> dict[str, tuple[str, dict[str, Any]]]:
    """token -> (number, view) from the board, as `queue_core.patient` computes a phone's view."""
    out = {}
    line = Line.load(store)
    for ticket in [t for t in line.tickets.values() if t.day == line.day]:
        view = line.view(ticket)
        ahead = told_place(view.ahead, view.now, store.config.alert_ahead)[0]
        out[ticket.token] = (ticket.number, shown(view.state, ahead, view.desk, view.room))
    return out


def expected_screen(board: Board, config: ClinicConfig, path: str) -> dict[str, Any]:
    """The public board cut to a screen's filters as docs/protocol.md describes them."""
    query = parse_qs(urlsplit(path).query)

    def ids(key: str) -> set[str]:
        return {x for v in query.get(key, []) for x in v.split(",") if x}

    departments, named_queues, named_desks = ids("department"), ids("queues"), ids("desks")
    queues = {q.id for q in config.queues if q.id in named_queues or q.department in departments}
    queues |= {q for d in config.desks if d.id in named_desks for q in d.queues}
    if not (departments or named_queues or named_desks):
        queues = {q.id for q in config.queues}
    desks = named_desks or {d.id for d in config.desks if queues & set(d.queues)}
    return public_board(board, desks=desks, queues=queues)


def check(store: Store, server: ServerProcess, phones: Phones, run: DayRun, final: bool) -> None:
    """Once the server sent the newest event and every client received it: views == board."""
    run.checkpoints += 1
    at = f"{store.now():%H:%M}"
    wait_caught_up(server.port, store.last_seq())
    for client in phones.clients:
        client.tell("check")
    reports = [client.answer() for client in phones.clients]
    views = expected_phones(store)
    board = read_board(store)
    for report in reports:
        if not report["synced"]:
            run.problems.append(f"{at}: some clients never answered a ping")
        for token, phone in report["phones"].items():
            if not (phone["open"] or final):
                continue
            run.phone_views += 1
            number, want = views[token]
            view = phone["view"]
            got = shown(view.get("state"), view.get("ahead"), view.get("desk"), view.get("room"))
            if got != want:
                last = view.get("last")
                run.problems.append(
                    f"{at}: phone {number} shows {got} (last message {last}), the board {want}"
                )
        for path, screen in report["screens"].items():
            run.screen_boards += 1
            want_board = expected_screen(board, store.config, path)
            if screen["board"] != want_board:
                run.problems.append(
                    f"{at}: screen {path} shows {screen['board']}, public_board {want_board}"
                )
    if final:
        for report in reports:
            phone_reports = report["phones"].values()
            run.phone_frames += sum(p["frames"] for p in phone_reports)
            run.screen_frames += sum(s["frames"] for s in report["screens"].values())
            run.reconnects += sum(s["opens"] - 1 for s in report["screens"].values())
            for token, phone in report["phones"].items():
                run.reconnects += max(0, phone["opens"] - phones.opens[token])
                if phone["fatal"] is not None:
                    run.problems.append(f"{at}: a phone was refused: {phone['fatal']}")


def board_check(store: Store, run: DayRun) -> None:
    """The final board equals the one a replay of the event log rebuilds."""
    run.problems += [f"closing: {p}" for p in read_model_problems(store, phones=False).problems]


def play(db: Path, plan: Plan, seed: int, today: date) -> DayRun:
    """One day on `today`: server, clients, the day with its checks, then the file's checks."""
    run = DayRun(plan, today.isoformat())
    store, clock = clinic_day_store(db, today)
    server = ServerProcess(db)
    server.start()
    clients: list[DayClients] = []
    try:
        for index in range(plan.processes):
            clients.append(DayClients(server.base, list(plan.screens) if index == 0 else []))
        phones = Phones(store, clients, plan, seed)
        began = time.perf_counter()

        def on_step(now: datetime) -> None:
            phones.on_step()
            if now.minute == 0:
                check(store, server, phones, run, final=False)

        run.stats = play_day(
            store, clock, seed, plan.walk_ins, plan.step_minutes, plan.pace_seconds, on_step
        )
        run.day_seconds = time.perf_counter() - began
        phones.reopen_all()
        check(store, server, phones, run, final=True)
        board_check(store, run)
        run.opened, run.closed = sum(phones.opens.values()), phones.closed
        run.tickets, run.peak_open = len(phones.home), phones.peak
    finally:
        for client in clients:
            client.stop()
        server.stop()
        store.close()
    found, _ = violations(db)
    run.problems += found
    return run


def run(plan: Plan = FULL, seed: int = 1, workdir: Path | None = None) -> DayRun:
    """The day on the wall clock's date; played again if midnight passed while it ran (the
    server's "today" moved on, so its board is another day's)."""
    tz = load_config(SAMPLE_CONFIG).tz
    began = time.perf_counter()
    restarted = False
    while True:
        today = datetime.now(tz).date()
        with tempfile.TemporaryDirectory(prefix="cq-server-day-", dir=workdir) as tmp:
            result = play(Path(tmp) / "day.db", plan, seed, today)
        if datetime.now(tz).date() == today or restarted:
            break
        restarted = True
    result.restarted_at_midnight = restarted
    result.wall_seconds = time.perf_counter() - began
    return result
