"""The rule dry-run: a logged day played again, under its own rules and under changed ones."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from queue_core.config import ClinicConfig, parse_config
from queue_core.registration import initialise
from queue_core.simulation.dry_run import DryRunRefused, dry_run
from queue_core.simulation.engine import play
from queue_core.simulation.plan import DayPlan, DeskPlan, Episode, Outcome, Patient, Triage
from queue_core.simulation.run import simulate
from queue_core.store import Store
from tests.conftest import ACTOR, MORNING

DAY = "2026-11-23"
VISIT = 600.0  # every scripted visit: ten minutes

CLINIC = """
[clinic]
name = "Scripted"
timezone = "Asia/Shanghai"

[[queues]]
id = "gen"
name = "General"
prefix = "A"
requeue_behind = {behind}

[[desks]]
id = "d1"
name = "Room 1"
queues = ["gen"]

[[priority]]
id = "elderly"
name = "Elderly"
max_ahead = {cap}
"""


def clinic(behind: int = 2, cap: int = 3) -> ClinicConfig:
    return parse_config(CLINIC.format(behind=behind, cap=cap))


def logged(path: Path, config: ClinicConfig, plan: DayPlan) -> Store:
    initialise(path, config, ACTOR, now=plan.start).close()
    store = Store.open(path)
    play(store, plan)
    return store


def scripted(*patients: Patient) -> DayPlan:
    """One desk from minute 10 on, calling at once when free; patients as given."""
    desk = DeskPlan("d1", ((600.0, 20_000.0),), (0.0,), overtime=False)
    return DayPlan(DAY, MORNING, patients, (desk,))


def walk_in(n: int, *episodes: Episode, priority: str | None = None) -> Patient:
    return Patient(f"p{n}", "gen", 60.0 * n, episodes or (Episode(VISIT),), priority=priority)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_unchanged_rules_call_the_same_tickets_in_the_same_order(
    tmp_path: Path, sample_config: ClinicConfig, seed: int
) -> None:
    initialise(tmp_path / "day.db", sample_config, ACTOR).close()
    store = Store.open(tmp_path / "day.db")
    simulate(store, date(2026, 11, 23), seed, today="2026-12-01")
    run = dry_run(store, DAY, sample_config)
    assert sum(len(c) for c in run.old.calls.values()) > 200
    assert run.new.calls == run.old.calls
    assert run.new == run.old
    store.close()


def test_requeue_three_behind_instead_of_two(tmp_path: Path) -> None:
    # p1 misses its call (two recalls, skipped at 135 s) and is back a minute later, while p2
    # is in the room and p3 to p6 wait: two behind the head is after p4, three after p5.
    missed = Episode(135.0, Outcome.SKIP, (45.0, 90.0), 60.0)
    plan = scripted(walk_in(1, missed, Episode(VISIT)), *(walk_in(n) for n in range(2, 7)))
    store = logged(tmp_path / "day.db", clinic(behind=2), plan)
    run = dry_run(store, DAY, clinic(behind=3))
    order = ["A001", "A002", "A003", "A004"]
    assert run.old.calls == {"d1": [*order, "A001", "A005", "A006"]}
    assert run.new.calls == {"d1": [*order, "A005", "A001", "A006"]}
    assert (run.old.recovery.missed, run.old.recovery.came_back) == (1, 1)
    assert run.new.recovery == run.old.recovery
    store.close()


def test_a_smaller_priority_cap_makes_the_elderly_wait_longer(tmp_path: Path) -> None:
    # Five wait when p6 (elderly) checks in at minute 6, before the desk calls anyone: a cap
    # of 3 moves p6 ahead of three of them (third), a cap of 1 ahead of one (fifth), so under
    # the smaller cap p6 is called two visits later.
    plan = scripted(*(walk_in(n) for n in range(1, 6)), walk_in(6, priority="elderly"))
    store = logged(tmp_path / "day.db", clinic(cap=3), plan)
    run = dry_run(store, DAY, clinic(cap=1))
    assert run.old.calls == {"d1": ["A001", "A002", "A006", "A003", "A004", "A005"]}
    assert run.new.calls == {"d1": ["A001", "A002", "A003", "A004", "A006", "A005"]}
    old, new = run.old.waits["elderly"].median, run.new.waits["elderly"].median
    assert old is not None and new is not None
    assert new - old == pytest.approx(2 * VISIT / 60)
    store.close()


def test_a_configuration_without_the_days_desks_is_refused(
    tmp_path: Path, sample_config: ClinicConfig
) -> None:
    plan = scripted(walk_in(1))
    store = logged(tmp_path / "day.db", clinic(), plan)
    with pytest.raises(DryRunRefused, match="lacks what 2026-11-23 used: queue gen, desk d1"):
        dry_run(store, DAY, sample_config)
    with pytest.raises(DryRunRefused, match="no tickets"):
        dry_run(store, "2026-11-24", clinic())
    store.close()


def test_priority_marked_and_a_transfer_made_at_triage_are_replayed_at_their_times(
    tmp_path: Path,
) -> None:
    # p4 is marked elderly a minute after checking in, before the desk opens: its cap of 3
    # takes it past the three before it, first. p5 is pinned to the desk by a transfer while
    # waiting, keeping its arrival. Both happen again in the replay.
    mark = Triage(300.0, "priority", "elderly")
    move = Triage(400.0, "transfer", "desk:d1")
    p4, p5 = walk_in(4), walk_in(5)
    plan = scripted(
        walk_in(1),
        walk_in(2),
        walk_in(3),
        Patient(p4.key, "gen", p4.arrives, p4.episodes, triage=(mark,)),
        Patient(p5.key, "gen", p5.arrives, p5.episodes, triage=(move,)),
    )
    store = logged(tmp_path / "day.db", clinic(), plan)
    run = dry_run(store, DAY, clinic())
    assert run.old.calls == {"d1": ["A004", "A001", "A002", "A003", "A005"]}
    assert run.new == run.old
    kinds = [e.type.value for e in store.events_matching(0, day=DAY)]
    assert kinds.count("priority") == 1 and kinds.count("transfer") == 1
    store.close()
