"""Play a day's plan through the real commands on a virtual clock (a discrete-event run).

Every change is a command with its `now`: the appointments are imported from a HIS file,
walk-ins issued, desks call the next patient by the rules when they are free, recall and skip
who does not come, requeue who comes back, send for tests and transfer. The log it leaves is a
real day's log. The engine decides only what a patient or a nurse would; whom a desk calls is
always `call_next`'s answer.
"""

from __future__ import annotations

import csv
import functools
import heapq
import itertools
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from queue_core import commands
from queue_core.config import DeskConfig
from queue_core.errors import NobodyWaiting, QueueError
from queue_core.importer import import_appointments
from queue_core.registration import check_in, issue_ticket, set_priority
from queue_core.simulation.plan import DayPlan, DeskPlan, Episode, Outcome, Patient, Triage
from queue_core.store import Store

HIS = "sim-his"
TRIAGE = "sim-triage"
Action = Callable[[], None]
Pace = Callable[[datetime], None]  # waits until the virtual moment is due (real-time runs)


@dataclass
class _Ticket:
    """What the engine knows of a patient's ticket: enough to decide, never to order."""

    patient: Patient
    number: str = ""
    state: str = "absent"  # absent, registered, waiting, called, missed, away, over
    queue: str = ""
    pinned: str | None = None
    episode: int = 0
    desk: str | None = None


@dataclass
class _Desk:
    config: DeskConfig
    plan: DeskPlan
    open: bool = False
    last_shift: bool = False
    current: _Ticket | None = None
    pending: int = 0  # the call due after the nurse's turnaround (0: none), by generation
    generation: int = 0
    calls: int = 0
    waiting: int = 0  # patients waiting whom this desk may call


@dataclass
class Played:
    """What a play did: the ticket number of each plan patient, and the commands run."""

    numbers: dict[str, str] = field(default_factory=dict)
    commands: int = 0
    until: datetime | None = None


