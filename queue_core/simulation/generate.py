"""A day's plan from the clinic's configuration and a seed: who comes when, and what happens.

Appointments are booked in the configured slots and check in around them (some early, some
late, some never); walk-ins arrive as a Poisson process whose rate follows `walk_in_shape`
(drawn by thinning); visits last a lognormal time around the queue's typical visit, times the
doctor's own speed. Every draw comes from one `random.Random(seed)`: a seed is a day.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from queue_core.config import ClinicConfig, QueueConfig
from queue_core.simulation.plan import DayPlan, DeskPlan, Episode, Outcome, Patient
from queue_core.simulation.shape import DayShape, shape_for, walk_in_shape

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红梅文辉俊"
LEAVE_REASON = "患者离开"
TRANSFER_REASON = "转诊"
_TURNAROUNDS = 400  # one nurse's delay per call; more calls than this reuse the last


def plan_day(config: ClinicConfig, day: date, seed: int, shape: DayShape | None = None) -> DayPlan:
    shape = shape or shape_for(config)
    rng = random.Random(seed)
    tz = config.tz
    start = datetime.combine(day, shape.opens, tz) - timedelta(hours=1)

    def at(moment: time) -> float:
        return (datetime.combine(day, moment, tz) - start).total_seconds()

    shifts = tuple((at(begin), at(end)) for begin, end in shape.sessions)
    desks = tuple(
        DeskPlan(
            desk=d.id,
            shifts=shifts,
            turnaround=tuple(
                rng.lognormvariate(math.log(shape.turnaround_seconds), 0.5)
                for _ in range(_TURNAROUNDS)
            ),
            speed=rng.lognormvariate(0.0, shape.desk_sigma),
        )
        for d in config.desks
    )
    open_hours = sum(end - begin for begin, end in shifts) / 3600
    patients: list[Patient] = []
    for queue in config.queues:
        expected = shape.load * capacity_per_hour(config, queue, shape) * open_hours
        booked = round(expected * shape.appointment_share)
        walk_ins = expected - booked
        maker = _Maker(config, queue, shape, rng)
        slots = list(_slots(config, shape, at))
        for i in range(booked):
            patients.append(maker.appointment(f"{queue.id}-a{i + 1}", slots[i % len(slots)]))
        offset = start.hour + start.minute / 60
        rate = WalkInRate(shape, walk_ins)
        for i, arrives in enumerate(_walk_in_times(rng, rate, offset)):
            patients.append(maker.walk_in(f"{queue.id}-w{i + 1}", arrives))
    return DayPlan(day.isoformat(), start, tuple(patients), desks, seed)


def median_visit_minutes(queue: QueueConfig, shape: DayShape) -> float:
    return float(queue.typical_visit_minutes or shape.visit_minutes)


def capacity_per_hour(config: ClinicConfig, queue: QueueConfig, shape: DayShape) -> float:
    """Patients of `queue` its desks can see in an hour; a desk serving several queues gives
    each an equal share of its time."""
    desks = config.desks_serving(queue.id)
    return sum(60 / median_visit_minutes(queue, shape) / len(d.queues) for d in desks)


@dataclass(frozen=True)
class WalkInRate:
    """Walk-ins per hour at a clock hour (9.5 = 09:30), for a day expecting `expected` in all."""

    shape: DayShape
    expected: float

    @functools.cached_property
    def _scale(self) -> float:
        total = sum(walk_in_shape(m / 60, self.shape) for m in range(24 * 60)) / 60
        return self.expected / total if total else 0.0

    def __call__(self, hour: float) -> float:
        return self._scale * walk_in_shape(hour, self.shape)

    def between(self, first: float, last: float) -> float:
        """Walk-ins expected from clock hour `first` to `last` (a sum by the minute)."""
        minutes = range(round(first * 60), round(last * 60))
        return sum(self((m + 0.5) / 60) for m in minutes) / 60


def _walk_in_times(rng: random.Random, rate: WalkInRate, offset: float) -> Iterator[float]:
    """Arrival times (seconds from a start at clock hour `offset`) of a non-homogeneous
    Poisson process, drawn by thinning a homogeneous one at the peak rate."""
    peak = max(rate(m / 60) for m in range(24 * 60))
    if peak <= 0:
        return
    hour = offset
    while True:
        hour += rng.expovariate(peak)
        if hour >= 24:
            return
        if rng.random() * peak < rate(hour):
            yield (hour - offset) * 3600


def _slots(config: ClinicConfig, shape: DayShape, at: Callable[[time], float]) -> Iterator[float]:
    length = config.slot_minutes * 60
    for begin, end in shape.sessions:
        slot = at(begin)
        while slot + length <= at(end):
            yield slot
            slot += length


class _Maker:
    """The draws for one queue's patients."""

    def __init__(
        self, config: ClinicConfig, queue: QueueConfig, shape: DayShape, rng: random.Random
    ) -> None:
        self.config, self.queue, self.shape, self.rng = config, queue, shape, rng
        self.desks = config.desks_serving(queue.id)
        doctors = [d for d in self.desks if d.doctor]
        # A queue whose only desk has a named doctor is that doctor's (专家号): pinned there.
        self.specialist = doctors[0].id if len(self.desks) == 1 and doctors else None
        others = [q for q in config.queues if q.id != queue.id]
        same = [q for q in others if q.department and q.department == queue.department]
        self.transfers = same or others
        self.classes = [p.id for p in config.priorities]
        self.weights = [0.2 if p.max_ahead >= 10 else 1.0 for p in config.priorities]

    def _name(self) -> str:
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))
        return self.rng.choice(SURNAMES) + given

    def _priority(self) -> str | None:
        if not self.classes or self.rng.random() >= self.shape.priority_share:
            return None
        return self.rng.choices(self.classes, self.weights)[0]

    def _desk(self) -> str | None:
        if self.specialist:
            return self.specialist
        if len(self.desks) > 1 and self.rng.random() < self.shape.pinned_share:
            return self.rng.choice(self.desks).id
        return None

    def _visit(self, fraction: float = 1.0) -> float:
        median = median_visit_minutes(self.queue, self.shape) * 60 * fraction
        return self.rng.lognormvariate(math.log(median), self.shape.visit_sigma)

    def _minutes(self, median: float) -> float:
        return self.rng.lognormvariate(math.log(median * 60), 0.4)

    def _episodes(self) -> tuple[Episode, ...]:
        s, rng = self.shape, self.rng
        gap = s.recall_seconds
        out: list[Episode] = []
        if rng.random() < s.miss_share:
            back = self._minutes(s.return_minutes) if rng.random() < s.return_share else None
            recalls = tuple(gap * (i + 1) for i in range(s.recalls))
            out.append(Episode(gap * (s.recalls + 1), Outcome.SKIP, recalls, back))
            if back is None:
                return tuple(out)
        late = rng.random() < s.late_response_share
        recalls = (gap,) if late else ()
        extra = gap if late else 0.0
        draw = rng.random()
        if draw < s.tests_share:
            out.append(
                Episode(
                    extra + self._visit(0.6), Outcome.AWAY, recalls, self._minutes(s.tests_minutes)
                )
            )
            out.append(Episode(self._visit(0.4)))
        elif draw < s.tests_share + s.transfer_share and self.transfers:
            target = rng.choice(self.transfers)
            out.append(
                Episode(
                    extra + self._visit(0.3), Outcome.TRANSFER, recalls, target=f"queue:{target.id}"
                )
            )
            out.append(Episode(self._visit()))
        else:
            out.append(Episode(extra + self._visit(), Outcome.DONE, recalls))
        return tuple(out)

    def _leaves(self, arrives: float) -> float | None:
        if self.rng.random() >= self.shape.leave_share:
            return None
        return arrives + self._minutes(45)

    def appointment(self, key: str, slot: float) -> Patient:
        s, rng = self.shape, self.rng
        name, priority, desk = self._name(), self._priority(), self._desk()
        episodes = self._episodes()
        arrives: float | None
        if rng.random() < s.no_show:
            arrives = None
        elif rng.random() < s.late:
            arrives = slot + self.config.slot_minutes * 60 + rng.uniform(60, 45 * 60)
        else:
            early = rng.gauss(s.early_minutes, s.early_spread_minutes)
            arrives = max(0.0, slot - early * 60)
        leaves = None if arrives is None else self._leaves(arrives)
        return Patient(key, self.queue.id, arrives, episodes, slot, priority, desk, name, leaves)

    def walk_in(self, key: str, arrives: float) -> Patient:
        name, priority, desk = self._name(), self._priority(), self._desk()
        episodes = self._episodes()
        return Patient(
            key, self.queue.id, arrives, episodes, None, priority, desk, name, self._leaves(arrives)
        )
