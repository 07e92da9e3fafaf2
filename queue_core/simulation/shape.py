"""What a generated day looks like: its hours and the shares and spreads of what happens.

The defaults describe an ordinary weekday of a Chinese outpatient department: two sessions
(上午/下午) with a lunch break, about half of the patients booked in 30-minute slots, walk-ins
peaking mid-morning, a few priority patients, tests and missed calls. A clinic that plans its
own sessions (`clinic.sessions`) has its days simulated in them (`shape_for`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import time

from queue_core.config import ClinicConfig


@dataclass(frozen=True)
class DayShape:
    # When the desks see patients, in order: between sessions nobody is called.
    sessions: tuple[tuple[time, time], ...] = (
        (time(8, 0), time(12, 0)),
        (time(13, 30), time(17, 0)),
    )
    load: float = 0.9  # patients expected over what the desks can see, at typical visit times
    appointment_share: float = 0.5
    no_show: float = 0.08  # booked, never came
    late: float = 0.06  # came after their slot ended
    early_minutes: float = 10.0  # how early, on average, a punctual appointment checks in
    early_spread_minutes: float = 10.0
    visit_minutes: float = 8.0  # a queue's median visit without typical_visit_minutes
    visit_sigma: float = 0.45  # the spread of log visit times (lognormal)
    desk_sigma: float = 0.15  # how much doctors differ in speed (lognormal factor)
    priority_share: float = 0.08
    pinned_share: float = 0.05  # walk-ins asking for one doctor where several serve the queue
    tests_share: float = 0.10  # sent for tests (检查), back to the same desk
    tests_minutes: float = 25.0  # median time away for tests
    transfer_share: float = 0.02
    miss_share: float = 0.06  # not there when called: recalled, then skipped
    return_share: float = 0.6  # of the missed, how many come back to be requeued
    return_minutes: float = 15.0  # median time from the skip to coming back
    late_response_share: float = 0.08  # come only after the first recall
    recall_seconds: float = 45.0  # between a call and its recalls
    recalls: int = 2  # recalls before a desk skips
    leave_share: float = 0.01  # give up waiting and leave (cancelled)
    turnaround_seconds: float = 15.0  # median time a nurse takes to call the next patient

    @property
    def opens(self) -> time:
        return self.sessions[0][0]

    @property
    def closes(self) -> time:
        return self.sessions[-1][1]


def shape_for(config: ClinicConfig) -> DayShape:
    """The ordinary day in the clinic's own sessions, where it plans them."""
    if not config.sessions:
        return DayShape()
    return DayShape(
        sessions=tuple(
            (time.fromisoformat(begin), time.fromisoformat(end)) for begin, end in config.sessions
        )
    )


def walk_in_shape(hour: float, shape: DayShape) -> float:
    """The relative rate of walk-ins at a clock hour (9.5 = 09:30): a morning peak about an
    hour and three quarters after opening and a lower one early in each later session, from
    half an hour before a session opens and none in its last quarter of an hour (the last
    session's last three quarters)."""
    last = len(shape.sessions) - 1
    open_now = any(
        _hours(begin) - 0.5 <= hour < _hours(end) - (0.75 if i == last else 0.25)
        for i, (begin, end) in enumerate(shape.sessions)
    )
    if not open_now:
        return 0.0
    rate = 0.0
    for i, (begin, _) in enumerate(shape.sessions):
        if i == 0:
            rate += math.exp(-(((hour - _hours(begin) - 1.75) / 1.1) ** 2) / 2)
        else:
            rate += 0.5 * math.exp(-(((hour - _hours(begin) - 0.75) / 0.9) ** 2) / 2)
    return rate


def _hours(moment: time) -> float:
    return moment.hour + moment.minute / 60
