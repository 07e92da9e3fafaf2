"""A day's plan: pure data saying what each patient and each desk does, never when a desk
calls whom. Who is called when is the rules' answer, found by playing the plan (engine.py).

Times are seconds from the plan's `start`; a visit's parts (`Episode`) are consumed one per call
of that patient, so the same plan can be played under other rules and stay the same patients.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Outcome(StrEnum):
    """How one call of a patient ends."""

    DONE = "done"  # the visit ends
    SKIP = "skip"  # the patient never came to the call: recalled, then to the missed list
    AWAY = "away"  # sent for tests, to come back to the same desk
    TRANSFER = "transfer"  # sent on to another queue or desk


@dataclass(frozen=True)
class Episode:
    """One call of a patient: the recalls the desk makes (seconds after the call), and after
    `length` seconds (scaled by the desk's speed for a visit) the outcome. `then` is the
    seconds until the patient comes back (a SKIP's requeue, an AWAY's return; None: never),
    `target` a TRANSFER's `desk:ID` or `queue:ID`."""

    length: float
    outcome: Outcome = Outcome.DONE
    recalls: tuple[float, ...] = ()
    then: float | None = None
    target: str = ""


@dataclass(frozen=True)
class Triage:
    """What the triage desk does to a ticket that is not with a doctor, at `at` seconds: mark
    a priority class (`value` the class, "" to clear it), or transfer it (`value` a
    `desk:ID` or `queue:ID`). Done only if the ticket is still waiting or missed then."""

    at: float
    kind: str  # "priority" or "transfer"
    value: str


@dataclass(frozen=True)
class Patient:
    """One ticket of the day. An appointment has a slot (seconds from start) and is imported
    before the day; `arrives` None is a no-show. A walk-in is issued when it arrives."""

    key: str  # the plan's own name for the patient, stable across plays
    queue: str
    arrives: float | None
    episodes: tuple[Episode, ...]
    slot: float | None = None
    priority: str | None = None
    desk: str | None = None  # pinned to one doctor's desk
    name: str = ""
    leaves: float | None = None  # gives up and leaves (cancelled) if still not served
    triage: tuple[Triage, ...] = ()


@dataclass(frozen=True)
class OutOfTurn:
    """A desk's `index`-th call (0-based) went out of turn to the patient `patient`."""

    index: int
    patient: str
    reason: str


@dataclass(frozen=True)
class DeskPlan:
    """When a desk works: open intervals (seconds from start; between two of them it is
    paused with `pause_reason`), and the seconds a nurse takes to call the next patient once
    the desk is free and somebody waits, one per call (the last repeats)."""

    desk: str
    shifts: tuple[tuple[float, float], ...]
    turnaround: tuple[float, ...] = (0.0,)
    speed: float = 1.0  # a visit's length is its episode's length times this
    pause_reason: str = "午休"
    overtime: bool = True  # after its last shift the desk still sees whoever is waiting
    out_of_turn: tuple[OutOfTurn, ...] = ()

    def turnaround_at(self, index: int) -> float:
        return self.turnaround[min(index, len(self.turnaround) - 1)]


@dataclass(frozen=True)
class DayPlan:
    day: str  # YYYY-MM-DD, the service day in the clinic's time zone
    start: datetime  # aware; the moment of time 0 (appointments are imported then)
    patients: tuple[Patient, ...]
    desks: tuple[DeskPlan, ...]
    seed: int | None = None  # the generator's, when a generator made it

    def appointments(self) -> list[Patient]:
        return [p for p in self.patients if p.slot is not None]
