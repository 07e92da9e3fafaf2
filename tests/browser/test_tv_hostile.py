"""A name made to defeat the mask, on the TV page in Chromium: a bidi override reordered the
TV's line and a zero width space kept the name's middle out of the mask."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, expect

from queue_core import commands
from queue_core.feedback import receipts_for
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.browser.harness import ServerProcess, event_after, open_tv, wait_until
from tests.conftest import ACTOR, HALL_KEY

pytestmark = pytest.mark.slow

HIDDEN = ("\u200b", "\u202e")


def test_the_tv_shows_and_says_a_hostile_name_masked_without_its_hidden_characters(
    server: ServerProcess, live_store: Store, tv_context: BrowserContext
) -> None:
    page = open_tv(tv_context, server, key=HALL_KEY)
    ticket = issue_ticket(live_store, "nk-pt", ACTOR, name="\u202e张\u200b三丰")
    before = live_store.last_seq()
    commands.call_next(live_store, "nk1", ACTOR)
    call = event_after(live_store, before, "call", ticket.number)

    expect(page.locator("#calling-name")).to_have_text("张*丰")
    expect(page.locator('.desk[data-desk="nk1"] .desk-current')).to_contain_text("张*丰")
    wait_until(lambda: receipts_for(live_store, call.seq) == 1, "the call said")
    html = page.content() + page.evaluate("JSON.stringify(window.__spoken)")
    assert f"请 {ticket.number} 号 到 1 诊室就诊" in html
    assert [ch for ch in HIDDEN if ch in html] == []
