"""Messages name queues, desks and priority classes as the clinic configured them, never by id,
on the database host and on another PC alike."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import OptionList

from queue_core import commands
from queue_core.store import Store
from queue_tui.app import desk_console
from queue_tui.backend import Backend
from queue_tui.screens.choose import ChooseDialog
from queue_tui.screens.desk import DeskScreen
from tests.conftest import ACTOR, SteppingClock
from tests.tui.conftest import fill_line, text_within, until
from tests.tui.test_triage_actions import app_for, find


def shown(pilot: Pilot[None]) -> str:
    return text_within(pilot, pilot.app.screen)


async def test_the_desk_names_the_transfer_target_and_the_queue_found_in(
    store: Store, clock: SteppingClock, backend: Backend
) -> None:
    fill_line(store, clock)
    fill_line(store, clock, queue="wk")  # C001.., another department's queue
    commands.call_next(store, "nk1", ACTOR)
    app = desk_console(backend, "nk1", store.now)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await until(pilot, lambda: "张三丰" in shown(pilot), "A001 in the room")
        await pilot.press("t")
        await until(pilot, lambda: isinstance(pilot.app.screen, ChooseDialog), "the targets")
        shown_targets = [str(o.prompt) for o in pilot.app.screen.query_one(OptionList).options]
        [room_2] = [i for i, line in enumerate(shown_targets) if "内科2诊室（2诊室）" in line]
        await pilot.press(str(room_2 + 1))  # its number key
        await until(pilot, lambda: isinstance(pilot.app.screen, DeskScreen), "the desk")
        await until(pilot, lambda: "A001 已转至 内科2诊室" in shown(pilot), "the transfer")
        assert "nk2" not in shown(pilot)
        await pilot.press("slash", *"C002", "enter")
        await until(pilot, lambda: "C002 候诊（外科）" in shown(pilot), "where C002 is")
        assert "（wk）" not in shown(pilot)


async def test_triage_names_the_priority_class_it_marked(
    store: Store, clock: SteppingClock, triage_backend: Backend
) -> None:
    fill_line(store, clock)
    app = app_for(triage_backend, store)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await find(pilot, "王五", "A003")
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(pilot.app.screen, ChooseDialog), "the classes")
        await pilot.press("down", "down", "down", "enter")  # 孕妇, the fourth class
        await until(pilot, lambda: "A003 优先：孕妇" in shown(pilot), "the toast")
        assert "pregnant" not in shown(pilot)
