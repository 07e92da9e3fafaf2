"""Wait estimates that say how sure they are: a range of minutes for every waiting ticket.

Pure: the desks' visit lengths, their lines and the time are passed in, so the read model, a
benchmark replaying a day and a test with a hand-computed answer get the same numbers.

Each desk's visit length is learned from its finished visits of today, as an exponentially
weighted mean and spread, starting from a prior: the desk's visits of recent days where there
are enough, else the queue's configured typical visit with a wide spread. The desks then play
their lines forward on those means (each open desk takes the first ticket of its line not yet
taken as soon as its current patient is expected out), which gives every ticket the minutes
until it is called, with paused desks and tickets pinned to one doctor's desk as they are. The
range is a central interval around that time: the spread of the visits still to come, shared
by the desks that can serve the ticket, and the uncertainty of the learned mean itself.

Where the clinic plans its sessions (`clinic.sessions`), the line is played forward in working
minutes and each time is then carried over the hours outside them: a morning check-in whose
call falls past noon reads a range past the lunch break, and a check-in before opening counts
from the opening.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

# A visit's spread around the typical visit when nothing has been learned yet: wide on purpose.
PRIOR_CV = 0.5
# The prior counts as this many visits: today's first visits move the mean most.
PRIOR_WEIGHT = 3
# Later visits weigh this much each: a doctor's pace drifts over a morning.
ALPHA = 0.2
# The effective number of visits an exponentially weighted mean with ALPHA rests on.
EFFECTIVE_VISITS = 2 / ALPHA - 1
HISTORY_MIN_VISITS = 5  # fewer visits of recent days say too little to replace the typical
# A patient in a room longer than the desk's mean is still expected to need some time.
RESIDUAL_SHARE = 0.25
Z_80 = 1.2816  # the central 80 % of a normal distribution lies within this many spreads
SHORT_WAIT = 5  # a range ending at or below this many minutes reads "within 5 minutes"
# The shortest visit length a desk is taken to have: a desk finishing visits within seconds
# (corrections, a test day) must not be taken to serve a whole line at once.
MIN_VISIT = 0.5


@dataclass(frozen=True)
class ServiceTime:
    """A desk's visit length in minutes: mean, variance, and how uncertain the mean is (as a
    share of it)."""

    mean: float
    var: float
    rel: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", max(self.mean, MIN_VISIT))


def prior(history: Sequence[float], typical: float | None) -> ServiceTime | None:
    """What is known before today's visits: recent days' visits, else the typical visit."""
    if len(history) >= HISTORY_MIN_VISITS:
        mean = sum(history) / len(history)
        var = sum((x - mean) ** 2 for x in history) / (len(history) - 1)
        return ServiceTime(mean, var, _rel(var, mean, len(history)))
    if typical is None:
        return None
    var = (PRIOR_CV * typical) ** 2
    return ServiceTime(typical, var, _rel(var, typical, PRIOR_WEIGHT))


def _rel(var: float, mean: float, visits: float) -> float:
    if mean <= 0:
        return 0.0
    return math.sqrt(var / min(visits, EFFECTIVE_VISITS)) / mean


def learn(start: ServiceTime | None, visits: Sequence[float]) -> ServiceTime | None:
    """`start` moved by today's visits (in the order they finished)."""
    if start is None:
        if not visits:
            return None
        first = visits[0]
        start = ServiceTime(first, (PRIOR_CV * first) ** 2, PRIOR_CV)
        visits = visits[1:]
    mean, var = start.mean, start.var
    for n, minutes in enumerate(visits, 1):
        alpha = max(ALPHA, 1 / (n + PRIOR_WEIGHT))
        diff = minutes - mean
        mean += alpha * diff
        var = (1 - alpha) * (var + alpha * diff * diff)
    if not visits:
        return start
    return ServiceTime(mean, var, _rel(var, mean, len(visits) + PRIOR_WEIGHT))


@dataclass(frozen=True)
class OpenHours:
    """The clock the line is played on: `now` and the sessions (begin, end), in minutes since
    the clinic's local midnight, in order. After the last session the desks are taken to see
    whoever is still waiting: the day runs on rather than leaving them without an estimate."""

    now: float
    sessions: tuple[tuple[float, float], ...]

    def wall(self, working: float) -> float:
        """Minutes from `now` until `working` minutes of session time have passed; a call
        due just as a session ends is the next session's first."""
        return self.clock()(working)

    def clock(self) -> Callable[[float], float]:
        """`wall` with what does not depend on the minutes worked out once: where each
        session still ahead starts counting and how long it lasts. A line's estimate asks
        three times per waiting ticket."""
        now, at = self.now, self.now
        stretches: list[tuple[float, float]] = []
        for begin, end in self.sessions:
            if end <= at:
                continue
            at = max(at, begin)
            stretches.append((at, end - at))
            at = end
        last = at

        def wall(working: float) -> float:
            left = working if working > 0.0 else 0.0
            for start, span in stretches:
                if left < span:
                    return start + left - now
                left -= span
            return last + left - now

        return wall


