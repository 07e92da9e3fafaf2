"""`make demo SIMULATE=1`: a simulated clinic keeps the demo's screens busy while it runs.

Today's demo day goes on at the wall clock: a generated day whose clinic opened an hour ago
(at any time of day, until 23:30), played through the real commands by a background thread.
Every desk but the one the demo opens in front is worked by the simulation; that desk is the
person's, and the simulation gives up any action the person's own made impossible.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta

from queue_core.simulation.engine import play
from queue_core.simulation.generate import plan_day
from queue_core.simulation.pacing import Pacer
from queue_core.simulation.plan import DayPlan
from queue_core.simulation.shape import DayShape
from queue_core.store import Store, utc_now

SIMULATE_ENV = "CLINIC_QUEUE_SIMULATE"
LAST_CLOSE = time(23, 30)
SEED = 1


def shape_from(now_local: datetime) -> DayShape:
    """Two sessions of three hours with half an hour between, opened on the slot boundary an
    hour before now; late in the evening the day is cut short at LAST_CLOSE."""
    opened = now_local - timedelta(hours=1)
    opens = opened.replace(minute=0 if opened.minute < 30 else 30, second=0, microsecond=0)
    base = datetime.combine(date.min, opens.time())
    last = datetime.combine(date.min, LAST_CLOSE)

    def clock(after: timedelta) -> time:
        return min(base + after, last).time()

    return DayShape(
        sessions=(
            (opens.time(), clock(timedelta(hours=3))),
            (clock(timedelta(hours=3, minutes=30)), clock(timedelta(hours=6, minutes=30))),
        )
    )


def demo_plan(store: Store, person_desk: str, now: datetime) -> DayPlan:
    local = now.astimezone(store.config.tz)
    plan = plan_day(store.config, local.date(), SEED, shape_from(local))
    desks = tuple(d for d in plan.desks if d.desk != person_desk)
    return DayPlan(plan.day, plan.start, plan.patients, desks, plan.seed)


def start(store: Store, person_desk: str) -> threading.Thread:
    """The simulated day on its own thread; a daemon, so the demo's end ends it."""
    now = utc_now()
    plan = demo_plan(store, person_desk, now)
    thread = threading.Thread(
        target=play,
        kwargs={"store": store, "plan": plan, "pace": Pacer(now, 1.0), "shared": True},
        name="simulated-day",
        daemon=True,
    )
    thread.start()
    return thread
