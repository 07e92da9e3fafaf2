"""At the triage desk F9 takes back a cancel, with a reason: read off the rendered found list
and the toast."""

from __future__ import annotations

from textual.pilot import Pilot

from queue_core import commands
from queue_core.store import Store
from queue_tui.app import triage_console
from queue_tui.backend import Backend
from queue_tui.screens.reason import ReasonDialog
from queue_tui.screens.triage import TriageScreen
from tests.conftest import ACTOR, SteppingClock
from tests.tui.conftest import fill_line, until
from tests.tui.screen import bare, region_text, toast_text


def found_text(pilot: Pilot[None]) -> str:
    return region_text(pilot, pilot.app.screen.query_one("#found").region)


async def test_f9_takes_back_a_cancel_with_a_reason(
    store: Store, clock: SteppingClock, triage_backend: Backend
) -> None:
    fill_line(store, clock)
    commands.cancel(store, "A003", "走了", ACTOR)
    app = triage_console(triage_backend, store.now)  # on the host and on another PC
    async with app.run_test(size=(120, 32), notifications=True) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, TriageScreen)
        await until(pilot, lambda: screen.snapshot is not None, "the first read")
        await pilot.press("f3", *"王五")
        await until(pilot, lambda: "已取消" in found_text(pilot), "A003 found, cancelled")
        await pilot.press("enter")
        seq = store.last_seq()
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(pilot.app.screen, ReasonDialog), "the reason")
        assert "撤销 A003 的取消" in region_text(pilot, pilot.app.screen.region)
        await pilot.press(*"取消错了", "enter")
        await until(pilot, lambda: "候诊" in found_text(pilot), "A003 waiting again")
        assert bare("A003 已撤销取消，回到候诊原位") in toast_text(pilot)
        [event] = store.events_since(seq)
        assert (event.type, event.ticket, event.reason) == ("uncancel", "A003", "取消错了")
        assert event.actor == triage_backend.actor
