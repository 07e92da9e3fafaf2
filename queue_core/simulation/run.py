"""`clinic-queue simulate` as a library call: a generated day played into a store.

A simulated day must never mix with a clinic's real one: it is refused on a day that already
has tickets, before a day the file already holds, and after today (a later real day would find
a future one in its file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from queue_core.closing import close_day
from queue_core.errors import QueueError
from queue_core.simulation.engine import Pace, Played, play
from queue_core.simulation.generate import plan_day
from queue_core.simulation.plan import DayPlan
from queue_core.simulation.shape import DayShape
from queue_core.store import Store

CLOSER = "sim-close"


class DayTaken(QueueError):
    def __init__(self, message: str, day: str) -> None:
        super().__init__(message, "simulation_refused", day=day)


@dataclass(frozen=True)
class Simulated:
    plan: DayPlan
    played: Played
    events: int  # appended by the play
    closed: bool  # the day was played to its end and closed


def check_day_free(store: Store, day: str, today: str) -> None:
    if day > today:
        raise DayTaken(f"{day} is after today ({today}): only today or an earlier day.", day)
    with store.read() as conn:
        last = conn.execute("SELECT MAX(day) FROM tickets").fetchone()[0]
    if last is not None and last >= day:
        which = "has tickets already" if last == day else f"is before {last}, which it holds"
        raise DayTaken(
            f"{day} {which}: a simulated day only goes into a day after every day of the"
            " file (use a new --db, or a later --day).",
            day,
        )


def until_seconds(plan: DayPlan, store: Store, clock: time) -> float:
    """Seconds from the plan's start to a clock time of its day."""
    moment = datetime.combine(date.fromisoformat(plan.day), clock, store.config.tz)
    return (moment - plan.start).total_seconds()


def simulate(
    store: Store,
    day: date,
    seed: int,
    *,
    today: str | None = None,
    shape: DayShape | None = None,
    until: time | None = None,
    pace: Pace | None = None,
) -> Simulated:
    """Generate day `day` from the store's configuration and `seed`, play it, and close it
    when it was played to its end (`until` None)."""
    check_day_free(store, day.isoformat(), today or store.today())
    plan = plan_day(store.config, day, seed, shape)
    first = store.last_seq()
    stop = None if until is None else until_seconds(plan, store, until)
    played = play(store, plan, stop, pace)
    closed = until is None
    if closed:
        close_day(store, CLOSER, plan.day, now=played.until)
    return Simulated(plan, played, store.last_seq() - first, closed)
