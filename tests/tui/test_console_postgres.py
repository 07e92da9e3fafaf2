"""The local desk console on PostgreSQL: it follows the queue by LISTEN/NOTIFY, tells the nurse
when the database is away and refuses her keys without changing anything, and works again by
itself once the database is back. A PostgreSQL server of its own, stopped and started."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest
from textual.pilot import Pilot

from queue_core import commands
from queue_core.store import Store
from queue_tui.app import ClinicQueueApp, desk_app
from queue_tui.screens.desk import REACH_LOOK_SECONDS
from queue_tui.widgets.current import CurrentPanel
from tests.conftest import ACTOR, SteppingClock
from tests.pg import PgServer
from tests.tui.conftest import PATIENTS, fill_line, screen_text, text_within, toasts, until

pytestmark = pytest.mark.slow
REFUSED = "无法连接队列数据库服务器，未做任何更改；请联系管理员"


def in_the_room(pilot: Pilot[None]) -> str:
    return text_within(pilot, cast(ClinicQueueApp, pilot.app).home.query_one(CurrentPanel))


async def test_a_desk_on_postgresql_shows_the_database_away_and_carries_on(
    pg_store: Store, own_pg_server: PgServer, clock: SteppingClock
) -> None:
    first, second, *_, last = fill_line(pg_store, clock)
    other = pg_store.open_again()  # another desk's connection
    try:
        async with desk_app(pg_store, "nk1", ACTOR).run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: "● 实时" in screen_text(pilot), "live")
            await until(pilot, lambda: last in screen_text(pilot), "the five waiting")
            commands.call_next(other, "nk2", ACTOR)  # to room 2: gone from this desk's line
            await until(pilot, lambda: first not in screen_text(pilot), f"{first} called")

            await asyncio.to_thread(own_pg_server.stop)
            away = "✖ 无法连接数据库，正在重试"
            await until(pilot, lambda: away in screen_text(pilot), "the database away")
            # Away longer than between two looks at the screens: the desk stays up.
            await pilot.pause(2 * REACH_LOOK_SECONDS)
            assert away in screen_text(pilot)
            told = toasts(pilot).count(REFUSED)
            await pilot.press("n")
            await until(pilot, lambda: toasts(pilot).count(REFUSED) > told, "the key refused")
            assert PATIENTS[1] not in in_the_room(pilot)

            await asyncio.to_thread(own_pg_server.start)
            await until(pilot, lambda: "● 实时" in screen_text(pilot), "live again")
            assert [e.ticket for e in other.events_since(0) if e.type == "call"] == [first]
            await pilot.press("n")
            await until(pilot, lambda: PATIENTS[1] in in_the_room(pilot), f"{second} in the room")
            commands.call_next(other, "nk2", ACTOR)  # the other desk's connection, replaced
            await until(pilot, lambda: "A003" not in screen_text(pilot), "A003 called away")
    finally:
        other.close()
