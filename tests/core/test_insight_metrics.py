"""The metric functions over a scripted morning, against the figures worked out by hand."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from queue_core.closing import close_day
from queue_core.config import ClinicConfig
from queue_core.events import Event
from queue_core.insight.fairness import Why, fairness
from queue_core.insight.journeys import journeys
from queue_core.insight.reader import day_events
from queue_core.insight.tables import spreadsheet_safe
from queue_core.insight.waits import missed_recovery, visit_minutes, waits, waits_by_class
from queue_core.store import Store
from tests.conftest import SteppingClock
from tests.core.scripted_day import OVERTAKES, VISITS, WAIT_MEDIAN, WAIT_P90, WAITS, surgery_morning
from tests.scenarios.clinic_day import clinic_day_store, play_day


def _events(store: Store, clock: SteppingClock) -> list[Event]:
    surgery_morning(store, clock)
    day = store.today()
    return day_events(store, day, day)


def test_waits_visits_and_missed_calls_match_the_hand_count(
    store: Store, clock: SteppingClock
) -> None:
    found = journeys(_events(store, clock)).values()
    assert (waits(found).count, waits(found).median, waits(found).p90) == (7, WAIT_MEDIAN, WAIT_P90)
    by_class = waits_by_class(found)
    assert {j.number: j.wait_minutes for j in found if j.wait_minutes is not None} == WAITS
    assert (by_class["elderly"].median, by_class["regular"].count) == (4.0, 6)
    assert {d: visit_minutes(found, d).count for d in VISITS} == {"wk1": 4, "wk2": 3}
    assert visit_minutes(found, "wk1").median == 10.0  # 9 10 10 15
    assert visit_minutes(found, "wk2").median == 10.0  # 10 10 13
    recovery = missed_recovery(found)
    assert (recovery.missed, recovery.came_back, recovery.no_show) == (1, 1, 0)


def test_fairness_explains_every_overtake_of_the_morning(
    store: Store, clock: SteppingClock
) -> None:
    result = fairness(_events(store, clock), store.config)
    assert [(o.number, o.by, o.why.value) for o in result.overtakes] == OVERTAKES
    assert result.flagged == []
    out_of_turn = [o for o in result.overtakes if o.why is Why.OUT_OF_TURN]
    assert {(o.actor, o.desk) for o in out_of_turn} == {("doctor-li", "wk1")}
    per_ticket = result.per_ticket()
    assert sum(per_ticket[(store.today(), "C002")].values()) == 4
    assert sum(per_ticket[(store.today(), "C001")].values()) == 0
    assert result.per_class()["regular"][Why.PRIORITY] == 3
    assert result.per_desk() == {
        "wk2": {Why.PRIORITY: 3, Why.REQUEUED: 1},
        "wk1": {Why.OUT_OF_TURN: 2, Why.REQUEUED: 1},
    }


def test_a_smaller_priority_cap_than_the_day_ran_under_is_flagged(
    store: Store, clock: SteppingClock
) -> None:
    """C005 (elderly) went past C002, C003 and C004; a cap of one place allows only C004."""
    events = _events(store, clock)
    config: ClinicConfig = store.config
    capped = tuple(
        dataclasses.replace(p, max_ahead=1) if p.id == "elderly" else p for p in config.priorities
    )
    result = fairness(events, dataclasses.replace(config, priorities=capped))
    assert [(o.number, o.by) for o in result.flagged] == [("C002", "C005"), ("C003", "C005")]
    assert [o.why for o in result.overtakes if o.by == "C005"][-1] is Why.PRIORITY


@pytest.mark.slow
def test_a_played_clinic_day_has_no_overtake_that_no_rule_explains(tmp_path: Path) -> None:
    """Appointments, walk-ins, priority, misses, tests, transfers and out-of-turn calls of the
    scenario day, all through real commands: every overtake has its rule."""
    store, clock = clinic_day_store(tmp_path / "day.db", date(2026, 11, 23))
    play_day(store, clock, seed=18, walk_ins=200, step_minutes=2.0)
    close_day(store, "test")
    day = "2026-11-23"
    result = fairness(day_events(store, day, day), store.config)
    store.close()
    whys = {o.why for o in result.overtakes}
    assert {Why.APPOINTMENT, Why.PRIORITY, Why.PINNED, Why.OUT_OF_TURN, Why.REQUEUED} <= whys
    assert result.flagged == []


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("  =HYPERLINK(1)", "'  =HYPERLINK(1)"),
        ("+cmd", "'+cmd"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("13.0", "13.0"),
        ("—", "—"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_cells_a_spreadsheet_would_run_get_a_quote(cell: str, safe: str) -> None:
    assert spreadsheet_safe(cell) == safe
