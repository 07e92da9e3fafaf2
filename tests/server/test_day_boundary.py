"""Midnight at the display server: screens see the new day by themselves, phones hear how their
ticket ended, and yesterday's links open a page that says the day is over."""

from __future__ import annotations

from datetime import datetime

from display_server.server import serve
from queue_core import commands
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock
from tests.pg import on_both_stores
from tests.server.conftest import open_feed

MIDNIGHT = datetime.fromisoformat("2026-11-23T16:00:00+00:00")  # 00:00 in Shanghai


@on_both_stores
async def test_at_midnight_screens_get_the_new_day_and_phones_how_their_ticket_ended(
    store: Store, clock: SteppingClock
) -> None:
    first = issue_ticket(store, "nk-pt", ACTOR, name="张三丰")
    waiting = issue_ticket(store, "nk-pt", ACTOR, name="李四")
    commands.call_next(store, "nk1", ACTOR)
    async with serve(store, "127.0.0.1", 0, day_look_s=0.05) as server:
        screen = await open_feed(server, "/ws/display?since=")
        snapshot = await screen.until_type("snapshot")
        nk1 = next(d for d in snapshot["board"]["desks"] if d["id"] == "nk1")
        assert nk1["current"]["ticket"] == first.number
        phone = await open_feed(server, f"/ws/ticket/{waiting.token}?since=")
        assert (await phone.until_type("ticket"))["closed"] is False
        clock.now = MIDNIGHT  # nobody commits anything: the server notices the day by itself
        board = await screen.until(
            lambda m: m["type"] == "board" and m["board"]["day"] != "2026-11-23"
        )
        assert board["board"]["day"] == "2026-11-24"
        assert [d["current"] for d in board["board"]["desks"]] == [None] * 5
        ended = await phone.until_type("state")
        assert (ended["state"], ended["why"]) == ("not_seen", "closed")
        again = await open_feed(server, f"/ws/ticket/{waiting.token}?since=")
        ticket = await again.until_type("ticket")
        assert (ticket["state"], ticket["day"], ticket["closed"]) == (
            "not_seen",
            "2026-11-23",
            True,
        )
        await again.send({"type": "presence", "status": "here"})
        refused = await again.until_type("error")
        assert refused["code"] == "refused"
