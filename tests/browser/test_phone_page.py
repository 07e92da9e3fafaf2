"""A patient's phone page in Chromium against the real server: position, called banner, presence."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, expect

from queue_core import commands
from queue_core.closing import close_day
from queue_core.registration import issue_ticket, set_priority
from queue_core.store import Store
from tests.browser.harness import ServerProcess, event_after, open_phone, wait_until
from tests.conftest import ACTOR

pytestmark = pytest.mark.slow


def test_ahead_count_follows_the_line_until_the_called_banner(
    server: ServerProcess, live_store: Store, phone_context: BrowserContext
) -> None:
    tickets = [issue_ticket(live_store, "nk-pt", ACTOR, name=n) for n in ("甲一", "乙二", "丙三")]
    mine = issue_ticket(live_store, "nk-pt", ACTOR, name="丁四")
    page = open_phone(phone_context, server, mine)
    expect(page.locator("#ahead")).to_have_text("3 人")
    expect(page.locator("#called")).to_be_hidden()
    page.locator("#enable-alerts").click()

    commands.call_next(live_store, "nk1", ACTOR)
    expect(page.locator("#ahead")).to_have_text("2 人")
    expect(page.locator("#now")).to_have_text(f"{tickets[0].number} 1 诊室")
    expect(page.locator("#why")).to_have_text("前面的患者已被叫号")
    commands.call_next(live_store, "nk1", ACTOR)
    commands.call_next(live_store, "nk1", ACTOR)
    expect(page.locator("#ahead")).to_have_text("0 人")
    expect(page.locator("#called")).to_be_hidden()

    commands.call_next(live_store, "nk1", ACTOR)
    expect(page.locator("#called")).to_be_visible()
    expect(page.locator("#called-room")).to_have_text("1 诊室")
    expect(page.locator("#state")).to_have_text("请立即就诊")
    vibrations = page.evaluate("window.__vibrations")
    assert [400, 150, 400, 150, 800] in vibrations

    commands.finish(live_store, "nk1", ACTOR)
    expect(page.locator("#called")).to_be_hidden()
    expect(page.locator("#state")).to_have_text("就诊结束")


def test_a_priority_patient_placed_ahead_is_explained(
    server: ServerProcess, live_store: Store, phone_context: BrowserContext
) -> None:
    for name in ("甲一", "乙二", "丙三", "丁四"):
        issue_ticket(live_store, "nk-pt", ACTOR, name=name)
    mine = issue_ticket(live_store, "nk-pt", ACTOR, name="戊五")
    elder = issue_ticket(live_store, "nk-pt", ACTOR, name="己六")
    page = open_phone(phone_context, server, mine)
    expect(page.locator("#ahead")).to_have_text("4 人")
    set_priority(live_store, elder.number, "elderly", ACTOR, reason="82 years old")
    expect(page.locator("#ahead")).to_have_text("5 人")
    expect(page.locator("#why")).to_contain_text("优先患者")


def test_presence_button_lands_in_the_event_log_once_per_change(
    server: ServerProcess, live_store: Store, phone_context: BrowserContext
) -> None:
    issue_ticket(live_store, "wk", ACTOR, name="甲一")
    mine = issue_ticket(live_store, "wk", ACTOR, name="乙二")
    page = open_phone(phone_context, server, mine)
    before = live_store.last_seq()
    page.locator("#on-my-way").click()
    wait_until(lambda: _presence(live_store, before, mine.number) == ["on_my_way"], "on my way")
    expect(page.locator("#presence-note")).to_have_text("已告知诊室：您在路上")
    page.locator("#on-my-way").click()  # the same again: nothing new for the desk
    page.locator("#here").click()  # a change within seconds of the last: not recorded, and said
    expect(page.locator("#presence-note")).to_have_text("未能告知诊室，请稍后再点一次")
    expect(page.locator("#on-my-way")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#here")).to_have_attribute("aria-pressed", "false")
    assert _presence(live_store, before, mine.number) == ["on_my_way"]
    assert event_after(live_store, before, "presence", mine.number).actor == "patient"


def test_language_toggle_switches_to_english(
    server: ServerProcess, live_store: Store, phone_context: BrowserContext
) -> None:
    mine = issue_ticket(live_store, "nk-zj", ACTOR, name="甲一")
    page = open_phone(phone_context, server, mine)
    expect(page.locator("#on-my-way")).to_have_text("我在路上")
    page.locator("#lang-toggle").click()
    expect(page.locator("#on-my-way")).to_have_text("I'm on my way")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    expect(page.locator("#on-my-way")).to_have_text("I'm on my way")


def _presence(store: Store, since: int, number: str) -> list[str]:
    return [
        str(e.payload["status"])
        for e in store.events_since(since)
        if e.type == "presence" and e.ticket == number
    ]


def test_far_back_the_page_shows_a_rounded_place_and_how_often_it_updates(
    server: ServerProcess, live_store: Store, phone_context: BrowserContext
) -> None:
    line = [issue_ticket(live_store, "nk-pt", ACTOR, name=f"患者{i:02d}") for i in range(38)]
    page = open_phone(phone_context, server, line[36])  # 36 ahead: told "about 40"
    expect(page.locator("#ahead")).to_have_text("约 40 人")
    expect(page.locator("#far")).to_have_text("离叫号还远：每前进 5 位更新一次")
    expect(page.locator("#now-row")).to_be_hidden()
    commands.call_next(live_store, "nk1", ACTOR)  # 35 ahead
    expect(page.locator("#ahead")).to_have_text("约 35 人")
    for _ in range(5):  # 30 ahead: exact again, and the number being served is back
        commands.call_next(live_store, "nk1", ACTOR)
    expect(page.locator("#ahead")).to_have_text("30 人")
    expect(page.locator("#far")).to_be_hidden()
    expect(page.locator("#now")).to_have_text(f"{line[5].number} 1 诊室")
    page.locator("#lang-toggle").click()
    commands.call_next(live_store, "nk1", ACTOR)
    expect(page.locator("#ahead")).to_have_text("29")


def test_when_the_day_closes_the_page_says_the_queue_is_over_instead_of_a_place(
    server: ServerProcess, live_store: Store, phone_context: BrowserContext
) -> None:
    issue_ticket(live_store, "nk-pt", ACTOR, name="甲一")
    mine = issue_ticket(live_store, "nk-pt", ACTOR, name="乙二")
    page = open_phone(phone_context, server, mine)
    expect(page.locator("#ahead")).to_have_text("1 人")
    expect(page.locator("#day-over")).to_be_hidden()

    close_day(live_store, "admin")
    expect(page.locator("#state")).to_have_text("未就诊：当天排队已结束")
    expect(page.locator("#day-over")).to_be_visible()
    expect(page.locator("#facts")).to_be_hidden()
    expect(page.locator("#on-my-way")).to_be_hidden()

    again = open_phone(phone_context, server, mine)  # the link opened the next morning
    expect(again.locator("#day-over")).to_contain_text(f"{mine.day} 的排队已结束")
    expect(again.locator("#ahead")).to_be_hidden()
    box = again.locator("#day-over").bounding_box()
    assert box is not None and box["width"] > 200  # a readable line, not a collapsed box
