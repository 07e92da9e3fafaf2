"""The desk's header from the display server's row of connected screens (written here as the
server writes it): no receipt for the current call after a while says so."""

from __future__ import annotations

import time

from queue_core import commands
from queue_core.feedback import record_receipt
from queue_core.screen_status import ACK_WAIT_SECONDS, ScreenStatus, write_status
from queue_core.store import Store
from queue_tui.app import desk_app
from queue_tui.widgets.header import StatusHeader
from tests.conftest import ACTOR, SteppingClock
from tests.tui.conftest import fill_line, text_within, until


async def test_a_call_no_screen_announced_shows_in_the_header_until_one_does(
    store: Store, clock: SteppingClock
) -> None:
    fill_line(store, clock)
    commands.call_next(store, "nk1", ACTOR)
    write_status(store, "serve", ScreenStatus(time.time(), {"nk1": 1}))
    async with desk_app(store, "nk1", ACTOR).run_test(size=(120, 30)) as pilot:
        header = pilot.app.screen.query_one(StatusHeader)
        await until(pilot, lambda: "● 实时" in text_within(pilot, header), "live")
        await pilot.pause(0.3)
        assert "⚠" not in text_within(pilot, header)  # just called: screens have time
        clock.advance(seconds=ACK_WAIT_SECONDS + 2)
        await until(pilot, lambda: "⚠ 12秒无屏幕播报" in text_within(pilot, header), "unheard")
        record_receipt(store, store.last_seq(), "hall")
        await until(pilot, lambda: "⚠" not in text_within(pilot, header), "announced")
