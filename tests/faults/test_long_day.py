"""A clinic day (fewer walk-ins unless long): board, log and phones agree all day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.conftest import LONG
from tests.scenarios import long_day
from tests.scenarios.clinic_day import clinic_day_store, play_day


def test_a_whole_day_ends_with_the_board_and_every_phone_matching_the_log(
    tmp_path: Path,
) -> None:
    walk_ins = long_day.WALK_INS if LONG else 120
    result = long_day.run(seed=7, walk_ins=walk_ins, workdir=tmp_path)
    assert result.problems == []
    assert result.boards_equal == result.checkpoints >= 10
    done = result.stats.done
    for command in ("call_next", "recall", "skip", "requeue", "away", "back", "transfer"):
        assert done[command] > 0, command
    assert done["pause"] == done["resume"] > 0


def test_the_same_seed_plays_the_same_day(tmp_path: Path) -> None:
    days = []
    for name in ("a", "b"):
        store, clock = clinic_day_store(tmp_path / f"{name}.db", date(2026, 11, 23))
        stats = play_day(store, clock, seed=3, walk_ins=60)
        days.append((stats.done, [(e.type, e.ticket, e.desk) for e in store.events_since(0)]))
        store.close()
    assert days[0] == days[1]
