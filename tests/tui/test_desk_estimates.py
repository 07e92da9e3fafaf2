"""The desk's waiting list shows each patient the range their phone shows."""

from __future__ import annotations

import re

import pytest

from queue_core import commands
from queue_core.store import Store
from queue_tui.app import desk_app
from queue_tui.i18n import Lang
from tests.conftest import ACTOR, SteppingClock
from tests.tui.conftest import fill_line, text_within, until


@pytest.mark.parametrize(
    ("lang", "shown"),
    [
        (
            "zh",
            ["A002 .* 10 分钟内", "A003 .* 25 分钟内", "A004 .* 40 分钟内", "A005 .* 5–55 分钟"],
        ),
        ("en", ["A002 .* < 10 min", "A003 .* < 25 min", "A004 .* < 40 min", "A005 .* 5–55 min"]),
    ],
)
async def test_each_waiting_patient_shows_the_range_to_their_call(
    store: Store, clock: SteppingClock, lang: Lang, shown: list[str]
) -> None:
    fill_line(store, clock)
    commands.call_next(store, "nk1", ACTOR)
    clock.advance(minutes=10)
    commands.finish(store, "nk1", ACTOR)  # one 10-minute visit: all there is to go on
    commands.pause(store, "nk2", ACTOR)
    commands.pause(store, "nk-zj", ACTOR)
    # nk1 alone calls A002 now, A003 at 10, A004 at 20 and A005 at 30 minutes. One visit leaves
    # the spread wide (variance 25) and the mean uncertain by half of it: A005's variance is
    # (30 + 10) x 2.5 + 15^2 = 325, 30 +- 23.1 minutes, read as 5–55.
    async with desk_app(store, "nk1", ACTOR, lang=lang).run_test(size=(120, 30)) as pilot:
        waiting = pilot.app.screen.query_one("#waiting")
        await until(pilot, lambda: "A005" in text_within(pilot, waiting), "the line")
        await until(
            pilot,
            lambda: all(re.search(p, text_within(pilot, waiting)) for p in shown),
            f"the ranges {shown}",
        )
        text = text_within(pilot, waiting)
        for pattern in shown:
            assert re.search(pattern, text), text
