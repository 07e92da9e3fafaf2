"""A full outpatient day at accelerated speed, played through real commands against a Store.

The sample clinic's 200 appointments are imported and checked in around their slots (some
late, some never), a few hundred walk-ins arrive over the day, and every desk works its line
with a stepping clock: calls, recalls, no-shows skipped and requeued, patients sent for tests
and back, transfers, cancels, priorities, out-of-turn emergencies, lunch pauses, presence from
phones and receipts from the waiting-room screen. The same seed plays the same day.

Reuse: `store, clock = clinic_day_store(path, day)` then `play_day(store, clock, seed=1)`;
`on_step(now)` runs after every simulated step (connect phones, compare views) and
`pace_seconds` sleeps between steps when the day should take real time.
"""

from __future__ import annotations

import heapq
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from benchmarks.clinic import APPOINTMENTS, SAMPLE_CONFIG
from queue_core import commands, corrections, feedback
from queue_core.config import load_config
from queue_core.errors import QueueError
from queue_core.importer import import_appointments
from queue_core.model import Ticket
from queue_core.registration import check_in, initialise, issue_ticket, set_priority
from queue_core.store import Store

OPENS_MINUTE = 7 * 60 + 30  # 07:30 local
CLOSES_MINUTE = 18 * 60  # 18:00 local
SERVICE_MINUTES = {"nk-pt": (3, 9), "nk-zj": (5, 14), "wk": (3, 10)}
WALK_IN_QUEUES = (("nk-pt", 50), ("wk", 35), ("nk-zj", 15))
# Every how many times a desk does one of these, it takes it back at once (a slip of the key);
# counted rather than drawn, so the day's random draws stay those of its seed.
TAKEN_BACK = {"finish": 25, "away": 5, "cancel": 3}
PRIORITIES = (
    ("elderly", 50),
    ("pregnant", 15),
    ("disabled", 15),
    ("military", 10),
    ("emergency", 10),
)


class DayClock:
    """The time the store reads: it moves only when the day moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


@dataclass
class DeskPlan:
    """What the simulator knows about one desk's visit in progress."""

    current: str | None = None
    busy_until: datetime | None = None
    absent: bool = False
    recalls: int = 0
    paused_until: datetime | None = None
    lunch: datetime | None = None


@dataclass
class DayStats:
    done: Counter[str] = field(default_factory=Counter)  # command -> times it was applied
    refused: Counter[str] = field(default_factory=Counter)  # error type -> times refused
    steps: int = 0
    events: int = 0


def clinic_day_store(path: Path, day: date, actor: str = "day") -> tuple[Store, DayClock]:
    """A fresh sample clinic at `path` on `day` with its appointments imported; clock at 07:30."""
    config = load_config(SAMPLE_CONFIG)
    local = datetime(day.year, day.month, day.day, tzinfo=config.tz)
    clock = DayClock(local + timedelta(minutes=OPENS_MINUTE))
    initialise(path, config, actor, now=clock()).close()
    store = Store.open(path, clock=clock)
    import_appointments(store, APPOINTMENTS, actor)
    return store, clock


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


