"""A simulated day played into a real SQLite file: what its log says, read as a report would."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from queue_core.config import ClinicConfig
from queue_core.events import Event, EventType
from queue_core.registration import initialise, issue_ticket
from queue_core.replay import current_tables, replay
from queue_core.simulation.engine import play
from queue_core.simulation.generate import plan_day
from queue_core.simulation.run import DayTaken, simulate
from queue_core.store import Store, parse_iso
from tests.conftest import ACTOR, MORNING

DAY = date(2026, 11, 23)
TODAY = "2026-12-01"


def fresh(path: Path, config: ClinicConfig) -> Store:
    initialise(path, config, ACTOR).close()
    return Store.open(path)


def day_events(store: Store) -> list[Event]:
    return store.events_matching(0, day=DAY.isoformat())


def test_the_log_rebuilds_the_tables(tmp_path: Path, sample_config: ClinicConfig) -> None:
    store = fresh(tmp_path / "sim.db", sample_config)
    result = simulate(store, DAY, 11, today=TODAY)
    assert result.closed and result.events > 500
    with store.read() as conn:
        assert replay(store.events_since(0)) == current_tables(conn)
        states = {r[0] for r in conn.execute("SELECT state FROM tickets")}
    # A closed day: nobody is left waiting, called or away.
    assert states <= {"done", "not_seen", "no_show", "cancelled"}
    store.close()


def test_the_same_seed_leaves_the_same_log(tmp_path: Path, sample_config: ClinicConfig) -> None:
    logs = []
    for name in ("one.db", "two.db"):
        store = fresh(tmp_path / name, sample_config)
        simulate(store, DAY, 4, today=TODAY)
        # Phone links are secrets drawn for each ticket: every other column is the day.
        logs.append(
            [
                (e.at, e.type, e.ticket, e.desk, e.queue, e.actor, e.reason)
                for e in day_events(store)
            ]
        )
        store.close()
    assert logs[0] == logs[1]
    other = fresh(tmp_path / "three.db", sample_config)
    simulate(other, DAY, 5, today=TODAY)
    assert [(e.at, e.ticket) for e in day_events(other)] != [(x[0], x[2]) for x in logs[0]]
    other.close()


def test_every_kind_of_day_event_happens(tmp_path: Path, sample_config: ClinicConfig) -> None:
    store = fresh(tmp_path / "sim.db", sample_config)
    simulate(store, DAY, 2, today=TODAY)
    kinds = {e.type for e in day_events(store)}
    wanted = {
        EventType.IMPORT,
        EventType.ISSUE,
        EventType.CHECKIN,
        EventType.CALL,
        EventType.RECALL,
        EventType.SKIP,
        EventType.REQUEUE,
        EventType.AWAY,
        EventType.BACK,
        EventType.DONE,
        EventType.TRANSFER,
        EventType.PAUSE,
        EventType.RESUME,
        EventType.DAY_CLOSED,
    }
    assert wanted <= kinds
    store.close()


def test_visit_times_per_desk_are_lognormal_at_the_doctors_speed(
    tmp_path: Path, sample_config: ClinicConfig
) -> None:
    """From the log alone (call to done), as a report measures them: each desk's median is
    the plan's median visit times the doctor's speed."""
    lengths: dict[str, list[float]] = defaultdict(list)
    speeds: dict[str, list[float]] = defaultdict(list)
    for seed in range(4):
        store = fresh(tmp_path / f"s{seed}.db", sample_config)
        result = simulate(store, DAY, seed, today=TODAY)
        for d in result.plan.desks:
            speeds[d.desk].append(d.speed)
        called: dict[str, str] = {}
        for e in day_events(store):
            if e.type is EventType.CALL and e.ticket:
                called[e.ticket] = e.at
            elif e.type is EventType.DONE and e.ticket and e.ticket in called:
                seconds = (parse_iso(e.at) - parse_iso(called.pop(e.ticket))).total_seconds()
                lengths[e.desk or ""].append(math.log(seconds / speeds[e.desk or ""][-1]))
        store.close()
    for desk in ("nk1", "nk2", "wk1", "wk2"):
        logs = lengths[desk]
        # Visits after tests (0.4 of a visit) and late comers pull a little: a wide margin.
        assert abs(math.exp(statistics.median(logs)) / 60 - 8.0) <= 1.0, desk
        assert 0.35 <= statistics.stdev(logs) <= 0.8, desk


def test_a_day_with_tickets_is_refused(store: Store) -> None:
    issue_ticket(store, "nk-pt", ACTOR, now=MORNING)
    day = MORNING.astimezone(store.config.tz).date()
    with pytest.raises(DayTaken, match="has tickets already"):
        simulate(store, day, 1, today=day.isoformat())
    with pytest.raises(DayTaken, match="before"):
        simulate(store, date(2026, 11, 1), 1, today=day.isoformat())
    with pytest.raises(DayTaken, match="after today"):
        simulate(store, date(2026, 12, 30), 1, today=day.isoformat())
    assert [e.type for e in store.events_since(0)][-1] is EventType.ISSUE


def test_until_stops_the_day_open(tmp_path: Path, sample_config: ClinicConfig) -> None:
    store = fresh(tmp_path / "sim.db", sample_config)
    result = simulate(store, DAY, 1, today=TODAY, until=time(10, 0))
    assert not result.closed
    last = parse_iso(day_events(store)[-1].at).astimezone(sample_config.tz)
    assert last.time() < time(10, 0)
    with store.read() as conn:
        waiting = conn.execute("SELECT COUNT(*) FROM tickets WHERE state = 'waiting'").fetchone()
    assert waiting[0] > 0
    assert len(plan_day(sample_config, DAY, 1).patients) == len(result.plan.patients)
    store.close()


def test_a_paced_play_is_told_every_moment_in_order(
    tmp_path: Path, sample_config: ClinicConfig
) -> None:
    """What `--speed` and `--realtime` sleep on: the virtual moment of each action, never
    one earlier than the last, each before its action runs."""
    store = fresh(tmp_path / "sim.db", sample_config)
    plan = plan_day(sample_config, DAY, 3)
    moments: list[datetime] = []
    counts: list[int] = []

    def pace(moment: datetime) -> None:
        moments.append(moment)
        counts.append(store.last_seq())

    played = play(store, plan, until=3 * 3600.0, pace=pace)
    assert moments == sorted(moments) and moments[0] == plan.start
    assert moments[-1] < plan.start + timedelta(hours=3)
    # Nothing is written before the first pace call (only `init`'s event is in the log), and
    # every command comes after the call for its moment.
    assert counts[0] == 1 and counts == sorted(counts)
    assert store.last_seq() > counts[-1] and played.commands <= len(moments)
    store.close()


def test_a_second_day_in_the_same_file_has_its_appointments(
    tmp_path: Path, sample_config: ClinicConfig
) -> None:
    store = fresh(tmp_path / "sim.db", sample_config)
    following = DAY + timedelta(days=1)
    counts = []
    for day in (DAY, following):
        simulate(store, day, 7, today=TODAY)
        events = store.events_matching(0, day=day.isoformat())
        counts.append(
            (
                sum(1 for e in events if e.type is EventType.IMPORT),
                sum(1 for e in events if e.type is EventType.CHECKIN),
            )
        )
    with store.read() as conn:
        booked = conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE day = ? AND external_id IS NOT NULL",
            (following.isoformat(),),
        ).fetchone()[0]
    store.close()
    # The second day's booked patients are imported and check in, as on the first.
    assert counts[0][0] == counts[1][0] == 1
    assert counts[1][1] > counts[0][1] / 2 > 0
    assert booked > 50
