"""The waiting-room TV page in Chromium against the real server: calls, voice, receipts, privacy."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from queue_core import commands
from queue_core.feedback import receipts_for
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.browser.harness import (
    SPEECH_NEVER_ENDS,
    ServerProcess,
    event_after,
    open_tv,
    wait_until,
)
from tests.browser.morning import fill_waiting_room, run_first_hour
from tests.conftest import ACTOR, HALL_KEY

pytestmark = pytest.mark.slow


def spoken(page: Page) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = page.evaluate("window.__spoken")
    return result


def announcement(number: str, room: str, repeats: int = 2) -> list[dict[str, str]]:
    """What docs/protocol.md says a call sounds like: Chinese, then English, `repeats` times."""
    once = [
        {"text": f"请 {number} 号 到 {room} 诊室就诊", "lang": "zh-CN"},
        {"text": f"Number {number}, please go to room {room}", "lang": "en"},
    ]
    return once * repeats


def test_tv_shows_the_call_speaks_it_and_the_server_records_the_receipt(
    server: ServerProcess, live_store: Store, tv_context: BrowserContext
) -> None:
    page = open_tv(tv_context, server, key=HALL_KEY)
    ticket = issue_ticket(live_store, "nk-pt", ACTOR, name="张三丰")
    before = live_store.last_seq()
    commands.call_next(live_store, "nk1", ACTOR)
    call = event_after(live_store, before, "call", ticket.number)

    expect(page.locator("#calling-ticket")).to_have_text(ticket.number)
    expect(page.locator("#calling-name")).to_have_text("张*丰")
    expect(page.locator("#calling-room")).to_contain_text("1")
    expect(page.locator('.desk[data-desk="nk1"] .desk-current')).to_contain_text(ticket.number)
    expect(page.locator('.desk[data-desk="nk1"] .desk-current')).to_contain_text("张*丰")

    wait_until(lambda: receipts_for(live_store, call.seq) == 1, "the receipt of the call")
    assert spoken(page) == announcement(ticket.number, "1")
    receipt = event_after(live_store, call.seq, "announced", ticket.number)
    assert receipt.payload["screen"] == "hall"
    assert receipt.payload["call_seq"] == call.seq
    assert "screen" in page.evaluate("window.__wakeLocks")


def test_recall_is_announced_again(
    server: ServerProcess, live_store: Store, tv_context: BrowserContext
) -> None:
    page = open_tv(tv_context, server, key=HALL_KEY, lang="zh-CN")
    ticket = issue_ticket(live_store, "wk", ACTOR, name="李四")
    commands.call_next(live_store, "wk1", ACTOR)
    expect(page.locator("#calling-ticket")).to_have_text(ticket.number)
    wait_until(lambda: len(spoken(page)) == 2, "the first call spoken twice")
    before = live_store.last_seq()
    commands.recall(live_store, "wk1", ACTOR)
    recall = event_after(live_store, before, "recall", ticket.number)

    wait_until(lambda: receipts_for(live_store, recall.seq) == 1, "the receipt of the recall")
    assert [s["text"] for s in spoken(page)] == [f"请 {ticket.number} 号 到 5 诊室就诊"] * 4


def test_calls_never_overlap_and_never_stall_without_a_speech_engine(
    server: ServerProcess, live_store: Store, tv_context: BrowserContext
) -> None:
    tv_context.add_init_script(SPEECH_NEVER_ENDS)
    page = open_tv(tv_context, server, key=HALL_KEY, lang="zh-CN")
    first = issue_ticket(live_store, "nk-pt", ACTOR, name="王五")
    second = issue_ticket(live_store, "wk", ACTOR, name="赵六")
    before = live_store.last_seq()
    commands.call_next(live_store, "nk1", ACTOR)
    commands.call_next(live_store, "wk1", ACTOR)
    calls = [event_after(live_store, before, "call", t.number) for t in (first, second)]

    wait_until(
        lambda: all(receipts_for(live_store, c.seq) == 1 for c in calls),
        "both receipts",
        limit_s=90,
    )
    assert page.evaluate("window.__overlaps") == 0
    # One call is said in full before the next begins: never interleaved.
    assert [s["text"] for s in spoken(page)] == [
        f"请 {first.number} 号 到 1 诊室就诊",
        f"请 {first.number} 号 到 1 诊室就诊",
        f"请 {second.number} 号 到 5 诊室就诊",
        f"请 {second.number} 号 到 5 诊室就诊",
    ]


def test_missed_patients_are_listed_and_desks_show_who_is_next(
    server: ServerProcess, live_store: Store, tv_context: BrowserContext
) -> None:
    page = open_tv(tv_context, server, key=HALL_KEY)
    tickets = [issue_ticket(live_store, "nk-pt", ACTOR, name=n) for n in ("钱一", "孙二", "周三")]
    commands.call_next(live_store, "nk1", ACTOR)
    commands.skip(live_store, "nk1", ACTOR)

    expect(page.locator("#missed")).to_contain_text(tickets[0].number)
    expect(page.locator("#missed")).to_contain_text("钱*")
    expect(page.locator('.desk-next[data-for~="nk1"]')).to_contain_text(tickets[1].number)
    expect(page.locator('.desk[data-desk="nk1"] .desk-current')).not_to_contain_text(
        tickets[0].number
    )


def test_paused_desk_says_so(
    server: ServerProcess, live_store: Store, tv_context: BrowserContext
) -> None:
    page = open_tv(tv_context, server, desks="wk2")
    expect(page.locator("#desks .desk")).to_have_count(1)
    commands.pause(live_store, "wk2", ACTOR, reason="doctor in surgery")
    expect(page.locator('.desk[data-desk="wk2"]')).to_contain_text("停诊")
    commands.resume(live_store, "wk2", ACTOR)
    expect(page.locator('.desk[data-desk="wk2"]')).not_to_contain_text("停诊")


def test_no_full_name_ever_reaches_the_tv_page(
    server: ServerProcess, live_store: Store, tv_context: BrowserContext
) -> None:
    page = open_tv(tv_context, server, key=HALL_KEY)
    morning = fill_waiting_room(live_store)
    run_first_hour(live_store)
    expect(page.locator("#missed .missed-ticket")).to_have_count(3)
    wait_until(
        lambda: page.evaluate("document.querySelectorAll('.desk .ticket').length") == 5,
        "every desk serving someone",
    )
    html = page.content() + page.evaluate("JSON.stringify(window.__spoken)")
    leaked = [name for name in morning.names if name in html]
    assert leaked == []
    tokens = [t.token for t in morning.tickets if t.token in html]
    assert tokens == []
