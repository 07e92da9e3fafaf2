"""What the TV says besides calls: that it is cut off, that nobody is being called, the time
in the clinic, a paused room; and a call it can say aloud, whatever the patient's name."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from queue_core import commands
from queue_core.feedback import receipts_for
from queue_core.masking import STAR
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.browser.harness import (
    RECORD_BROWSER_CALLS,
    SPEECH_NEVER_ENDS,
    ServerProcess,
    event_after,
    open_tv,
    wait_until,
)
from tests.browser.layout import assert_legible
from tests.conftest import ACTOR, HALL_KEY

pytestmark = pytest.mark.slow

STALE_AFTER_S = 5  # display-status.js: STALE_AFTER_MS


def test_after_a_few_seconds_cut_off_the_whole_screen_says_it_is_not_current(
    server: ServerProcess, live_store: Store, tv_context: BrowserContext
) -> None:
    ticket = issue_ticket(live_store, "nk-pt", ACTOR, name="张三丰")
    page = open_tv(tv_context, server)
    commands.call_next(live_store, "nk1", ACTOR)
    expect(page.locator("#calling-ticket")).to_have_text(ticket.number)
    offline = page.locator("#offline")
    expect(offline).to_be_hidden()

    server.kill()
    expect(page.locator("#connection")).to_have_attribute("data-status", "offline")
    page.wait_for_timeout(STALE_AFTER_S * 1000 // 2)
    expect(offline).to_be_hidden()  # a restart's short gap does not cover the board
    expect(offline).to_be_visible(timeout=STALE_AFTER_S * 1000)
    expect(offline).to_contain_text("以下不是最新信息")
    expect(offline).to_contain_text("Not connected: this board is not up to date")
    expect(offline).to_contain_text("最后更新")
    assert offline.bounding_box() == {"x": 0, "y": 0, "width": 1280, "height": 720}
    assert page.evaluate("document.body.classList.contains('stale')")

    server.start(server.port)
    expect(page.locator("#connection")).to_have_attribute("data-status", "live")
    expect(offline).to_be_hidden()


def test_with_nobody_called_the_panel_asks_to_wait_in_chinese_then_english(
    server: ServerProcess, tv_context: BrowserContext
) -> None:
    page = open_tv(tv_context, server, key=HALL_KEY)
    expect(page.locator("#calling")).to_have_class("calling idle")
    assert page.locator("#calling").inner_text().split("\n") == [
        "请留意叫号",
        "Please wait for your number",
    ]
    expect(page.locator("#calling-ticket")).to_be_hidden()
    expect(page.locator("#calling-name")).to_be_hidden()


def test_the_clock_shows_the_clinics_time_not_the_tvs(
    server: ServerProcess, browser: Browser
) -> None:
    context = browser.new_context(timezone_id="America/New_York", locale="zh-CN")
    page = open_tv(context, server)
    shanghai = ZoneInfo("Asia/Shanghai")
    now = datetime.now(shanghai)
    around = {(now + timedelta(minutes=m)).strftime("%H:%M") for m in (-1, 0, 1)}
    clock = page.locator("#clock")
    expect(clock).not_to_have_text("")
    assert clock.inner_text() in around
    context.close()


def test_a_paused_room_leaves_the_big_panel(
    server: ServerProcess, live_store: Store, tv_context: BrowserContext
) -> None:
    ticket = issue_ticket(live_store, "wk", ACTOR, name="李四")
    page = open_tv(tv_context, server, key=HALL_KEY, lang="zh-CN")
    before = live_store.last_seq()
    commands.call_next(live_store, "wk1", ACTOR)
    call = event_after(live_store, before, "call", ticket.number)
    wait_until(lambda: receipts_for(live_store, call.seq) == 1, "the call said")
    expect(page.locator("#calling-ticket")).to_have_text(ticket.number)

    commands.pause(live_store, "wk1", ACTOR, reason="doctor in surgery")
    expect(page.locator('.desk[data-desk="wk1"]')).to_contain_text("停诊")
    expect(page.locator("#calling")).to_have_class("calling idle")
    expect(page.locator("#calling")).not_to_contain_text(ticket.number)


def test_a_one_letter_name_is_neither_said_nor_shown_as_a_star(
    server: ServerProcess, live_store: Store, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    context.add_init_script(RECORD_BROWSER_CALLS)
    page = open_tv(context, server, key=HALL_KEY)
    ticket = issue_ticket(live_store, "nk-pt", ACTOR, name="王")
    before = live_store.last_seq()
    commands.call_next(live_store, "nk1", ACTOR)
    call = event_after(live_store, before, "call", ticket.number)
    wait_until(lambda: receipts_for(live_store, call.seq) == 1, "the call said")

    said = [s["text"] for s in page.evaluate("window.__spoken")]
    assert (
        said
        == [
            f"请 {ticket.number} 号 到 1 诊室就诊",
            f"Number {ticket.number}, please go to room 1",
        ]
        * 2
    )
    expect(page.locator("#calling-ticket")).to_have_text(ticket.number)
    assert STAR not in page.locator("#calling").inner_text()
    assert STAR not in page.locator('.desk[data-desk="nk1"]').inner_text()
    assert_legible(page)
    context.close()


def test_a_door_screens_card_flashes_while_its_call_is_said_even_as_the_board_moves(
    server: ServerProcess, live_store: Store, tv_context: BrowserContext
) -> None:
    tv_context.add_init_script(SPEECH_NEVER_ENDS)
    ticket = issue_ticket(live_store, "wk", ACTOR, name="李四")
    page = open_tv(tv_context, server, desks="wk1", lang="zh-CN")
    commands.call_next(live_store, "wk1", ACTOR)
    card = page.locator('.door-card[data-desk="wk1"]')
    expect(card).to_have_class(re.compile(r"\bflash\b"))
    expect(card.locator(".ticket")).to_have_text(ticket.number)

    later = issue_ticket(live_store, "wk", ACTOR, name="赵六")  # a new board mid-call
    expect(card.locator(".desk-next")).to_contain_text(later.number)
    expect(card).to_have_class(re.compile(r"\bflash\b"))
    expect(card).not_to_have_class(re.compile(r"\bflash\b"), timeout=30_000)
