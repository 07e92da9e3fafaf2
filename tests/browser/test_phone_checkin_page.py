"""Check-in from the phone in Chromium against the real server: the department's registered TV
shows its code, the phone page of an appointment shows "not checked in" with its slot, refuses
a wrong code in its own language, and checks in with the code read off the TV."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from queue_core.config import parse_config
from queue_core.importer import import_appointments
from queue_core.model import Ticket
from queue_core.registration import find_tickets, initialise
from queue_core.store import Store
from tests.browser.conftest import NO_VOICE
from tests.browser.harness import ServerProcess, event_after, open_phone, open_tv, wait_until
from tests.conftest import ACTOR, SAMPLE_CONFIG

pytestmark = pytest.mark.slow

NK_AREA = "sample-nk-area-key-change-me"


@pytest.fixture
def clinic_db(tmp_path: Path) -> Path:
    text = SAMPLE_CONFIG.read_text(encoding="utf-8") + NO_VOICE
    text = text.replace("[clinic]\n", "[clinic]\ncheckin_code_minutes = 5\n", 1)
    path = tmp_path / "clinic-queue.db"
    initialise(path, parse_config(text, str(SAMPLE_CONFIG)), ACTOR).close()
    return path


def appointment(store: Store, tmp_path: Path) -> Ticket:
    """An appointment of today in internal medicine (内科), not checked in."""
    csv = tmp_path / "his.csv"
    csv.write_text("external_id,name,queue,slot_start\nHIS1,李四,nk-pt,23:30\n", encoding="utf-8")
    import_appointments(store, csv, ACTOR)
    [ticket] = find_tickets(store, "李四")
    return ticket


def test_the_phone_checks_in_with_the_code_its_departments_tv_shows(
    server: ServerProcess,
    live_store: Store,
    tv_context: BrowserContext,
    phone_context: BrowserContext,
    tmp_path: Path,
) -> None:
    ticket = appointment(live_store, tmp_path)
    tv = open_tv(tv_context, server, key=NK_AREA)
    expect(tv.locator("#checkin")).to_be_visible()
    expect(tv.locator("#checkin .checkin-place")).to_have_text(["内科"])
    expect(tv.locator("#checkin .checkin-code")).to_have_text(re.compile(r"^\d{6}$"))
    code = tv.locator("#checkin .checkin-code").inner_text()
    # The TV shows the code and the department, never a patient.
    assert re.fullmatch(r"签到码 Check-in code\s*内科\s*\d{6}", tv.locator("#checkin").inner_text())

    page = open_phone(phone_context, server, ticket)
    expect(page.locator("#state")).to_have_text("未签到")
    expect(page.locator("#slot")).to_have_text("预约时段 23:30")
    expect(page.locator("#checkin-form")).to_be_visible()
    expect(page.locator("#checkin-label")).to_contain_text("签到码")

    before = live_store.last_seq()
    page.locator("#checkin-code").fill(f"{(int(code) + 1) % 10**6:06d}")
    page.locator("#checkin-send").click()
    expect(page.locator("#checkin-note")).to_have_text(
        "签到码不对或已过期，请输入屏幕上当前的签到码（还可试 4 次）"
    )
    page.locator("#lang-toggle").click()
    expect(page.locator("#checkin-note")).to_have_text(
        "Wrong or expired code: enter the code the screen shows now (4 tries left)"
    )
    expect(page.locator("#state")).to_have_text("Not checked in")
    assert live_store.last_seq() == before

    page.locator("#checkin-code").fill(code)
    page.locator("#checkin-send").click()
    expect(page.locator("#state")).to_have_text("Waiting")
    expect(page.locator("#checkin-note")).to_have_text("You are checked in and in the line")
    expect(page.locator("#checkin-form")).to_be_hidden()
    wait_until(lambda: live_store.last_seq() > before, "the check-in in the log")
    assert event_after(live_store, before, "checkin", ticket.number).actor == "phone"


def test_a_tv_page_without_a_registered_key_shows_no_code(
    server: ServerProcess, live_store: Store, tv_context: BrowserContext, tmp_path: Path
) -> None:
    appointment(live_store, tmp_path)
    tv = open_tv(tv_context, server, department="内科")
    registered = open_tv(tv_context, server, key=NK_AREA)
    expect(registered.locator("#checkin")).to_be_visible()  # the codes were sent by now
    expect(tv.locator("#checkin")).to_be_hidden()
    assert tv.locator("#checkin-codes").inner_text() == ""