class Engine:
    def __init__(
        self, store: Store, plan: DayPlan, pace: Pace | None = None, shared: bool = False
    ) -> None:
        """`shared`: people work the same day (the demo's nurse at a desk the plan leaves
        out), so an action their change made impossible is refused and the day goes on."""
        self.store, self.plan, self.pace, self.shared = store, plan, pace, shared
        config = store.config
        self.tickets = {p.key: _Ticket(p, queue=p.queue, pinned=p.desk) for p in plan.patients}
        self.by_number: dict[str, _Ticket] = {}
        self.desks = {
            d.desk: _Desk(c, d) for d in plan.desks if (c := config.desk(d.desk)) is not None
        }
        self._heap: list[tuple[float, int, Action]] = []
        self._order = itertools.count()
        self.now = 0.0
        self.played = Played()

    # The clock and the agenda

    def at(self, seconds: float) -> datetime:
        return self.plan.start + timedelta(seconds=seconds)

    def _later(self, seconds: float, action: Action) -> None:
        heapq.heappush(self._heap, (seconds, next(self._order), action))

    def run(self, until: float | None = None) -> Played:
        """Play every action due before `until` (seconds from the start; None: to the end)."""
        self._later(0.0, self._import)
        for patient in self.plan.patients:
            if patient.arrives is not None:
                self._later(patient.arrives, functools.partial(self._arrive, patient))
            if patient.leaves is not None:
                self._later(patient.leaves, functools.partial(self._leave, patient))
            for step in patient.triage:
                self._later(step.at, functools.partial(self._triage, patient, step))
        for desk in self.desks.values():
            shifts = desk.plan.shifts
            for i, (begin, end) in enumerate(shifts):
                last = i == len(shifts) - 1
                self._later(begin, functools.partial(self._opens, desk, i == 0))
                self._later(end, functools.partial(self._closes, desk, last))
        while self._heap:
            moment, _, action = heapq.heappop(self._heap)
            if until is not None and moment >= until:
                break
            self.now = moment
            if self.pace is not None:
                self.pace(self.at(moment))
            try:
                action()
            except QueueError:
                if not self.shared:
                    raise
        self.played.until = self.at(self.now)
        return self.played

    def _did(self) -> datetime:
        self.played.commands += 1
        return self.at(self.now)

    # Patients

    def _import(self) -> None:
        booked = self.plan.appointments()
        if not booked:
            return
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"appointments-{self.plan.day}.csv"
            with path.open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(("external_id", "name", "queue", "slot_start", "priority", "desk"))
                tz = self.store.config.tz
                for p in booked:
                    assert p.slot is not None
                    slot = self.at(p.slot).astimezone(tz).strftime("%Y-%m-%d %H:%M")
                    row = (self._external_id(p), p.name or p.key, p.queue, slot)
                    writer.writerow((*row, p.priority or "", p.desk or ""))
            import_appointments(self.store, path, HIS, now=self._did())
        keys = {self._external_id(p): p.key for p in booked}
        with self.store.read() as conn:
            rows = conn.execute(
                "SELECT external_id, number FROM tickets WHERE day = ? AND external_id IS NOT NULL",
                (self.plan.day,),
            ).fetchall()
        for external_id, number in rows:
            if external_id in keys:
                self._numbered(self.tickets[keys[external_id]], number, "registered")

    def _external_id(self, patient: Patient) -> str:
        """A HIS numbers its appointments once for all days: a key alone (the same every
        day) would make the next day's import take its rows for the earlier day's tickets."""
        return f"{self.plan.day}-{patient.key}"

    def _numbered(self, ticket: _Ticket, number: str, state: str) -> None:
        ticket.number = number
        self.by_number[number] = ticket
        self.played.numbers[ticket.patient.key] = number
        self._set(ticket, state)

    def _set(
        self, ticket: _Ticket, state: str, queue: str | None = None, pinned: str | None = ""
    ) -> None:
        """A ticket's new state (and queue, pinning: "" keeps it); a desk that may call it and
        had nobody to call gets ready once its nurse's turnaround has passed."""
        before = [self._counts(d, ticket) for d in self.desks.values()]
        ticket.state = state
        ticket.queue = queue or ticket.queue
        ticket.pinned = ticket.pinned if pinned == "" else pinned
        for desk, was in zip(self.desks.values(), before, strict=True):
            now = self._counts(desk, ticket)
            desk.waiting += now - was
            if desk.waiting == 1 and now > was:
                self._someone_for(desk)

    def _counts(self, desk: _Desk, ticket: _Ticket) -> int:
        config = desk.config
        eligible = ticket.queue in config.queues and ticket.pinned in (None, config.id)
        return int(ticket.state == "waiting" and eligible)

    def _arrive(self, patient: Patient) -> None:
        ticket = self.tickets[patient.key]
        if patient.slot is not None:
            if ticket.state != "registered":
                return
            check_in(self.store, ticket.number, TRIAGE, now=self._did())
            self._set(ticket, "waiting")
        else:
            issued = issue_ticket(
                self.store,
                patient.queue,
                TRIAGE,
                name=patient.name or "",
                priority=patient.priority,
                desk=patient.desk,
                now=self._did(),
            )
            self._numbered(ticket, issued.number, "waiting")

    def _leave(self, patient: Patient) -> None:
        ticket = self.tickets[patient.key]
        if ticket.state == "waiting":
            commands.cancel(self.store, ticket.number, "患者离开", TRIAGE, now=self._did())
            self._set(ticket, "over")

    def _triage(self, patient: Patient, step: Triage) -> None:
        ticket = self.tickets[patient.key]
        if ticket.state not in ("waiting", "missed"):
            return
        if step.kind == "priority":
            cls = step.value or None
            set_priority(self.store, ticket.number, cls, TRIAGE, now=self._did())
        else:
            to = commands.transfer_target(self.store.config, step.value)
            moved = commands.transfer(self.store, ticket.number, to, TRIAGE, now=self._did())
            self._set(ticket, "waiting", moved.queue, moved.pinned_desk)

    def _requeue(self, ticket: _Ticket) -> None:
        if ticket.state == "missed":
            commands.requeue(self.store, ticket.number, TRIAGE, now=self._did())
            self._set(ticket, "waiting")

    def _back(self, ticket: _Ticket) -> None:
        if ticket.state == "away":
            back = commands.come_back(self.store, ticket.number, TRIAGE, now=self._did())
            self._set(ticket, "waiting", pinned=back.pinned_desk)

    # Desks

    def _someone_for(self, desk: _Desk) -> None:
        """Somebody this desk may call is waiting, where nobody was: an idle desk gets ready,
        and a desk already getting ready starts again from now (its nurse waited for this)."""
        if desk.open and desk.current is None:
            self._ready(desk)

    def _ready(self, desk: _Desk) -> None:
        desk.generation += 1
        desk.pending = generation = desk.generation
        delay = desk.plan.turnaround_at(desk.calls)
        self._later(self.now + delay, lambda: self._call(desk, generation))

    def _free(self, desk: _Desk) -> None:
        desk.current = None
        if desk.open and desk.waiting:
            self._ready(desk)
        elif desk.last_shift:
            desk.open = False  # overtime ends when nobody is left

    def _opens(self, desk: _Desk, first: bool) -> None:
        if not first:
            commands.resume(self.store, desk.config.id, self._actor(desk), now=self._did())
        desk.open = True
        if desk.current is None and desk.waiting:
            self._ready(desk)

    def _closes(self, desk: _Desk, last: bool) -> None:
        if last:
            # The last session's patients are still seen (overtime), unless the plan says not.
            desk.last_shift = True
            desk.open = desk.plan.overtime and (desk.current is not None or desk.pending > 0)
            return
        desk.open = False
        commands.pause(
            self.store,
            desk.config.id,
            self._actor(desk),
            desk.plan.pause_reason,
            now=self._did(),
        )

    def _actor(self, desk: _Desk) -> str:
        return f"sim-{desk.config.id}"

    def _call(self, desk: _Desk, generation: int) -> None:
        if desk.pending != generation or not desk.open or desk.current is not None:
            return
        desk.pending = 0
        special = next((o for o in desk.plan.out_of_turn if o.index == desk.calls), None)
        chosen = self.tickets.get(special.patient) if special else None
        try:
            if special and chosen and chosen.state in ("waiting", "missed"):
                called = commands.call_ticket(
                    self.store,
                    desk.config.id,
                    chosen.number,
                    special.reason,
                    self._actor(desk),
                    now=self._did(),
                )
            else:
                called = commands.call_next(
                    self.store, desk.config.id, self._actor(desk), now=self._did()
                )
        except NobodyWaiting:
            if desk.last_shift:
                desk.open = False
            return
        desk.calls += 1
        self._visit(desk, self.by_number[called.number])

    def _visit(self, desk: _Desk, ticket: _Ticket) -> None:
        ticket.desk = desk.config.id
        self._set(ticket, "called")
        desk.current = ticket
        episode = ticket.patient.episodes[min(ticket.episode, len(ticket.patient.episodes) - 1)]
        ticket.episode += 1
        for offset in episode.recalls:
            self._later(self.now + offset, lambda: self._recall(desk, ticket))
        length = episode.length * (1 if episode.outcome is Outcome.SKIP else desk.plan.speed)
        self._later(self.now + length, lambda: self._ends(desk, ticket, episode))

    def _recall(self, desk: _Desk, ticket: _Ticket) -> None:
        if desk.current is ticket:
            commands.recall(self.store, desk.config.id, self._actor(desk), now=self._did())

    def _ends(self, desk: _Desk, ticket: _Ticket, episode: Episode) -> None:
        if desk.current is not ticket:
            return
        desk_id, actor = desk.config.id, self._actor(desk)
        outcome = episode.outcome
        if outcome is Outcome.DONE:
            commands.finish(self.store, desk_id, actor, now=self._did())
            self._set(ticket, "over")
        elif outcome is Outcome.SKIP:
            commands.skip(self.store, desk_id, actor, now=self._did())
            self._set(ticket, "missed")
            if episode.then is not None:
                self._later(self.now + episode.then, lambda: self._requeue(ticket))
        elif outcome is Outcome.AWAY:
            commands.send_away(self.store, desk_id, actor, now=self._did())
            self._set(ticket, "away")
            if episode.then is not None:
                self._later(self.now + episode.then, lambda: self._back(ticket))
        else:
            self._transfer(ticket, episode.target, actor)
        self._free(desk)

    def _transfer(self, ticket: _Ticket, target: str, actor: str) -> None:
        to = commands.transfer_target(self.store.config, target)
        moved = commands.transfer(self.store, ticket.number, to, actor, "转诊", now=self._did())
        self._set(ticket, "waiting", moved.queue, moved.pinned_desk)


def play(
    store: Store,
    plan: DayPlan,
    until: float | None = None,
    pace: Pace | None = None,
    shared: bool = False,
) -> Played:
    return Engine(store, plan, pace, shared).run(until)
