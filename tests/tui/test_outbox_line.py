"""A console on the database host shows an admin the notifications still to deliver."""

from __future__ import annotations

from queue_core.registration import issue_ticket
from queue_core.store import Store
from queue_tui.app import desk_app
from queue_tui.widgets.header import StatusHeader
from tests.conftest import ACTOR, SteppingClock
from tests.notify.conftest import notify_store  # noqa: F401  (the fixture)
from tests.tui.conftest import text_within, until


async def test_the_backlog_and_its_oldest_show_in_the_status_line(
    notify_store: Store,  # noqa: F811
    clock: SteppingClock,
) -> None:
    for _ in range(2):
        issue_ticket(notify_store, "nk-pt", ACTOR)  # waiting and ahead each; no server sends
    clock.advance(minutes=3)
    async with desk_app(notify_store, "nk1", ACTOR).run_test(size=(140, 30)) as pilot:
        header = pilot.app.screen.query_one(StatusHeader)
        await until(
            pilot, lambda: "待发通知 4 条，最早 3 分钟前" in text_within(pilot, header), "backlog"
        )


async def test_without_webhooks_the_status_line_says_nothing_of_notifications(
    store: Store,
) -> None:
    issue_ticket(store, "nk-pt", ACTOR)
    async with desk_app(store, "nk1", ACTOR).run_test(size=(140, 30)) as pilot:
        header = pilot.app.screen.query_one(StatusHeader)
        await until(pilot, lambda: "● 实时" in text_within(pilot, header), "live")
        await pilot.pause(0.2)
        assert "通知" not in text_within(pilot, header)