@dataclass(frozen=True)
class DeskInput:
    """One desk as the estimate sees it. `line`: the ticket ids it would call, in order (its
    queues merged, tickets pinned elsewhere left out); `busy`: minutes its current patient has
    been in the room, None when the room is empty."""

    id: str
    service: ServiceTime | None
    paused: bool
    busy: float | None
    line: Sequence[int]


# (central minutes, low, high) of the range shown, in whole minutes.
Estimate = tuple[int, int, int]


def shown_range(lo: float, hi: float) -> tuple[int, int]:
    """Whole minutes a patient can read: steps of 5 up to an hour, of 10 beyond; a short wait
    reads 0–5."""
    if hi <= SHORT_WAIT:
        return 0, SHORT_WAIT
    step = 5 if hi <= 60 else 10
    # Comparisons rather than max(): a line's estimate reads one range per waiting ticket.
    low = math.floor(lo / step) * step if lo > 0.0 else 0
    high = math.ceil(hi / step) * step
    return low, high if high > low + step else low + step


def _remaining(service: ServiceTime, busy: float | None) -> float:
    if busy is None:
        return 0.0
    return max(service.mean - busy, RESIDUAL_SHARE * service.mean)


@dataclass(frozen=True)
class _Pool:
    """What the open desks that can serve a ticket share: calls per minute, the spread of
    their visits as felt by the line, and the mean's uncertainty."""

    rate: float
    spread: float
    rel: float

    def interval(self, minutes: float) -> tuple[float, float]:
        var = (minutes + 1 / self.rate) * self.spread + (minutes * self.rel) ** 2
        sd = math.sqrt(var)
        return minutes - Z_80 * sd, minutes + Z_80 * sd


def _pool(services: Iterable[ServiceTime]) -> _Pool:
    """The time until the n-th call of several desks: a sum of renewal processes, whose count
    by time t has variance t·Σ v/m³; divided by the squared rate, it is the time's variance."""
    rate = spread = rel = 0.0
    for s in services:
        rate += 1 / s.mean
        spread += s.var / s.mean**3
        rel += s.rel / s.mean
    return _Pool(rate, spread / rate**2, rel / rate)


def estimate_waits(
    desks: Sequence[DeskInput],
    hours: OpenHours | None = None,
    wanted: Collection[int] | None = None,
) -> dict[int, Estimate]:
    """Every ticket some open desk will reach: its estimate. A ticket no open desk with a
    known visit length serves is left out (the caller says why). With `hours`, the times are
    carried over what lies outside the sessions.

    With `wanted`, only those tickets: the line is played forward until each is reached and
    no further. The desks reach tickets in the order of time, so a ticket's estimate is the
    same whether the play stops after it or runs to the end of the line."""
    wall = hours.clock() if hours is not None and hours.sessions else None
    services: list[ServiceTime] = []
    lines: list[Sequence[int]] = []
    heap: list[tuple[float, int]] = []
    for desk in desks:
        if desk.paused or desk.service is None:
            continue
        heap.append((_remaining(desk.service, desk.busy), len(services)))
        services.append(desk.service)
        lines.append(desk.line)
    heapq.heapify(heap)
    means = [s.mean for s in services]
    cursor = [0] * len(services)
    start: dict[int, float] = {}
    asked = None if wanted is None else set(wanted)
    left = None if asked is None else set(asked)
    while heap and (left is None or left):
        at, index = heap[0]
        line, i = lines[index], cursor[index]
        end = len(line)
        while i < end and line[i] in start:
            i += 1
        if i == end:
            heapq.heappop(heap)
            continue
        start[line[i]] = at
        if left is not None:
            left.discard(line[i])
        cursor[index] = i + 1
        heapq.heapreplace(heap, (at + means[index], index))
    # Which desks can serve each ticket, as a bit per desk: tickets sharing them share a pool.
    serving: dict[int, int] = {}
    for index, line in enumerate(lines):
        bit = 1 << index
        for ticket_id in line:
            if asked is None or ticket_id in start:
                serving[ticket_id] = serving.get(ticket_id, 0) | bit
    pools: dict[int, _Pool] = {}
    out: dict[int, Estimate] = {}
    ceil = math.ceil
    for ticket_id, minutes in start.items():
        if asked is not None and ticket_id not in asked:
            continue  # reached on the way to a wanted one
        mask = serving[ticket_id]
        pool = pools.get(mask)
        if pool is None:
            chosen = (s for i, s in enumerate(services) if mask >> i & 1)
            pool = pools[mask] = _pool(chosen)
        lo, hi = pool.interval(minutes)
        if wall is not None:
            minutes, lo, hi = wall(minutes), wall(lo), wall(hi)
        out[ticket_id] = (ceil(minutes), *shown_range(lo, hi))
    return out


def moved_a_lot(told: float, now: float, minutes: int) -> bool:
    """Whether a patient told their call would come at `told` should hear of `now` (moments
    in minutes): it moved by `minutes` or more, either way (notify.estimate_moved_minutes)."""
    return abs(now - told) >= minutes
