"""Changes made anywhere reach every console without a key press; failures never crash one."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import cast

import pytest
from textual.pilot import Pilot
from textual.widgets import Digits, Static

from queue_core import commands
from queue_core.events import EventType
from queue_core.store import Store
from queue_tui.app import ClinicQueueApp, desk_app, triage_app
from queue_tui.widgets.current import CurrentPanel
from queue_tui.widgets.header import StatusHeader
from queue_tui.widgets.tickets import TicketTable
from tests.conftest import ACTOR, ROOT, SteppingClock
from tests.pg import on_both_stores
from tests.tui.conftest import fill_line, plain, toasts, until


def waiting(pilot: Pilot[None]) -> list[str]:
    screen = cast(ClinicQueueApp, pilot.app).home
    return [row.number for row in screen.query_one("#waiting", TicketTable).ticket_rows]


def header(pilot: Pilot[None]) -> StatusHeader:
    return cast(ClinicQueueApp, pilot.app).home.query_one(StatusHeader)


@on_both_stores
async def test_two_desks_on_one_file_see_each_other(store: Store, clock: SteppingClock) -> None:
    fill_line(store, clock)
    other = store.open_again()  # a second connection, as another desk PC has
    try:
        async with (
            desk_app(store, "nk1", ACTOR).run_test() as room1,
            desk_app(other, "nk2", "nurse-2").run_test() as room2,
        ):
            await until(room2, lambda: len(waiting(room2)) == 5, "five waiting in room 2")
            await room1.press("n")
            await until(room2, lambda: waiting(room2)[0] == "A002", "A001 gone from room 2")
            await room2.press("n")
            await until(room1, lambda: waiting(room1)[0] == "A003", "A002 gone from room 1")
            panel = cast(ClinicQueueApp, room1.app).home.query_one(CurrentPanel)
            assert panel.ticket is not None and panel.ticket.number == "A001"
            last = store.events_since(0)[-1]
            assert (last.type, last.ticket, last.desk, last.actor) == (
                "call",
                "A002",
                "nk2",
                "nurse-2",
            )
    finally:
        other.close()


@pytest.mark.slow
async def test_a_ticket_issued_by_another_process_appears(store: Store, db_path: Path) -> None:
    # The other process reads the wall clock for "today", so this console does too.
    live = Store.open(db_path)
    async with desk_app(live, "nk1", ACTOR).run_test() as pilot:
        await until(pilot, lambda: header(pilot).live == "live", "live")
        assert waiting(pilot) == []
        subprocess.run(
            [
                sys.executable,
                "-m",
                "clinic_queue",
                "--db",
                str(db_path),
                "ticket",
                "nk-pt",
                "--name",
                "吴十",
                "--actor",
                "triage",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        await until(pilot, lambda: len(waiting(pilot)) == 1, "the new walk-in")
    live.close()


# Stale means no good read for STALE_AFTER_SECONDS of real time: the test waits it out.
@pytest.mark.slow
async def test_an_unreadable_database_turns_the_indicator_stale(
    store: Store, clock: SteppingClock
) -> None:
    fill_line(store, clock)
    async with desk_app(store, "nk1", ACTOR).run_test(notifications=True) as pilot:
        await until(pilot, lambda: header(pilot).live == "live", "live")
        assert not header(pilot).has_class("-stale")
        store.close()  # the database is gone from under the console
        await until(pilot, lambda: header(pilot).live == "stale", "stale")
        assert header(pilot).has_class("-stale")
        assert "数据未更新" in plain(header(pilot).render())
        await until(pilot, lambda: any("closed database" in t for t in toasts(pilot)), "why")
        await pilot.press("n")  # a command now fails too: a toast, not a traceback
        await until(pilot, lambda: sum("closed" in t for t in toasts(pilot)) >= 2, "refusal")
        assert pilot.app.is_running
        assert waiting(pilot)[0] == "A001"  # the last good picture stays, marked stale


async def test_a_database_replaced_under_the_desk_is_shown_as_a_fault_until_mended(
    store: Store, clock: SteppingClock, db_path: Path
) -> None:
    fill_line(store, clock)
    async with desk_app(store, "nk1", ACTOR).run_test(notifications=True) as pilot:
        await until(pilot, lambda: header(pilot).live == "live", "live")
        copy = db_path.with_name("copy.db")
        with closing(sqlite3.connect(db_path)) as old, closing(sqlite3.connect(copy)) as new:
            old.backup(new)
        os.replace(copy, db_path)  # what a restore done by hand while the desk runs does
        await until(pilot, lambda: "数据库文件故障" in plain(header(pilot).render()), "fault")
        assert header(pilot).has_class("-stale")
        replaced = "数据库文件已被删除或替换"
        await until(pilot, lambda: any(replaced in t for t in toasts(pilot)), "why")
        await pilot.press("n")  # the desk's call goes nowhere: refused, not made on the old file
        await until(pilot, lambda: sum(replaced in t for t in toasts(pilot)) == 2, "refusal")
        await pilot.pause(1.5)  # a stale age never hides the fault, and it is told only once
        assert "数据库文件故障" in plain(header(pilot).render())
        assert sum(replaced in t for t in toasts(pilot)) == 2
    assert EventType.CALL not in [e.type for e in store.events_since(0)]


async def test_at_midnight_the_desk_shows_an_empty_room_and_an_empty_line(
    store: Store, clock: SteppingClock
) -> None:
    fill_line(store, clock)
    commands.call_next(store, "nk1", ACTOR)
    async with desk_app(store, "nk1", ACTOR).run_test() as pilot:
        screen = cast(ClinicQueueApp, pilot.app).home
        number = lambda: screen.query_one("#current-number", Digits).value  # noqa: E731
        shown = lambda: plain(screen.query_one("#current-details", Static).content)  # noqa: E731
        await until(pilot, lambda: number() == "A001", "A001 in the room")
        clock.now = datetime.fromisoformat("2026-11-23T16:00:00+00:00")  # 00:00 in Shanghai
        await until(pilot, lambda: "暂无患者" in shown(), "an empty room the next day")
        assert number() == ""
        assert waiting(pilot) == []


@pytest.mark.parametrize("kind", ["desk", "triage"])
async def test_a_console_follows_the_file_with_one_watcher(
    store: Store, db_path: Path, kind: str
) -> None:
    """Each watcher reads the whole line again on every change: a second one doubles the work
    of every refresh, and its reads race the first one's to the screen."""
    app = desk_app(store, "nk1", ACTOR) if kind == "desk" else triage_app(store, ACTOR)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause(0.3)
        assert [w.name for w in app.workers if w.name == "watch"] == ["watch"]
