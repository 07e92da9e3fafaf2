"""The TV page as it is read from across the room, in Chromium at the screens clinics hang:
no text over other text, no number cut at an edge or below the legible size (docs/screens.md),
with the busy sample clinic, twelve rooms on one queue, and the screen at a room's door."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    ViewportSize,
    expect,
)

from queue_core import commands
from queue_core.config import load_config
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from tests.browser.harness import (
    CHROMIUM_ARGS,
    RECORD_BROWSER_CALLS,
    ServerProcess,
    chromium_executable,
    open_tv,
)
from tests.browser.layout import assert_legible, twelve_desk_clinic
from tests.browser.morning import fill_waiting_room, run_first_hour
from tests.conftest import ACTOR, HALL_KEY

pytestmark = pytest.mark.slow

SCREENS = {
    "1080p": ViewportSize(width=1920, height=1080),
    "small": ViewportSize(width=1366, height=768),
    "portrait": ViewportSize(width=1080, height=1920),
}
PAGE_S = 8  # display.js: PAGE_MS


def screen(browser: Browser, size: str) -> BrowserContext:
    context = browser.new_context(viewport=SCREENS[size], locale="zh-CN")
    context.add_init_script(RECORD_BROWSER_CALLS)
    return context


def open_twelve_rooms(tmp_path: Path, queues: int) -> tuple[ServerProcess, Store]:
    """Twelve rooms calling from `queues` queues, each with a patient in, more waiting."""
    db = tmp_path / "twelve.db"
    config = load_config(twelve_desk_clinic(tmp_path / "twelve.toml", queues))
    initialise(db, config, ACTOR).close()
    store = Store.open(db)
    for n in range(40):
        issue_ticket(store, f"q{n % queues}", ACTOR, name=f"张{n}丰")
    for desk in range(12):
        commands.call_next(store, f"d{desk + 1}", ACTOR)
    server = ServerProcess(db)
    server.start()
    return server, store


@pytest.fixture
def twelve_rooms(tmp_path: Path) -> Iterator[tuple[ServerProcess, Store]]:
    """Twelve rooms on one queue: 12 patients in, 28 waiting."""
    server, store = open_twelve_rooms(tmp_path, 1)
    yield server, store
    server.stop()
    store.close()


@pytest.fixture
def twelve_rooms_four_queues(tmp_path: Path) -> Iterator[tuple[ServerProcess, Store]]:
    """Twelve rooms, three on each of four queues (room n on queue n mod 4)."""
    server, store = open_twelve_rooms(tmp_path, 4)
    yield server, store
    server.stop()
    store.close()


def rooms_on_screen(page: Page) -> set[str]:
    return set(page.locator(".desk .room-number").all_inner_texts())


@pytest.mark.parametrize("size", list(SCREENS))
def test_a_busy_morning_is_legible_on_every_screen(
    server: ServerProcess, live_store: Store, browser: Browser, size: str
) -> None:
    fill_waiting_room(live_store)
    run_first_hour(live_store)
    context = screen(browser, size)
    page = open_tv(context, server, key=HALL_KEY)
    called = commands.call_next(live_store, "nk-zj", ACTOR)
    expect(page.locator("#calling-ticket")).to_have_text(called.number)
    expect(page.locator('.desk[data-desk="nk-zj"] .ticket')).to_have_text(called.number)

    shown = assert_legible(page)
    assert called.number in shown
    assert rooms_on_screen(page) == {"1", "2", "3", "5", "6"}
    context.close()


@pytest.mark.parametrize("size", list(SCREENS))
def test_twelve_rooms_on_one_queue_show_next_once_and_page_what_does_not_fit(
    twelve_rooms: tuple[ServerProcess, Store], browser: Browser, size: str
) -> None:
    server, _ = twelve_rooms
    context = screen(browser, size)
    page = open_tv(context, server)
    expect(page.locator(".desk-next .next-ticket").first).to_have_text("A013")

    seen = set(rooms_on_screen(page))
    shown = assert_legible(page)
    # One list of who is next for the one queue, not one per room.
    assert shown.count("A013") == 1
    deadline = time.monotonic() + 2 * PAGE_S + 5
    while len(seen) < 12 and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        seen |= rooms_on_screen(page)
        assert_legible(page)
    assert seen == {str(n) for n in range(1, 13)}
    context.close()


def test_twelve_rooms_on_four_queues_show_each_queues_next_beside_its_rooms(
    twelve_rooms_four_queues: tuple[ServerProcess, Store], browser: Browser
) -> None:
    server, _ = twelve_rooms_four_queues
    context = screen(browser, "small")
    page = open_tv(context, server)
    expect(page.locator(".desk-next").first).not_to_be_empty()

    seen: set[str] = set()
    deadline = time.monotonic() + 2 * PAGE_S + 5
    while len(seen) < 12 and time.monotonic() < deadline:
        lists = page.locator(".desk-next").all_inner_texts()
        # On each page, a queue's next patients are listed once, beside its rooms there.
        assert len(lists) == len(set(lists)), lists
        for group in page.locator(".line-group").all():
            rooms = group.locator(".room-number").all_inner_texts()
            assert len({int(room) % 4 for room in rooms}) == 1, rooms
        assert_legible(page)
        seen |= rooms_on_screen(page)
        page.wait_for_timeout(500)
    assert seen == {str(n) for n in range(1, 13)}
    context.close()


@pytest.mark.parametrize(
    ("size", "query"),
    [("portrait", {"desks": "nk-zj"}), ("1080p", {"desks": "nk-zj,wk1,wk2", "view": "door"})],
)
def test_the_door_screen_shows_the_room_its_doctor_and_who_is_next(
    server: ServerProcess, live_store: Store, browser: Browser, size: str, query: dict[str, str]
) -> None:
    waiting = [issue_ticket(live_store, "nk-zj", ACTOR, name=n) for n in ("张三丰", "李四", "王五")]
    context = screen(browser, size)
    page = open_tv(context, server, **query)
    commands.call_next(live_store, "nk-zj", ACTOR)

    card = page.locator('.door-card[data-desk="nk-zj"]')
    expect(card.locator(".desk-current .ticket")).to_have_text(waiting[0].number)
    expect(card.locator(".door-doctor")).to_have_text("王建国 主任医师")
    expect(card.locator(".door-room")).to_contain_text("3 诊室")
    expect(card.locator(".desk-next")).to_have_text(
        "".join(t.number for t in waiting[1:]), use_inner_text=False
    )
    assert_legible(page)
    number = card.locator(".desk-current .ticket")
    font = number.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert font >= 96  # the door's one number: twice the rows' minimum
    context.close()


@pytest.mark.parametrize("size", list(SCREENS))
def test_the_hint_to_enable_sound_covers_no_row(
    twelve_rooms: tuple[ServerProcess, Store], browser: Browser, size: str
) -> None:
    """A browser that holds audio until a click (no autoplay flag) shows the hint."""
    server, _ = twelve_rooms
    held = [arg for arg in CHROMIUM_ARGS if not arg.startswith("--autoplay-policy")]
    strict = browser.browser_type.launch(executable_path=chromium_executable(), args=held)
    try:
        page = open_tv(strict.new_context(viewport=SCREENS[size], locale="zh-CN"), server)
        expect(page.locator("#sound-hint")).to_be_visible()
        assert_legible(page)
    finally:
        strict.close()
