"""Wait estimates on scripted days whose answers are worked out by hand."""

from __future__ import annotations

import math

import pytest

from queue_core.estimate import (
    PRIOR_CV,
    DeskInput,
    OpenHours,
    ServiceTime,
    estimate_waits,
    learn,
    prior,
    shown_range,
)


def _service(visits: list[float]) -> ServiceTime:
    learned = learn(None, visits)
    assert learned is not None
    return learned


def test_three_visits_learn_a_mean_and_spread_by_hand() -> None:
    # The first visit starts it: mean 10, variance (0.5 x 10)^2 = 25. Then 12 with weight 1/4:
    # mean 10.5, variance 3/4 x (25 + 1/4 x 4) = 19.5. Then 14 with weight 1/5: mean 11.2,
    # variance 4/5 x (19.5 + 1/5 x 12.25) = 17.56.
    learned = _service([10, 12, 14])
    assert learned.mean == pytest.approx(11.2)
    assert learned.var == pytest.approx(17.56)


def test_two_desks_five_ahead_give_a_range_computed_by_hand() -> None:
    visits = _service([10, 12, 14])
    desks = [DeskInput(d, visits, False, None, [1, 2, 3, 4, 5, 6]) for d in ("a", "b")]
    waits = estimate_waits(desks)
    # Both rooms empty: tickets go two at a time, the sixth (five ahead) at 2 x 11.2 = 22.4.
    minutes = 2 * 11.2
    assert waits[6][0] == math.ceil(minutes)
    rate = 2 / 11.2
    spread = 2 * 17.56 / 11.2**3 / rate**2
    var = (minutes + 1 / rate) * spread + (minutes * visits.rel) ** 2
    lo, hi = minutes - 1.2816 * math.sqrt(var), minutes + 1.2816 * math.sqrt(var)
    # Variance 28 x 0.784 + (22.4 x 0.167)^2 = 35.9: 22.4 +- 7.7 minutes, read in steps of 5.
    assert (round(lo, 1), round(hi, 1)) == (14.7, 30.1)
    assert waits[6][1:] == shown_range(lo, hi) == (10, 35)
    assert waits[1][1:] == (0, 5)  # the first of the line: an empty room calls it at once


def test_early_in_the_day_the_typical_visit_stands_in_with_a_wide_spread() -> None:
    start = prior([], 8)
    assert start is not None
    assert (start.mean, start.var) == (8, (PRIOR_CV * 8) ** 2)
    assert learn(start, []) == start
    assert prior([], None) is None and learn(None, []) is None
    # Nothing to go on: no estimate for anyone.
    assert estimate_waits([DeskInput("a", None, False, None, [1, 2])]) == {}


def test_recent_days_replace_the_typical_visit_once_there_are_enough() -> None:
    assert prior([20, 20, 20, 20], 8) == prior([], 8)  # four visits say too little
    history = prior([18, 20, 22, 20, 20], 8)
    assert history is not None
    assert history.mean == pytest.approx(20)
    assert history.var == pytest.approx(2.0)


def test_a_paused_desk_gives_no_capacity() -> None:
    visits = _service([10])
    open_desk = DeskInput("a", visits, False, None, [1, 2, 3])
    paused = DeskInput("b", visits, True, None, [1, 2, 3])
    waits = estimate_waits([open_desk, paused])
    assert [waits[t][0] for t in (1, 2, 3)] == [0, 10, 20]  # one desk does it all
    assert estimate_waits([paused]) == {}


def test_a_pinned_ticket_waits_for_its_own_doctor_only() -> None:
    fast, slow = _service([5]), _service([20])
    # Ticket 9 is pinned to the slow desk b: the fast desk a's line leaves it out.
    a = DeskInput("a", fast, False, None, [1, 2, 3])
    b = DeskInput("b", slow, False, None, [1, 2, 9])
    waits = estimate_waits([a, b])
    # a takes 1 and b takes 2 at once; a takes 3 at 5; 9 waits for b to finish, at 20.
    assert (waits[1][0], waits[2][0], waits[3][0], waits[9][0]) == (0, 0, 5, 20)


def test_the_patient_in_the_room_holds_the_desk_for_the_rest_of_their_visit() -> None:
    visits = _service([10])
    assert estimate_waits([DeskInput("a", visits, False, 4, [1])])[1][0] == 6
    # Longer in the room than usual: still a quarter of a visit to go, not none.
    assert estimate_waits([DeskInput("a", visits, False, 30, [1])])[1][0] == 3