class ClinicDay:
    """One day's plan and its desks; `step()` plays one slice of time through real commands."""

    def __init__(self, store: Store, clock: DayClock, seed: int, walk_ins: int) -> None:
        self.store, self.clock, self.rng = store, clock, random.Random(seed)
        self.stats = DayStats()
        self.desks = {d.id: DeskPlan() for d in store.config.desks}
        self.agenda: list[tuple[datetime, int, str, str]] = []  # (when, tie, action, number|queue)
        self._tie = 0
        opening = clock()
        for desk in self.desks.values():
            desk.lunch = opening.replace(hour=11, minute=45) + timedelta(
                minutes=self.rng.randrange(45)
            )
        for _ in range(walk_ins):
            # Mornings are busier: arrivals lean towards the first hours.
            minute = min(self.rng.triangular(0, 540, 60), 540)
            self._plan(opening + timedelta(minutes=minute), "walk_in", "")
        with store.read() as conn:
            rows = conn.execute(
                "SELECT number, slot_start FROM tickets WHERE state = 'registered' ORDER BY id"
            ).fetchall()
        for number, slot in rows:
            if self.rng.random() < 0.08:
                continue  # a no-show: never checks in
            arrives = datetime.fromisoformat(slot) + timedelta(minutes=self.rng.gauss(-15, 20))
            self._plan(max(arrives, opening), "check_in", number)

    def _plan(self, when: datetime, action: str, subject: str) -> None:
        self._tie += 1
        heapq.heappush(self.agenda, (when, self._tie, action, subject))

    def _do(self, name: str, action: Callable[[], object]) -> object | None:
        try:
            result = action()
        except QueueError as exc:
            self.stats.refused[type(exc).__name__] += 1
            return None
        self.stats.done[name] += 1
        return result

    def _slip(self, name: str) -> bool:
        """Whether this `name` just done was a slip the desk takes back."""
        every = TAKEN_BACK.get(name)
        return every is not None and self.stats.done[name] % every == 0

    def step(self, minutes: float) -> None:
        now = self.clock.advance(minutes)
        self.stats.steps += 1
        while self.agenda and self.agenda[0][0] <= now:
            _, _, action, subject = heapq.heappop(self.agenda)
            self._arrive(action, subject)
        for desk_id in self.rng.sample(sorted(self.desks), len(self.desks)):
            self._desk(desk_id, self.desks[desk_id], now)
        self._triage_and_phones()

    def _arrive(self, action: str, subject: str) -> None:
        store = self.store
        if action == "walk_in":
            queue = _weighted(self.rng, WALK_IN_QUEUES)
            priority = _weighted(self.rng, PRIORITIES) if self.rng.random() < 0.08 else None
            desk = "nk-zj" if queue == "nk-zj" else None
            name = f"患者{self.rng.randrange(10_000):04d}"
            self._do(
                "issue",
                lambda: issue_ticket(
                    store, queue, "triage", name=name, priority=priority, desk=desk
                ),
            )
        elif action == "check_in":
            self._do("check_in", lambda: check_in(store, subject, "triage"))
        elif action == "requeue":
            self._do("requeue", lambda: commands.requeue(store, subject, "nurse"))
        elif action == "back":
            self._do("back", lambda: commands.come_back(store, subject, "nurse"))

    def _desk(self, desk_id: str, plan: DeskPlan, now: datetime) -> None:
        store, rng = self.store, self.rng
        if plan.paused_until is not None:
            if now >= plan.paused_until:
                self._do("resume", lambda: commands.resume(store, desk_id, "doctor"))
                plan.paused_until = None
            return
        visit_over = plan.busy_until is None or now >= plan.busy_until
        if plan.lunch is not None and now >= plan.lunch and not plan.absent and visit_over:
            if plan.current is not None:
                self._do("finish", lambda: commands.finish(store, desk_id, "doctor"))
                plan.current = None
            plan.lunch = None
            plan.paused_until = now + timedelta(minutes=rng.randrange(30, 61))
            self._do("pause", lambda: commands.pause(store, desk_id, "doctor", "午休"))
            return
        if plan.current is not None and plan.absent:
            if plan.recalls < 2:
                plan.recalls += 1
                self._do("recall", lambda: commands.recall(store, desk_id, "doctor"))
                return
            number = plan.current
            self._do("skip", lambda: commands.skip(store, desk_id, "doctor"))
            plan.current = None
            if rng.random() < 0.5:
                self._plan(now + timedelta(minutes=rng.randrange(5, 40)), "requeue", number)
            return
        if plan.current is not None and plan.busy_until is not None and now < plan.busy_until:
            return
        if plan.current is not None:
            self._end_visit(desk_id, plan, now)
            if plan.current is not None or rng.random() < 0.3:
                return
        self._call(desk_id, plan, now)

    def _end_visit(self, desk_id: str, plan: DeskPlan, now: datetime) -> None:
        store, rng, number = self.store, self.rng, plan.current
        assert number is not None
        roll = rng.random()
        if roll < 0.10:
            sent = self._do("away", lambda: commands.send_away(store, desk_id, "doctor"))
            if sent is not None and self._slip("away"):
                undo = corrections.undo_away
                self._do("undo_away", lambda: undo(store, number, "按错", "doctor"))
                return  # still in the room
            self._plan(now + timedelta(minutes=rng.randrange(20, 61)), "back", number)
        elif roll < 0.13:
            targets: list[commands.ToDesk | commands.ToQueue] = [
                commands.ToDesk("nk-zj"),
                commands.ToQueue("wk"),
                commands.ToQueue("nk-pt"),
                commands.ToDesk("nk2"),
            ]
            to = rng.choice(targets)
            self._do("transfer", lambda: commands.transfer(store, number, to, "doctor", "转诊"))
        elif roll < 0.5:
            if self._do("finish", lambda: commands.finish(store, desk_id, "doctor")) and (
                self._slip("finish")
            ):
                self._do("reopen", lambda: corrections.reopen(store, desk_id, "按错", "doctor"))
                return  # the visit goes on
        else:
            return  # the next call finishes this visit
        plan.current = None

    def _call(self, desk_id: str, plan: DeskPlan, now: datetime) -> None:
        store, rng = self.store, self.rng
        urgent = self._waiting("priority = 'emergency'") if rng.random() < 0.05 else None
        if urgent is not None:
            called = self._do(
                "call_ticket",
                lambda: commands.call_ticket(store, desk_id, urgent, "急诊", "doctor"),
            )
        else:
            called = self._do("call_next", lambda: commands.call_next(store, desk_id, "doctor"))
        if not isinstance(called, Ticket):
            if plan.current is not None:
                self._do("finish", lambda: commands.finish(store, desk_id, "doctor"))
                plan.current = None
            return
        plan.current, plan.recalls = called.number, 0
        plan.absent = rng.random() < 0.07
        low, high = SERVICE_MINUTES.get(called.queue, (3, 10))
        plan.busy_until = now + timedelta(minutes=rng.uniform(low, high))
        seq = feedback.last_call_seq(store, desk_id, called.number)
        if seq is not None:
            self._do("receipt", lambda: feedback.record_receipt(store, seq, "hall"))

    def _waiting(self, clause: str) -> str | None:
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT number FROM tickets WHERE state = 'waiting' AND {clause} ORDER BY id"
            ).fetchall()
        return str(self.rng.choice(rows)[0]) if rows else None

    def _triage_and_phones(self) -> None:
        store, rng = self.store, self.rng
        if rng.random() < 0.02 and (leaving := self._waiting("TRUE")) is not None:
            gone: str = leaving
            done = self._do("cancel", lambda: commands.cancel(store, gone, "患者离开", "triage"))
            if done is not None and self._slip("cancel"):
                undo = corrections.uncancel
                self._do("uncancel", lambda: undo(store, gone, "取消错了", "triage"))
        if rng.random() < 0.02 and (marked := self._waiting("priority IS NULL")) is not None:
            old: str = marked
            self._do("priority", lambda: set_priority(store, old, "elderly", "triage", "70岁"))
        if rng.random() < 0.3:
            with store.read() as conn:
                rows = conn.execute(
                    "SELECT token FROM tickets WHERE state IN ('waiting', 'called')"
                    " AND presence IS NULL ORDER BY id"
                ).fetchall()
            if rows:
                token, status = rng.choice(rows)[0], rng.choice(["on_my_way", "here"])
                self._do("presence", lambda: feedback.record_presence(store, token, status))


def play_day(
    store: Store,
    clock: DayClock,
    seed: int,
    walk_ins: int = 300,
    step_minutes: float = 1.0,
    pace_seconds: float = 0.0,
    on_step: Callable[[datetime], None] | None = None,
) -> DayStats:
    """Play from the clock's time to 18:00 local, one `step_minutes` slice at a time."""
    day = ClinicDay(store, clock, seed, walk_ins)
    closes = clock().replace(hour=CLOSES_MINUTE // 60, minute=CLOSES_MINUTE % 60)
    while clock() < closes:
        day.step(step_minutes)
        if on_step is not None:
            on_step(clock())
        if pace_seconds:
            time.sleep(pace_seconds)
    day.stats.events = store.last_seq()
    return day.stats
