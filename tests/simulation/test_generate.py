"""The generator's draws against its own parameters: seeded, so each check is exact to rerun.

Tolerances are a few standard errors of the counts summed over the seeds, so a broken shape
(walk-ins at the wrong hours, no-shows twice as often) fails and noise does not.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from datetime import date

from queue_core.config import ClinicConfig
from queue_core.simulation.generate import WalkInRate, capacity_per_hour, plan_day
from queue_core.simulation.plan import DayPlan, Outcome
from queue_core.simulation.shape import DayShape, shape_for

DAY = date(2026, 11, 23)
SEEDS = range(20)
SHAPE = DayShape()
OPEN_HOURS = 7.5  # 08:00-12:00 and 13:30-17:00


def plans(config: ClinicConfig) -> list[DayPlan]:
    return [plan_day(config, DAY, seed) for seed in SEEDS]


def clock_hour(plan: DayPlan, seconds: float) -> float:
    return plan.start.hour + plan.start.minute / 60 + seconds / 3600


def test_walk_ins_per_hour_follow_the_rate(sample_config: ClinicConfig) -> None:
    queue = sample_config.queue("nk-pt")
    assert queue is not None
    expected_day = SHAPE.load * capacity_per_hour(sample_config, queue, SHAPE) * OPEN_HOURS
    booked = round(expected_day * SHAPE.appointment_share)
    rate = WalkInRate(SHAPE, expected_day - booked)
    counts = dict.fromkeys(range(7, 17), 0)
    for plan in plans(sample_config):
        for p in plan.patients:
            if p.queue == "nk-pt" and p.slot is None and p.arrives is not None:
                counts[int(clock_hour(plan, p.arrives))] += 1
    for hour, seen in counts.items():
        mean = rate.between(hour, hour + 1) * len(SEEDS)
        assert abs(seen - mean) <= 4 * math.sqrt(mean) + 2, (hour, seen, mean)
    # The morning peak: more walk-ins from 09:00 to 10:00 than from 11:00 to 12:00 or 15:00.
    assert counts[9] > 2 * counts[11] and counts[9] > 2 * counts[15]


def test_no_show_share_is_the_shapes(sample_config: ClinicConfig) -> None:
    booked = [p for plan in plans(sample_config) for p in plan.appointments()]
    share = sum(p.arrives is None for p in booked) / len(booked)
    spread = math.sqrt(SHAPE.no_show * (1 - SHAPE.no_show) / len(booked))
    assert abs(share - SHAPE.no_show) <= 4 * spread


def test_appointments_check_in_around_their_slots(sample_config: ClinicConfig) -> None:
    came = [
        (p.arrives - p.slot) / 60
        for plan in plans(sample_config)
        for p in plan.appointments()
        if p.arrives is not None and p.slot is not None
    ]
    assert abs(statistics.median(came) + SHAPE.early_minutes) <= 2
    late = sum(m > sample_config.slot_minutes for m in came) / len(came)
    assert SHAPE.late * 0.7 <= late <= SHAPE.late * 1.3 + 0.01


def test_visit_times_are_lognormal_around_the_typical_visit(sample_config: ClinicConfig) -> None:
    lengths = [
        p.episodes[0].length
        for plan in plans(sample_config)
        for p in plan.patients
        if len(p.episodes) == 1
        and p.episodes[0].outcome is Outcome.DONE
        and not p.episodes[0].recalls
    ]
    logs = [math.log(x) for x in lengths]
    median = math.exp(statistics.median(logs)) / 60
    assert abs(median - SHAPE.visit_minutes) <= 0.03 * SHAPE.visit_minutes
    assert abs(statistics.stdev(logs) - SHAPE.visit_sigma) <= 0.03


def test_priority_share_is_the_shapes(sample_config: ClinicConfig) -> None:
    patients = [p for plan in plans(sample_config) for p in plan.patients]
    share = sum(p.priority is not None for p in patients) / len(patients)
    spread = math.sqrt(SHAPE.priority_share * (1 - SHAPE.priority_share) / len(patients))
    assert abs(share - SHAPE.priority_share) <= 4 * spread
    classes = {p.priority for p in patients if p.priority}
    assert classes == {c.id for c in sample_config.priorities}


def test_missed_calls_tests_and_transfers_happen_in_their_shares(
    sample_config: ClinicConfig,
) -> None:
    patients = [p for plan in plans(sample_config) for p in plan.patients]
    first = [p.episodes[0].outcome for p in patients]
    missed = first.count(Outcome.SKIP) / len(patients)
    assert abs(missed - SHAPE.miss_share) <= 4 * math.sqrt(SHAPE.miss_share / len(patients))
    outcomes = [e.outcome for p in patients for e in p.episodes]
    assert outcomes.count(Outcome.AWAY) > 0 and outcomes.count(Outcome.TRANSFER) > 0


def test_the_specialist_queue_is_pinned_to_its_doctor(sample_config: ClinicConfig) -> None:
    plan = plan_day(sample_config, DAY, 3)
    assert {p.desk for p in plan.patients if p.queue == "nk-zj"} == {"nk-zj"}


def test_a_seed_is_a_day(sample_config: ClinicConfig) -> None:
    assert plan_day(sample_config, DAY, 5) == plan_day(sample_config, DAY, 5)
    assert plan_day(sample_config, DAY, 5) != plan_day(sample_config, DAY, 6)


def test_desks_work_in_the_configured_sessions(sample_config: ClinicConfig) -> None:
    # The clinic's own hours, one session moved: the plan's desks follow the configuration.
    config = dataclasses.replace(sample_config, sessions=(("07:30", "11:30"), ("14:00", "17:30")))
    plan = plan_day(config, DAY, 1)
    hours = {
        tuple((clock_hour(plan, begin), clock_hour(plan, end)) for begin, end in desk.shifts)
        for desk in plan.desks
    }
    assert hours == {((7.5, 11.5), (14.0, 17.5))}
    # The sample's sessions are the ordinary day's.
    assert shape_for(sample_config) == SHAPE
    # No walk-in arrives in the new lunch break, nor in the last three quarters of an hour.
    walk_ins = [clock_hour(plan, p.arrives) for p in plan.patients if p.arrives and p.slot is None]
    assert walk_ins and not [h for h in walk_ins if 11.25 <= h < 13.5 or h >= 16.75]
