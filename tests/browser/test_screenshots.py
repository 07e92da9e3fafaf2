"""Both pages on a busy morning fit their screens; the pictures go to docs/screenshots/.

Refresh the committed pictures with:
    SCREENSHOTS_DIR=docs/screenshots .venv/bin/python -m pytest tests/browser/test_screenshots.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from queue_core import commands
from queue_core.feedback import receipts_for
from queue_core.line import read_board
from queue_core.store import Store
from tests.browser.harness import ServerProcess, event_after, open_phone, open_tv, wait_until
from tests.browser.morning import fill_waiting_room, run_first_hour
from tests.conftest import ACTOR, HALL_KEY

pytestmark = pytest.mark.slow

# A room's door screen, portrait, at half its 1080x1920 size: the picture stays small.
DOOR_VIEWPORT = ViewportSize(width=540, height=960)


def _out_dir(tmp_path: Path) -> Path:
    target = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


def _overflow(page: Page) -> dict[str, int]:
    """How far the page's content reaches beyond the viewport (0, 0 when it fits)."""
    result: dict[str, int] = page.evaluate(
        """() => ({
          right: document.documentElement.scrollWidth - window.innerWidth,
          bottom: document.documentElement.scrollHeight - window.innerHeight,
        })"""
    )
    return result


def test_busy_morning_fits_the_tv_and_the_phone(
    server: ServerProcess,
    live_store: Store,
    tv_context: BrowserContext,
    phone_context: BrowserContext,
    tmp_path: Path,
) -> None:
    fill_waiting_room(live_store)
    run_first_hour(live_store)
    mine = read_board(live_store).queue("nk-pt").line[5].ticket  # type: ignore[union-attr]
    tv = open_tv(tv_context, server, key=HALL_KEY)
    phone = open_phone(phone_context, server, mine)
    expect(phone.locator("#ahead")).to_have_text("5 人")

    before = live_store.last_seq()
    called = commands.call_next(live_store, "nk1", ACTOR)
    call = event_after(live_store, before, "call", called.number)
    expect(phone.locator("#ahead")).to_have_text("4 人")
    wait_until(lambda: receipts_for(live_store, call.seq) == 1, "the call announced")
    expect(tv.locator("#calling-ticket")).to_have_text(called.number)
    expect(tv.locator("#calling")).to_have_class("calling")

    assert _overflow(tv) == {"right": 0, "bottom": 0}
    assert _overflow(phone)["right"] == 0
    for row in tv.locator("#desks .desk").all():
        box = row.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 720
    out = _out_dir(tmp_path)
    tv.screenshot(path=str(out / "tv.png"))
    phone.screenshot(path=str(out / "phone.png"))


def test_the_door_screen_of_the_specialist_room_fits_a_portrait_tv(
    server: ServerProcess, live_store: Store, browser: Browser, tmp_path: Path
) -> None:
    fill_waiting_room(live_store)
    run_first_hour(live_store)
    context = browser.new_context(viewport=DOOR_VIEWPORT, locale="zh-CN")
    door = open_tv(context, server, desks="nk-zj")
    expect(door.locator(".door-doctor")).to_contain_text("王建国")

    assert _overflow(door) == {"right": 0, "bottom": 0}
    door.screenshot(path=str(_out_dir(tmp_path) / "tv-door.png"))
    context.close()
