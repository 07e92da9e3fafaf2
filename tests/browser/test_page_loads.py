"""A page load in Chromium asks the server for nothing it does not have."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, Response, expect

from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.browser.harness import ServerProcess
from tests.conftest import ACTOR

pytestmark = pytest.mark.slow


def _failures(page: Page) -> list[str]:
    failed: list[str] = []

    def note(response: Response) -> None:
        if response.status >= 400:
            failed.append(f"{response.status} {response.url}")

    page.on("response", note)
    page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)
    return failed


def _icon_of(page: Page) -> tuple[int, str]:
    """The page's icon as the browser fetches it: status and type."""
    answer: list[object] = page.evaluate(
        """async () => {
          const link = document.querySelector('link[rel="icon"]');
          if (!link) { return [0, "no icon link"]; }
          const reply = await fetch(link.href);
          return [reply.status, reply.headers.get("content-type")];
        }"""
    )
    return int(str(answer[0])), str(answer[1])


def test_the_tv_and_phone_pages_load_with_their_icon_and_no_404(
    server: ServerProcess,
    live_store: Store,
    tv_context: BrowserContext,
    phone_context: BrowserContext,
) -> None:
    ticket = issue_ticket(live_store, "nk-pt", ACTOR, name="甲一")
    for context, opened in ((tv_context, "tv"), (phone_context, "phone")):
        watched = context.new_page()
        failed = _failures(watched)
        if opened == "tv":
            watched.goto(f"{server.url}/display")
            expect(watched.locator("#connection")).to_have_attribute("data-status", "live")
        else:
            watched.goto(f"{server.url}/t/{ticket.token}")
            expect(watched.locator("#number")).to_have_text(ticket.number)
        assert _icon_of(watched) == (200, "image/x-icon")
        watched.reload()
        expect(watched.locator("#connection")).to_have_attribute("data-status", "live")
        assert failed == []
