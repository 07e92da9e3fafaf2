"""Driving the consoles in tests: wait for what the screen shows, never for a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

from queue_core.events import Event
from queue_core.registration import issue_ticket
from queue_core.staff import add_staff
from queue_core.store import Store
from queue_tui.backend import Backend, LocalBackend
from queue_tui.remote import RemoteBackend
from queue_tui.staff_link import StaffLink
from tests.conftest import ACTOR, SteppingClock
from tests.tui.served import ServedThread

PATIENTS = ["张三丰", "李四", "王五", "赵六", "孙七"]


# Where the console's queue lives: the database file on this host, or a display server the
# console reaches over the network as a logged-in member of staff. Every test using the
# `backend` fixture runs against both.
BACKENDS = ["local", "remote"]
UNTIL_S = 30.0  # a console started on a loaded two-core machine can take seconds to draw
NURSE, NURSE_PASSWORD = "wang", "correct horse 42"


@pytest.fixture
def served(store: Store) -> Iterator[ServedThread]:
    """A real display server on a free loopback port over the test's database file."""
    server = ServedThread(store)
    server.start()
    yield server
    if server.app is not None:
        server.stop()


def remote_backend(store: Store, server: str, tmp_path: Path) -> RemoteBackend:
    """A desk nk1 console's backend, logged in as a desk nurse and shown its first view."""
    add_staff(store, NURSE, "desk", ("nk1",), NURSE_PASSWORD, ACTOR)
    watch = {"type": "watch", "view": "desk", "desk": "nk1"}
    backend = RemoteBackend(server, StaffLink(NURSE, NURSE_PASSWORD, watch), tmp_path)
    backend.start()
    backend.wait_for_view(lambda: False)
    assert backend.link.view is not None, backend.link.why
    return backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, store: Store, tmp_path: Path) -> Iterator[Backend]:
    """The backend a console under test reads and acts through, over the test's `store`."""
    if request.param == "local":
        yield LocalBackend(store, ACTOR)
        return
    served = request.getfixturevalue("served")
    remote = remote_backend(store, served.url, tmp_path)
    yield remote
    remote.stop()


async def until(pilot: Pilot[None], check: Callable[[], object], what: str) -> None:
    """Let the app run until `check()` holds; a deadline only turns a hang into a failure."""
    deadline = time.monotonic() + UNTIL_S
    while time.monotonic() < deadline:
        if check():
            return
        await pilot.pause(0.02)
    if check():
        return
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
