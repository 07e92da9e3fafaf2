"""What the phone page says about where the line stands and where to go, read from its DOM."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from queue_core import commands
from queue_core.config import parse_config
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from tests.browser.harness import ServerProcess, open_phone
from tests.conftest import ACTOR, SAMPLE_CONFIG

pytestmark = pytest.mark.slow


def _calls(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("#now .call").all_text_contents()]


def test_a_queue_served_by_several_rooms_shows_each_rooms_last_call(
    server: ServerProcess, live_store: Store, phone_context: BrowserContext
) -> None:
    line = [issue_ticket(live_store, "nk-pt", ACTOR, name=f"患者{i}") for i in range(6)]
    page = open_phone(phone_context, server, line[5])
    expect(page.locator("#now")).to_have_text("—")
    commands.call_next(live_store, "nk1", ACTOR)
    commands.call_next(live_store, "nk2", ACTOR)
    expect(page.locator("#ahead")).to_have_text("3 人")
    # Room 2 finishes first: its number was called last and stays on the page beside room 1's.
    commands.finish(live_store, "nk2", ACTOR)
    commands.call_next(live_store, "nk-zj", ACTOR)  # the specialist room takes an A ticket too
    expect(page.locator("#ahead")).to_have_text("2 人")
    expect(page.locator("#now .call")).to_have_count(3)
    assert _calls(page) == [
        f"{line[0].number} 1 诊室",
        f"{line[1].number} 2 诊室",
        f"{line[2].number} 3 诊室",
    ]
    page.reload()  # a fresh `ticket` message says the same
    expect(page.locator("#now .call")).to_have_count(3)
    assert _calls(page)[1] == f"{line[1].number} 2 诊室"
    page.locator("#lang-toggle").click()
    expect(page.locator("#now .call").first).to_have_text(f"{line[0].number} Room 1")


def test_a_missed_patient_is_sent_to_the_triage_desk_not_the_room(
    server: ServerProcess, live_store: Store, phone_context: BrowserContext
) -> None:
    mine = issue_ticket(live_store, "wk", ACTOR, name="甲一")
    page = open_phone(phone_context, server, mine)
    expect(page.locator("#room")).to_have_text("候诊区")
    commands.call_next(live_store, "wk1", ACTOR)
    expect(page.locator("#room")).to_have_text("5 诊室")
    commands.skip(live_store, "wk1", ACTOR)
    expect(page.locator("#state")).to_have_text("已过号，请到分诊台")
    expect(page.locator("#room")).to_have_text("分诊台")
    again = open_phone(phone_context, server, mine)
    expect(again.locator("#room")).to_have_text("分诊台")
    commands.requeue(live_store, mine.number, ACTOR)
    expect(page.locator("#state")).to_have_text("候诊中")
    expect(page.locator("#room")).to_have_text("候诊区")


def test_before_the_first_visit_the_estimate_says_when_it_will_come(
    server: ServerProcess, live_store: Store, phone_context: BrowserContext
) -> None:
    issue_ticket(live_store, "wk", ACTOR, name="甲一")
    mine = issue_ticket(live_store, "wk", ACTOR, name="乙二")
    page = open_phone(phone_context, server, mine)
    expect(page.locator("#eta")).to_have_text("今日首位就诊完成后显示")
    _assert_inside_its_box(page, "#eta")
    commands.pause(live_store, "wk1", ACTOR, reason="break")
    commands.pause(live_store, "wk2", ACTOR, reason="break")
    expect(page.locator("#eta")).to_have_text("医生暂停接诊，暂无估计")
    page.locator("#lang-toggle").click()
    expect(page.locator("#eta")).to_have_text("The doctors have paused: no estimate")


@pytest.fixture
def typical_db(tmp_path: Path) -> Path:
    """The sample clinic whose surgery queue says a visit usually takes 8 minutes. Without its
    sessions: the server runs on the wall clock, and near lunch a range would run past it."""
    text = SAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        'prefix = "C"', 'prefix = "C"\ntypical_visit_minutes = 8'
    )
    text = re.sub(r"(?m)^sessions = .*$", "", text)
    path = tmp_path / "typical.db"
    initialise(path, parse_config(text), ACTOR).close()
    return path


@pytest.fixture
def typical_server(typical_db: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(typical_db)
    process.start()
    yield process
    process.stop()


def test_a_configured_typical_visit_gives_an_estimate_before_any_visit_finished(
    typical_db: Path, typical_server: ServerProcess, phone_context: BrowserContext
) -> None:
    store = Store.open(typical_db)
    try:
        for name in ("甲一", "乙二", "丙三", "丁四", "戊五", "己六", "庚七"):
            issue_ticket(store, "wk", ACTOR, name=name)
        mine = issue_ticket(store, "wk", ACTOR, name="辛八")
        page = open_phone(phone_context, typical_server, mine)
        expect(page.locator("#ahead")).to_have_text("7 人")
        # Two rooms of 8-minute visits call it at 24 minutes; the typical visit's wide spread
        # (half a visit) and its uncertain mean make that 24 ± 11.2, read in steps of 5.
        expect(page.locator("#eta")).to_have_text("约 10–40 分钟")
        _assert_inside_its_box(page, "#eta")
    finally:
        store.close()


def _assert_inside_its_box(page: Page, selector: str) -> None:
    """A sentence in a fact's cell wraps inside it instead of running out of the card."""
    text = page.locator(selector).bounding_box()
    cell = page.locator(selector).locator("..").bounding_box()
    assert text is not None and cell is not None
    assert text["x"] >= cell["x"] and text["x"] + text["width"] <= cell["x"] + cell["width"] + 0.5
    font = page.locator(selector).evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert font >= 14
