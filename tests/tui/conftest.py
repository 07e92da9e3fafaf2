"""Driving the consoles in tests: wait for what the screen shows, never for a fixed time."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

from queue_core.events import Event
from queue_core.registration import issue_ticket
from queue_core.store import Store
from queue_tui.backend import Backend, LocalBackend
from tests.conftest import ACTOR, SteppingClock

PATIENTS = ["张三丰", "李四", "王五", "赵六", "孙七"]


# Where the console's queue lives. The staff server's client (a console on another PC) joins
# as a second parameter, so every test using this fixture runs against both.
BACKENDS = ["local"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, store: Store) -> Backend:
    """The backend a console under test reads and acts through, over the test's `store`."""
    assert request.param == "local"
    return LocalBackend(store, ACTOR)


async def until(pilot: Pilot[None], check: Callable[[], object], what: str) -> None:
    """Let the app run until `check()` holds; a deadline only turns a hang into a failure."""
    for _ in range(500):
        if check():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"the console never showed: {what}")


def fill_line(store: Store, clock: SteppingClock, queue: str = "nk-pt") -> list[str]:
    """Five walk-ins a minute apart: A001..A005 in arrival order."""
    numbers = []
    for name in PATIENTS:
        numbers.append(issue_ticket(store, queue, ACTOR, name=name).number)
        clock.advance(minutes=1)
    return numbers


def events_after(store: Store, seq: int) -> list[Event]:
    return store.events_since(seq)


def toasts(pilot: Pilot[None]) -> list[str]:
    return [str(n.message) for n in pilot.app._notifications]


def plain(content: object) -> str:
    """The text a Static or a render() shows, without its styling."""
    from rich.text import Text

    return content.plain if isinstance(content, Text) else str(content)


def rendered(widget: Widget) -> str:
    """What the widget draws on the terminal (padding included), line by line, as plain text."""
    lines = widget.render_lines(Region(0, 0, *widget.region.size))
    return "\n".join(line.text.rstrip() for line in lines)


def screen_text(pilot: Pilot[None]) -> str:
    """The whole terminal as the nurse sees it (dialogs and toasts over the screen below)."""
    strips = pilot.app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


def text_within(pilot: Pilot[None], widget: Widget) -> str:
    """What the terminal shows inside `widget`'s box: nothing at all when the box is empty."""
    region = widget.region
    strips = pilot.app.screen._compositor.render_strips()[region.y : region.bottom]
    return "\n".join(s.crop(region.x, region.right).text.rstrip() for s in strips)


def busy_morning(store: Store, clock: SteppingClock) -> None:
    """A desk mid-morning: one patient in the room, a priority patient, one missed, one away."""
    from queue_core import commands

    fill_line(store, clock)
    issue_ticket(store, "nk-pt", ACTOR, name="钱八", priority="elderly")
    clock.advance(minutes=1)
    issue_ticket(store, "nk-pt", ACTOR, name="郑十一")
    clock.advance(minutes=5)
    commands.call_next(store, "nk1", ACTOR)  # A001
    commands.skip(store, "nk1", ACTOR)
    commands.call_next(store, "nk1", ACTOR)  # A002
    commands.send_away(store, "nk1", ACTOR)
    clock.advance(minutes=4)
    commands.call_next(store, "nk1", ACTOR)  # A006, the elderly patient moved ahead
    commands.recall(store, "nk1", ACTOR)
