"""Hostile names and reasons at the consoles: what the nurse's terminal is given to draw, and
refusals that keep what was typed."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import cast

from textual.widgets import Input, Label, Select, Static

from queue_core import commands
from queue_core.address import FROM_CONFIG, PublicAddress
from queue_core.registration import issue_ticket
from queue_core.store import Store
from queue_tui.app import ClinicQueueApp, desk_app, triage_app
from queue_tui.screens.reason import ReasonDialog
from queue_tui.widgets.current import CurrentPanel
from queue_tui.widgets.tickets import TicketTable
from tests.conftest import ACTOR, SteppingClock
from tests.tui.conftest import rendered, toasts, until

OSC_TITLE = "\x1b]2;pwned\x07"
OSC_CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x1b\\"
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\u200b")


def raw_in(text: str) -> list[str]:
    return [ch for ch in RAW if ch in text]


def store_raw_name(db: Path, number: str, name: str) -> None:
    """A row as a database holds it from before names were cleaned at input."""
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE tickets SET name = ? WHERE number = ?", (name, number))


async def test_the_desk_draws_no_terminal_escape_of_any_name(
    store: Store, clock: SteppingClock, db_path: Path
) -> None:
    issue_ticket(store, "nk-pt", ACTOR, name=f"张{OSC_TITLE}三")
    for _ in range(2):
        clock.advance(minutes=1)
        issue_ticket(store, "nk-pt", ACTOR, name="占位")
    store_raw_name(db_path, "A002", f"李{OSC_CLIPBOARD}四")
    store_raw_name(db_path, "A003", "王\x9b2J\u202e五")
    commands.call_next(store, "nk1", ACTOR)  # A001 to the room
    async with desk_app(store, "nk1", ACTOR).run_test(size=(100, 30)) as pilot:
        screen = cast(ClinicQueueApp, pilot.app).home
        table = screen.query_one("#waiting", TicketTable)
        panel = screen.query_one(CurrentPanel).query_one("#current-details", Static)
        await until(pilot, lambda: len(table.ticket_rows) == 2, "two waiting")
        await until(pilot, lambda: "张" in rendered(panel), "A001 in the room")
        await until(pilot, lambda: "李" in rendered(table) and "王" in rendered(table), "the names")
        drawn = rendered(table) + rendered(panel)
        assert raw_in(drawn) == []
        assert "张]2;pwned三" in rendered(panel)
        assert "李\\x1b]52;c;cm0gLXJmIH4=\\x1b\\四" in rendered(table)
        assert "王\\x9b2J\\u202e五" in rendered(table)


def triage_for(store: Store, tmp_path: Path) -> ClinicQueueApp:
    address = PublicAddress("https://queue.example-hospital.cn", FROM_CONFIG)
    return triage_app(store, ACTOR, address=address, print_dir=tmp_path / "slips")


async def test_triage_refuses_a_name_too_long_in_chinese_and_keeps_it(
    store: Store, tmp_path: Path
) -> None:
    too_long = "张" * 65
    async with triage_for(store, tmp_path).run_test(size=(100, 30), notifications=True) as pilot:
        screen = cast(ClinicQueueApp, pilot.app).home
        await until(pilot, lambda: screen.query_one("#queue", Select).is_mounted, "the form")
        screen.query_one("#queue", Select).value = "nk-pt"
        screen.query_one("#name", Input).value = too_long
        seq = store.last_seq()
        await pilot.press("f2")
        said = "姓名超过 64 个字符，未做任何更改"
        await until(pilot, lambda: said in toasts(pilot), "the refusal")
        assert screen.query_one("#name", Input).value == too_long
        assert store.last_seq() == seq


async def test_triage_refuses_a_phone_of_two_digits_and_keeps_the_form(
    store: Store, tmp_path: Path
) -> None:
    async with triage_for(store, tmp_path).run_test(size=(100, 30), notifications=True) as pilot:
        screen = cast(ClinicQueueApp, pilot.app).home
        await until(pilot, lambda: screen.query_one("#queue", Select).is_mounted, "the form")
        screen.query_one("#queue", Select).value = "nk-pt"
        screen.query_one("#name", Input).value = "周九"
        screen.query_one("#phone", Input).value = "12"
        seq = store.last_seq()
        await pilot.press("f2")
        said = "手机号不足 4 位数字，未做任何更改"
        await until(pilot, lambda: said in toasts(pilot), "the refusal")
        assert screen.query_one("#phone", Input).value == "12"
        assert store.last_seq() == seq


async def test_a_reason_too_long_keeps_the_dialog_open_with_what_was_typed(
    store: Store, clock: SteppingClock
) -> None:
    issue_ticket(store, "nk-pt", ACTOR, name="张三丰")
    too_long = "急" * 201
    async with desk_app(store, "nk1", ACTOR).run_test(size=(100, 30)) as pilot:
        screen = cast(ClinicQueueApp, pilot.app).home
        table = screen.query_one("#waiting", TicketTable)
        await until(pilot, lambda: len(table.ticket_rows) == 1, "one waiting")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(pilot.app.screen, ReasonDialog), "the reason")
        dialog = pilot.app.screen
        dialog.query_one("#reason", Input).value = too_long
        seq = store.last_seq()
        await pilot.press("enter")
        problem = dialog.query_one("#problem", Label)
        said = "原因超过 200 个字符，未做任何更改"
        await until(pilot, lambda: said in rendered(problem), "the refusal in the dialog")
        assert pilot.app.screen is dialog and dialog.query_one("#reason", Input).value == too_long
        assert store.last_seq() == seq
