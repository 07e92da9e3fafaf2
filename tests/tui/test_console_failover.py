"""The local desk console through a PostgreSQL failover, given the address of a primary and its
standby with `target_session_attrs=read-write`: while the primary is gone and the standby not
yet promoted, the console stays up, shows the database away and refuses her keys with "no
primary, try again in a moment", changing nothing; once the standby is promoted it works there
by itself."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from textual.pilot import Pilot

from queue_core.backend import DATA_DIR_ENV
from queue_core.config import ClinicConfig
from queue_core.store import Store
from queue_tui.app import ClinicQueueApp, desk_app
from queue_tui.screens.desk import REACH_LOOK_SECONDS
from queue_tui.widgets.current import CurrentPanel
from tests.conftest import ACTOR, SteppingClock, clinic_at
from tests.pg_standby import Pair, pg_pair  # noqa: F401  (the fixture)
from tests.tui.conftest import PATIENTS, fill_line, screen_text, text_within, toasts, until

pytestmark = pytest.mark.slow
NO_PRIMARY = "队列数据库正在切换主库，暂不能写入，未做任何更改；请稍后重试"


@pytest.fixture
def pair_store(
    pg_pair: Pair,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sample_config: ClinicConfig,
    clock: SteppingClock,
) -> Iterator[Store]:
    """The sample clinic on the primary, opened by the address of both servers."""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    pg_pair.primary.admin("CREATE DATABASE clinic TEMPLATE template0 ENCODING 'UTF8'")
    with clinic_at(pg_pair.address("clinic"), sample_config, clock) as opened:
        yield opened


def in_the_room(pilot: Pilot[None]) -> str:
    return text_within(pilot, cast(ClinicQueueApp, pilot.app).home.query_one(CurrentPanel))


async def test_a_desk_shows_no_primary_while_the_standby_is_not_promoted_and_goes_on_after(
    pair_store: Store,
    pg_pair: Pair,  # noqa: F811
    clock: SteppingClock,
) -> None:
    first, *_, last = fill_line(pair_store, clock)
    async with desk_app(pair_store, "nk1", ACTOR).run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: "● 实时" in screen_text(pilot), "live")
        await until(pilot, lambda: last in screen_text(pilot), "the five waiting")

        await asyncio.to_thread(pg_pair.stop_primary)
        away = "✖ 无法连接数据库，正在重试"
        await until(pilot, lambda: away in screen_text(pilot), "the database away")
        told = toasts(pilot).count(NO_PRIMARY)
        await pilot.press("n")
        await until(pilot, lambda: toasts(pilot).count(NO_PRIMARY) > told, "the key refused")
        assert PATIENTS[0] not in in_the_room(pilot)
        # A failover takes tens of seconds: the desk's looks at the screens fail meanwhile,
        # and the desk stays up, still saying the database is away.
        await pilot.pause(2 * REACH_LOOK_SECONDS)
        assert away in screen_text(pilot)

        await asyncio.to_thread(pg_pair.promote_standby)
        await until(pilot, lambda: "● 实时" in screen_text(pilot), "live again")
        await pilot.press("n")
        await until(pilot, lambda: PATIENTS[0] in in_the_room(pilot), f"{first} in the room")
        assert [e.ticket for e in pair_store.events_since(0) if e.type == "call"] == [first]
