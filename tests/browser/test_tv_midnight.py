"""The TV at midnight: yesterday's last call leaves the big panel and the desks empty, with no
one committing anything (the server notices the new day by itself)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from display_server.server import serve
from queue_core import commands
from queue_core.config import load_config
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from tests.browser.harness import open_tv
from tests.conftest import ACTOR, MORNING, SAMPLE_CONFIG, SteppingClock

pytestmark = pytest.mark.slow

MIDNIGHT = datetime.fromisoformat("2026-11-23T16:00:00+00:00")  # 00:00 in Shanghai


@dataclass
class ThreadServer:
    """The display server in this process, on its own thread, on the test's clock."""

    url: str = ""


@pytest.fixture
def clocked(tmp_path: Path) -> Iterator[tuple[ThreadServer, Store, SteppingClock]]:
    clock = SteppingClock(MORNING)
    db = tmp_path / "clinic-queue.db"
    initialise(db, load_config(SAMPLE_CONFIG), ACTOR, now=clock()).close()
    store = Store.open(db, clock=clock)
    server, ready, stop = ThreadServer(), threading.Event(), threading.Event()

    async def run() -> None:
        async with serve(store, "127.0.0.1", 0, day_look_s=0.05) as app:
            server.url = app.url
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.02)

    thread = threading.Thread(target=asyncio.run, args=(run(),), daemon=True)
    thread.start()
    assert ready.wait(30), "the server did not start"
    yield server, store, clock
    stop.set()
    thread.join(30)
    store.close()


def test_at_midnight_the_tv_forgets_yesterdays_last_call(
    clocked: tuple[ThreadServer, Store, SteppingClock], tv_context: BrowserContext
) -> None:
    server, store, clock = clocked
    ticket = issue_ticket(store, "nk-pt", ACTOR, name="张三丰")
    page = open_tv(tv_context, server)
    commands.call_next(store, "nk1", ACTOR)
    expect(page.locator("#calling-ticket")).to_have_text(ticket.number)
    expect(page.locator('[data-desk="nk1"] .ticket')).to_have_text(ticket.number)

    clock.now = MIDNIGHT
    expect(page.locator("#calling-ticket")).to_be_hidden()
    expect(page.locator("#calling")).to_have_class("calling idle")
    expect(page.locator('[data-desk="nk1"] .ticket')).to_have_count(0)
    expect(page.locator("#missed")).to_contain_text("无")
