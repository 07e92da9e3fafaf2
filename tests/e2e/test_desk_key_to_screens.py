"""A nurse's key, all the way: desk console → SQLite → display server → TV page and phone page.

Every piece is real: the Textual desk app driven by its Pilot, the queue file, the server as its
own process (`clinic-queue serve`), and Chromium showing the TV page and a patient's phone page.
The call's receipt then travels back from the TV to the desk console through the event log.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright, expect

from queue_core.config import parse_config
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from queue_tui.app import desk_app
from tests.browser.harness import (
    CHROMIUM_ARGS,
    RECORD_BROWSER_CALLS,
    ServerProcess,
    chromium_executable,
)
from tests.conftest import ACTOR, HALL_KEY, SAMPLE_CONFIG
from tests.tui.conftest import until
from tests.tui.test_desk_actions import details

pytestmark = pytest.mark.slow


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = chromium_executable()
    async with async_playwright() as driver:
        launched = await driver.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


async def open_page(browser: Browser, url: str, *, phone: bool) -> Page:
    size = ViewportSize(width=390, height=844) if phone else ViewportSize(width=1280, height=720)
    context = await browser.new_context(viewport=size, locale="zh-CN", is_mobile=phone)
    await context.add_init_script(RECORD_BROWSER_CALLS)
    page = await context.new_page()
    await page.goto(url)
    await expect(page.locator("#connection")).to_have_attribute("data-status", "live")
    return page


async def spoken_count(page: Page) -> int:
    """The spoken clips of the server's audio the TV has played."""
    return int(await page.evaluate("window.ClinicQueueVoice.plays.filter(p => !p.chime).length"))


# The server's voice, quick and said once, so a receipt comes within the console's wait.
QUICK_VOICE = "\n[voice]\nspeed = 200\n"


async def test_desk_keys_reach_the_tv_and_the_phone_and_the_receipt_comes_back(
    tmp_path: Path, browser: Browser
) -> None:
    db = tmp_path / "clinic-queue.db"
    text = SAMPLE_CONFIG.read_text(encoding="utf-8") + QUICK_VOICE
    text = text.replace("announce_repeats = 2", "announce_repeats = 1")
    initialise(db, parse_config(text, str(SAMPLE_CONFIG)), ACTOR).close()
    store = Store.open(db)  # the real clock: the server process reads "today" from it too
    first = issue_ticket(store, "nk-pt", ACTOR, name="张三丰")
    second = issue_ticket(store, "nk-pt", ACTOR, name="李四")
    server = ServerProcess(db)
    server.start()
    try:
        tv = await open_page(browser, f"{server.url}/display?key={HALL_KEY}", phone=False)
        phone = await open_page(browser, f"{server.url}/t/{second.token}", phone=True)
        await expect(phone.locator("#ahead")).to_have_text("1 人")

        async with desk_app(store, "nk1", ACTOR).run_test() as pilot:
            await pilot.press("n")  # call next: 张三丰
            await expect(tv.locator("#calling-ticket")).to_have_text(first.number)
            await expect(tv.locator("#calling-name")).to_have_text("张*丰")
            await expect(phone.locator("#ahead")).to_have_text("0 人")
            # The TV played the call and acknowledged it; the desk shows the receipt.
            await until(pilot, lambda: "已在 1 块屏幕播报" in details(pilot), "the receipt")
            said = await spoken_count(tv)
            assert said > 0

            await pilot.press("r")  # recall: announced again
            await until(pilot, lambda: "重呼 1 次" in details(pilot), "the recall")
            await tv.wait_for_function(
                f"window.ClinicQueueVoice.plays.filter(p => !p.chime).length > {said}"
            )

            # Finished, then the next patient (a call-next seconds after a call would ask first).
            await pilot.press("d")
            await until(pilot, lambda: "按 n 叫号" in details(pilot), "an empty room")
            await pilot.press("n")  # the next patient: the phone's called banner
            await expect(tv.locator("#calling-ticket")).to_have_text(second.number)
            await expect(phone.locator("#called")).to_be_visible()
            await expect(phone.locator("#called-room")).to_have_text("1 诊室")

            await pilot.press("s")  # no-show: confirm, then the TV lists the missed number
            await pilot.press("y")
            await expect(tv.locator("#missed")).to_contain_text(second.number)
            await expect(tv.locator("#missed")).to_contain_text("李*")
        tv_text = await tv.locator("body").inner_text()
        assert "张三丰" not in tv_text and "李四" not in tv_text
    finally:
        server.stop()
        store.close()
