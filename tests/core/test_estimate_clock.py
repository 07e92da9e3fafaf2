"""The estimate's fast paths give exactly what the rules as first written give.

A line's estimate carries three times per waiting ticket over the sessions and reads one range
each, so those two are written for speed (queue_core/estimate.py); here each is held, for any
input, to the plain statement of its rule: the phones' `eta` on the wire must not move by a
rounding.
"""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from queue_core.estimate import SHORT_WAIT, OpenHours, shown_range

MINUTES = st.floats(min_value=-100.0, max_value=3000.0, allow_nan=False)
DAY = st.floats(min_value=0.0, max_value=1440.0, allow_nan=False)


def _plain_wall(now: float, sessions: tuple[tuple[float, float], ...], working: float) -> float:
    """Walk the sessions from `now`, spending the working minutes in each."""
    at, left = now, max(working, 0.0)
    for begin, end in sessions:
        if end <= at:
            continue
        at = max(at, begin)
        if left < end - at:
            return at + left - now
        left -= end - at
        at = end
    return at + left - now


def _plain_range(lo: float, hi: float) -> tuple[int, int]:
    if hi <= SHORT_WAIT:
        return 0, SHORT_WAIT
    step = 5 if hi <= 60 else 10
    low = math.floor(max(lo, 0.0) / step) * step
    return low, max(math.ceil(hi / step) * step, low + step)


@st.composite
def sessions(draw: st.DrawFn) -> tuple[tuple[float, float], ...]:
    bounds = sorted(draw(st.lists(DAY, min_size=0, max_size=6, unique=True)))
    return tuple(zip(bounds[0::2], bounds[1::2], strict=False))


@given(now=DAY, hours=sessions(), working=st.lists(MINUTES, min_size=1, max_size=20))
def test_the_clock_worked_out_once_carries_minutes_as_the_sessions_say(
    now: float, hours: tuple[tuple[float, float], ...], working: list[float]
) -> None:
    clock = OpenHours(now, hours).clock()
    assert [clock(w) for w in working] == [_plain_wall(now, hours, w) for w in working]


@given(lo=MINUTES, hi=MINUTES)
def test_a_range_reads_as_the_rule_says(lo: float, hi: float) -> None:
    assert shown_range(lo, hi) == _plain_range(lo, hi)
