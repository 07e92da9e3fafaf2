"""At the desk: the call-next toast says whose visit it ended, and `u` takes back a mistake with
a reason. Read off the rendered terminal: the toast, the dialogs, the patient in the room."""

from __future__ import annotations

import re

from textual.pilot import Pilot

from queue_core import commands
from queue_core.store import Store
from queue_tui.app import desk_app, desk_console
from queue_tui.backend import Backend
from queue_tui.screens.choose import ChooseDialog
from queue_tui.screens.desk import CALL_AGAIN_SECONDS
from queue_tui.screens.reason import ReasonDialog
from queue_tui.screens.search import SearchDialog
from queue_tui.widgets.current import CurrentPanel
from tests.conftest import ACTOR, SteppingClock
from tests.tui.conftest import fill_line, until
from tests.tui.screen import bare, region_text, toast_text

SIZE = (120, 36)


def room(pilot: Pilot[None]) -> str:
    return region_text(pilot, pilot.app.screen.query_one(CurrentPanel).region)


async def choose(pilot: Pilot[None], label: str) -> None:
    """Press the number key the dialog shows before `label`."""
    await until(pilot, lambda: isinstance(pilot.app.screen, ChooseDialog), "the choices")
    dialog = region_text(pilot, pilot.app.screen.query_one("#dialog").region)
    [line] = [row for row in dialog.splitlines() if label in row]
    await pilot.press(line.strip(" █▊▎").split("  ", 1)[0])


async def give_reason(pilot: Pilot[None], reason: str) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, ReasonDialog), "the reason")
    await pilot.press(*reason, "enter")


async def test_call_next_says_whose_visit_it_ended(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    commands.call_next(store, "nk1", ACTOR)
    async with desk_console(backend, "nk1", store.now).run_test(
        size=SIZE, notifications=True
    ) as pilot:
        await until(pilot, lambda: "张三丰" in room(pilot), "A001 in the room")
        clock.advance(seconds=CALL_AGAIN_SECONDS)  # sooner, the desk would ask first
        await pilot.press("n")
        expected = bare("A001 就诊结束 · 请 A002 号 李* 到 1 诊室就诊")
        await until(pilot, lambda: expected in toast_text(pilot), "both patients in the toast")


async def test_an_out_of_turn_call_says_whose_visit_it_ended(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    commands.call_next(store, "nk1", ACTOR)
    async with desk_console(backend, "nk1", store.now).run_test(
        size=SIZE, notifications=True
    ) as pilot:
        await until(pilot, lambda: "张三丰" in room(pilot), "A001 in the room")
        await pilot.press("down", "down", "c")  # the third waiting: A004
        await give_reason(pilot, "急诊")
        expected = bare("A001 就诊结束 · 请 A004 号 赵* 到 1 诊室就诊")
        await until(pilot, lambda: expected in toast_text(pilot), "both patients in the toast")


async def test_u_reopens_the_visit_just_finished(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    commands.call_next(store, "nk1", ACTOR)
    async with desk_console(backend, "nk1", store.now).run_test(
        size=SIZE, notifications=True
    ) as pilot:
        await until(pilot, lambda: "张三丰" in room(pilot), "A001 in the room")
        await pilot.press("d")
        await until(pilot, lambda: "张三丰" not in room(pilot), "an empty room")
        seq = store.last_seq()
        await pilot.press("u")
        await choose(pilot, "恢复刚结束的就诊")
        await give_reason(pilot, "按错")
        await until(pilot, lambda: "张三丰" in room(pilot), "A001 back in the room")
        await until(pilot, lambda: bare("A001 重新接诊，回到 1 诊室") in toast_text(pilot), "toast")
        [event] = store.events_since(seq)
        assert (event.type, event.ticket, event.reason, event.actor) == (
            "reopen",
            "A001",
            "按错",
            backend.actor,
        )


async def test_u_takes_back_a_send_for_tests(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    commands.call_next(store, "nk1", ACTOR)
    commands.send_away(store, "nk1", ACTOR)
    async with desk_console(backend, "nk1", store.now).run_test(
        size=SIZE, notifications=True
    ) as pilot:
        await until(
            pilot, lambda: "检查中 1" in region_text(pilot, pilot.app.screen.region), "away"
        )
        await pilot.press("u")
        await choose(pilot, "撤销 A001 去检查")
        await give_reason(pilot, "没去")
        await until(pilot, lambda: "张三丰" in room(pilot), "A001 back in the room")
        assert bare("A001 已撤销去检查，回到诊室") in toast_text(pilot)


async def test_u_takes_back_a_cancel_by_number(store: Store, clock: SteppingClock) -> None:
    # On the host only: uncancel is a triage operation, which a desk member may not run.
    fill_line(store, clock)
    commands.cancel(store, "A002", "走了", ACTOR)
    async with desk_app(store, "nk1", ACTOR).run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: "候诊 4" in region_text(pilot, pilot.app.screen.region), "4")
        await pilot.press("u")
        await choose(pilot, "撤销取消")
        await until(pilot, lambda: isinstance(pilot.app.screen, SearchDialog), "the number")
        await pilot.press(*"a002", "enter")
        await give_reason(pilot, "取消错了")
        await until(pilot, lambda: "候诊 5" in region_text(pilot, pilot.app.screen.region), "5")
        assert bare("A002 已撤销取消，回到候诊原位") in toast_text(pilot)
        rows = region_text(pilot, pilot.app.screen.query_one("#waiting").region)
        shown = re.findall(r"^\W*(\d+)\s+(A\d{3})\s", rows, re.MULTILINE)
        assert shown == [(str(i), f"A00{i}") for i in range(1, 6)]  # A002 at its own place
