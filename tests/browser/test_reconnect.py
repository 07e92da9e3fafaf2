"""Pages recover by themselves after the server dies and comes back, and catch up on the gap."""

from __future__ import annotations

import math
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from benchmarks import server_fleet
from queue_core import commands
from queue_core.feedback import receipts_for
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.browser.harness import ServerProcess, event_after, open_phone, open_tv, wait_until
from tests.conftest import ACTOR, HALL_KEY

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("shutdown", ["kill", "stop"])
def test_tv_and_phone_catch_up_after_the_server_goes_down_and_restarts(
    shutdown: str,
    server: ServerProcess,
    live_store: Store,
    tv_context: BrowserContext,
    phone_context: BrowserContext,
) -> None:
    first = issue_ticket(live_store, "nk-pt", ACTOR, name="张三丰")
    issue_ticket(live_store, "nk-pt", ACTOR, name="李四")
    mine = issue_ticket(live_store, "nk-pt", ACTOR, name="王五")
    tv = open_tv(tv_context, server, key=HALL_KEY, lang="zh-CN")
    phone = open_phone(phone_context, server, mine)
    expect(phone.locator("#ahead")).to_have_text("2 人")

    # A crash (SIGKILL, the connections just drop) or a clean stop (SIGTERM, close 1001).
    if shutdown == "kill":
        server.kill()
    else:
        server.stop()
    expect(tv.locator("#connection")).to_have_attribute("data-status", "offline")
    expect(phone.locator("#connection")).to_have_attribute("data-status", "offline")
    before = live_store.last_seq()
    commands.call_next(live_store, "nk1", ACTOR)
    call = event_after(live_store, before, "call", first.number)
    server.start(server.port)

    expect(tv.locator("#connection")).to_have_attribute("data-status", "live")
    expect(tv.locator("#calling-ticket")).to_have_text(first.number)
    expect(tv.locator('.desk[data-desk="nk1"] .desk-current')).to_contain_text("张*丰")
    expect(phone.locator("#ahead")).to_have_text("1 人")
    expect(phone.locator("#now")).to_have_text(f"{first.number} 1 诊室")
    wait_until(lambda: receipts_for(live_store, call.seq) == 1, "the receipt after the restart")

    # Live again: the next change arrives without a reload, and nothing was said twice.
    commands.call_next(live_store, "nk1", ACTOR)
    expect(phone.locator("#ahead")).to_have_text("0 人")
    spoken: list[dict[str, Any]] = tv.evaluate("window.__spoken")
    said_first = [s for s in spoken if first.number in s["text"]]
    assert len(said_first) == 2


def test_the_benchmark_clients_wait_between_retries_exactly_as_the_pages_do(
    server: ServerProcess, tv_context: BrowserContext
) -> None:
    """Restart figures hold only if the benchmark's fleet reconnects like the real pages."""
    page = open_tv(tv_context, server)
    for draw in (0.0, 0.5, 0.999):
        page_delays = page.evaluate(
            "draw => { const real = Math.random; Math.random = () => draw;"
            " try { return [...Array(30).keys()].map(a => ClinicQueue.backoffDelay(a)); }"
            " finally { Math.random = real; } }",
            draw,
        )
        fleet_delays = [
            math.floor(server_fleet.backoff_delay(a, draw) * 1000 + 0.5) for a in range(30)
        ]  # Math.round
        assert page_delays == fleet_delays
    assert page_delays[:10] == [1000] * 10  # draw 0.999: the quick tries, then slower
    assert page_delays[10] == 1499 and page_delays[-1] == 29_985  # ceilings 1.5 s, 30 s