def test_ranges_read_in_whole_steps() -> None:
    assert shown_range(1.2, 4.9) == (0, 5)
    assert shown_range(21.0, 29.0) == (20, 30)
    assert shown_range(-3.0, 12.0) == (0, 15)
    assert shown_range(55.0, 71.0) == (50, 80)
    assert shown_range(20.0, 20.0) == (20, 25)


# 08:00-12:00 and 13:30-17:00, in minutes since midnight.
SESSIONS = ((8 * 60.0, 12 * 60.0), (13 * 60 + 30.0, 17 * 60.0))


def _at(hour: int, minute: int) -> OpenHours:
    return OpenHours(hour * 60 + minute, SESSIONS)


@pytest.mark.parametrize(
    ("now", "working", "wall"),
    [
        pytest.param(_at(11, 40), 30, 120, id="over-lunch: 20 before, 10 after 13:30"),
        pytest.param(_at(11, 40), 19, 19, id="before-the-break"),
        pytest.param(_at(11, 40), 20, 110, id="due-at-noon: after the break"),
        pytest.param(_at(9, 0), 45, 45, id="inside-a-session"),
        pytest.param(_at(7, 30), 0, 30, id="before-opening: from 08:00"),
        pytest.param(_at(12, 30), 5, 65, id="during-lunch: from 13:30"),
        pytest.param(_at(17, 10), 10, 10, id="after-the-last-session: runs on"),
        pytest.param(_at(11, 40), -3, 0, id="a-negative-low-end-is-now"),
    ],
)
def test_working_minutes_are_carried_over_the_break(
    now: OpenHours, working: float, wall: float
) -> None:
    assert now.wall(working) == pytest.approx(wall)


def test_a_check_in_before_lunch_reads_a_range_past_the_break() -> None:
    # One desk seeing a patient every 10 minutes exactly; three ahead with an empty room:
    # 30 minutes of work ahead. At 11:40, 20 of them are before 12:00 and 10 after 13:30:
    # the call at 13:40, 120 minutes away; no spread, so the range is the step above it.
    exact = ServiceTime(10.0, 0.0, 0.0)
    desks = [DeskInput("a", exact, False, None, [1, 2, 3, 4])]
    assert estimate_waits(desks)[4] == (30, 30, 35)
    at_1140 = estimate_waits(desks, _at(11, 40))
    assert at_1140[4] == (120, 120, 130)
    assert at_1140[2] == (10, 10, 15)  # called at 11:50, before the break
    # With a spread: variance (30 + 10) x 25/10^3/0.1^2 + (30 x 0.2)^2 = 136, 30 +- 14.9
    # working minutes. The low end (15.1) falls before noon; the high end (44.9) is 24.9
    # minutes past 13:30, 134.9 minutes away: read in steps of 10, 10–140.
    wide = [DeskInput("a", ServiceTime(10.0, 25.0, 0.2), False, None, [1, 2, 3, 4])]
    assert estimate_waits(wide)[4] == (30, 15, 45)
    assert estimate_waits(wide, _at(11, 40))[4] == (120, 10, 140)


def test_without_sessions_the_clock_changes_nothing() -> None:
    desks = [DeskInput("a", ServiceTime(10.0, 25.0, 0.2), False, None, [1, 2, 3, 4])]
    assert estimate_waits(desks, OpenHours(11 * 60 + 40, ())) == estimate_waits(desks)


def test_the_wanted_tickets_read_what_the_whole_line_reads() -> None:
    # Three desks of different paces; desk c serves the tickets pinned to it (90, 91) that the
    # others leave out, and holds a patient; the wanted tickets stand at each desk's head,
    # one (91) far down its line: the play must go on until c reaches it.
    a = DeskInput("a", _service([6, 9]), False, None, list(range(1, 41)))
    b = DeskInput("b", _service([12]), False, 3, list(range(1, 41)))
    c = DeskInput("c", _service([20, 25]), False, 10, [90, *range(1, 20), 91])
    for hours in (None, _at(11, 30)):
        whole = estimate_waits([a, b, c], hours)
        wanted = {1, 2, 3, 90, 91, 5}
        assert estimate_waits([a, b, c], hours, wanted) == {t: whole[t] for t in wanted}
        assert estimate_waits([a, b, c], hours, {1, 999}) == {1: whole[1]}  # 999: no desk's
