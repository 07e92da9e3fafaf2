"""The desk's dialogs as the nurse reads them: what each line's key is, what a key does there,
and which choices are offered at all. Read off the rendered terminal, not the widgets."""

from __future__ import annotations

from textual.pilot import Pilot

from queue_core import commands
from queue_core.model import TicketState
from queue_core.store import Store
from queue_tui.app import desk_app
from queue_tui.screens.choose import ChooseDialog
from queue_tui.screens.confirm import ConfirmDialog
from queue_tui.screens.desk import DeskScreen
from tests.conftest import ACTOR, SteppingClock
from tests.tui.conftest import fill_line, until
from tests.tui.screen import region_text, screen_text


def _state(store: Store, number: str) -> TicketState:
    with store.read() as conn:
        row = conn.execute("SELECT state FROM tickets WHERE number = ?", (number,)).fetchone()
    return TicketState(row[0])


async def _in_room(pilot: Pilot[None], name: str) -> None:
    await until(pilot, lambda: name in screen_text(pilot), f"{name} in the room")


async def test_the_skip_question_is_not_answered_by_the_call_next_key(
    store: Store, clock: SteppingClock
) -> None:
    fill_line(store, clock)
    commands.call_next(store, "nk1", ACTOR)
    async with desk_app(store, "nk1", ACTOR).run_test(size=(100, 30)) as pilot:
        await _in_room(pilot, "张三丰")  # A001, in the room
        seq = store.last_seq()
        await pilot.press("s")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog), "the question")
        text = screen_text(pilot)
        assert "确定 (y / Enter)" in text and "返回 (Esc)" in text
        assert "(n)" not in text
        await pilot.press("n", "space")  # a nurse reaching for "call next"
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmDialog)
        assert store.events_since(seq) == []
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(pilot.app.screen, DeskScreen), "the desk again")
        assert _state(store, "A001") is TicketState.CALLED
        await pilot.press("s")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog), "the question")
        await pilot.press("enter")
        await until(pilot, lambda: _state(store, "A001") is TicketState.MISSED, "A001 skipped")


async def test_transfer_lists_number_keys_and_not_the_tickets_own_queue(
    store: Store, clock: SteppingClock
) -> None:
    fill_line(store, clock)
    commands.call_next(store, "nk1", ACTOR)
    async with desk_app(store, "nk1", ACTOR).run_test(size=(100, 30)) as pilot:
        await _in_room(pilot, "张三丰")  # A001, in the room
        seq = store.last_seq()
        await pilot.press("t")
        await until(pilot, lambda: isinstance(pilot.app.screen, ChooseDialog), "the targets")
        dialog = region_text(pilot, pilot.app.screen.query_one("#dialog").region)
        lines = [line.strip(" █▊▎") for line in dialog.splitlines()]
        offered = [line for line in lines if line[:1].isdigit()]
        assert [line.split("  ", 1)[0] for line in offered] == [
            str(n) for n in range(1, len(offered) + 1)
        ]
        assert not any("内科普通号" in line for line in offered)  # A001's own queue
        [surgery] = [line for line in offered if "队列 外科" in line]
        await pilot.press(surgery.split("  ", 1)[0])
        await until(pilot, lambda: store.events_since(seq) != [], "the transfer")
        [event] = store.events_since(seq)
        assert (event.type, event.ticket, event.queue) == ("transfer", "A001", "wk")
