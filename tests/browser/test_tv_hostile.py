"""What a hostile name or screen name does to the TV page in Chromium and to the log: a bidi
override in a name reordered the TV's line and a zero width space kept the name's middle out of
the mask; a screen named with a terminal's escapes was stored as the actor of its receipts."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, expect

from queue_core import commands
from queue_core.feedback import receipts_for
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.browser.harness import ServerProcess, event_after, open_tv, wait_until
from tests.conftest import ACTOR

pytestmark = pytest.mark.slow

HIDDEN = ("\u200b", "\u202e", "\x1b", "\x07")


def test_the_tv_shows_a_hostile_name_masked_and_its_screen_name_is_stored_safe(
    server: ServerProcess, live_store: Store, tv_context: BrowserContext
) -> None:
    page = open_tv(tv_context, server, screen="tv\x1b]2;pwned\x07\u202e")
    ticket = issue_ticket(live_store, "nk-pt", ACTOR, name="\u202e张\u200b三丰")
    before = live_store.last_seq()
    commands.call_next(live_store, "nk1", ACTOR)
    call = event_after(live_store, before, "call", ticket.number)

    expect(page.locator("#calling-name")).to_have_text("张*丰")
    expect(page.locator('.desk[data-desk="nk1"] .desk-current')).to_contain_text("张*丰")
    wait_until(lambda: receipts_for(live_store, call.seq) == 1, "the receipt of the call")
    html = page.content() + page.evaluate("JSON.stringify(window.__spoken)")
    assert [ch for ch in HIDDEN if ch in html] == []
    receipt = event_after(live_store, call.seq, "announced", ticket.number)
    assert (receipt.payload["screen"], receipt.actor) == ("tv2pwned", "screen:tv2pwned")
