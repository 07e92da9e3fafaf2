"""The TV says the server's audio in Chromium (which has no voice of its own here), and its
receipts say how each call was really announced."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from queue_core import commands
from queue_core.config import parse_config
from queue_core.events import Event
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from tests.browser.conftest import TV_VIEWPORT, sample_with
from tests.browser.harness import (
    RECORD_BROWSER_CALLS,
    ServerProcess,
    event_after,
    open_tv,
    wait_until,
)
from tests.conftest import ACTOR, HALL_KEY, SAMPLE_CONFIG

pytestmark = pytest.mark.slow

# Said once, quickly: each call still plays the chime, then Mandarin, then English.
QUICK = "\n[voice]\nspeed = 200\n"


def quick_clinic(path: Path, tail: str) -> Path:
    config = sample_with(tail)
    text = config.source.replace("announce_repeats = 2", "announce_repeats = 1")
    initialise(path, parse_config(text, str(SAMPLE_CONFIG)), ACTOR).close()
    return path


@pytest.fixture
def voiced_server(tmp_path: Path) -> Iterator[tuple[ServerProcess, Store]]:
    db = quick_clinic(tmp_path / "clinic-queue.db", QUICK)
    process = ServerProcess(db)
    process.start()
    store = Store.open(db)
    yield process, store
    store.close()
    process.stop()


def plays(page: Page) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = page.evaluate("window.ClinicQueueVoice.plays")
    return result


def receipt(store: Store, call: Event) -> Event:
    wait_until(
        lambda: any(
            e.type == "announced" and e.payload["call_seq"] == call.seq
            for e in store.events_since(call.seq)
        ),
        "the receipt",
    )
    return event_after(store, call.seq, "announced", call.ticket or "")


def test_the_tv_plays_the_server_s_audio_in_order_without_overlap(
    voiced_server: tuple[ServerProcess, Store], tv_context: BrowserContext
) -> None:
    server, store = voiced_server
    wait_until(lambda: "voice: espeak-ng" in "".join(server.output), "the voice line")
    page = open_tv(tv_context, server, key=HALL_KEY)
    first = issue_ticket(store, "nk-pt", ACTOR, name="张三丰")
    second = issue_ticket(store, "wk", ACTOR, name="李四")
    before = store.last_seq()
    commands.call_next(store, "nk1", ACTOR)
    commands.call_next(store, "wk1", ACTOR)
    calls = [event_after(store, before, "call", t.number) for t in (first, second)]
    receipts = [receipt(store, call) for call in calls]
    assert [r.payload["how"] for r in receipts] == ["audio", "audio"]
    played = plays(page)
    voice = [p for p in played if not p.get("chime")]
    assert [(p["seq"], p["lang"]) for p in voice] == [
        (calls[0].seq, "zh-CN"),
        (calls[0].seq, "en"),
        (calls[1].seq, "zh-CN"),
        (calls[1].seq, "en"),
    ]
    assert [bool(p.get("chime")) for p in played] == [True, False, False, True, False, False]
    for earlier, later in itertools.pairwise(played):
        assert later["start"] >= earlier["end"], "two sounds overlapped"
    for p in voice:  # each clip lasted what its words take to say
        assert 0.8 < (p["end"] - p["start"]) / 1000 < 8
    assert page.evaluate("window.__spoken") == []  # the browser's own voice was not needed
    expect(page.locator("#voice-warning")).to_be_hidden()


def test_without_an_engine_chromium_only_chimes_and_says_so(
    tmp_path: Path, tv_context: BrowserContext
) -> None:
    db = quick_clinic(tmp_path / "clinic-queue.db", '\n[voice]\nengine = "none"\n')
    server = ServerProcess(db)
    server.start()
    store = Store.open(db)
    try:
        wait_until(lambda: "voice: engine = none" in "".join(server.output), "the voice line")
        page = open_tv(tv_context, server, key=HALL_KEY)
        ticket = issue_ticket(store, "nk-pt", ACTOR, name="张三丰")
        before = store.last_seq()
        commands.call_next(store, "nk1", ACTOR)
        call = event_after(store, before, "call", ticket.number)
        # Chromium here has no voice: the utterances were handed over and never started.
        assert receipt(store, call).payload["how"] == "chime_only"
        assert len(page.evaluate("window.__spoken")) == 2
        expect(page.locator("#voice-warning")).to_be_visible()
        expect(page.locator("#voice-warning")).to_have_text("无法语音播报 · Calls are not spoken")
    finally:
        store.close()
        server.stop()


# A TV nobody has touched: the browser holds its audio until a gesture. Headless Chromium
# counts Playwright's own calls as gestures whatever --autoplay-policy says, so the hold is
# played here as a browser does it: the context stays suspended and resume() never completes.
AUDIO_HELD = """
(() => {
  const Real = window.AudioContext;
  window.AudioContext = class extends Real {
    get state() { return "suspended"; }
    resume() { return new Promise(() => {}); }
  };
})();
"""


def test_with_sound_blocked_the_receipt_says_shown_only(
    browser: Browser, voiced_server: tuple[ServerProcess, Store]
) -> None:
    server, store = voiced_server
    context = browser.new_context(viewport=TV_VIEWPORT, locale="zh-CN")
    try:
        context.add_init_script(RECORD_BROWSER_CALLS)
        context.add_init_script(AUDIO_HELD)
        page = open_tv(context, server, key=HALL_KEY)
        expect(page.locator("#sound-hint")).to_be_visible()
        ticket = issue_ticket(store, "nk-pt", ACTOR, name="张三丰")
        before = store.last_seq()
        commands.call_next(store, "nk1", ACTOR)
        call = event_after(store, before, "call", ticket.number)
        assert receipt(store, call).payload["how"] == "shown_only"
        assert plays(page) == []
        expect(page.locator("#voice-warning")).to_be_visible()
        expect(page.locator("#calling-ticket")).to_have_text(ticket.number)
    finally:
        context.close()
