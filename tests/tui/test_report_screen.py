"""The report screen (`clinic-queue report --tui`) shows what `clinic-queue report` prints."""

from __future__ import annotations

from textual.containers import VerticalScroll

from queue_core.insight.reader import Days
from queue_core.registration import issue_ticket
from queue_core.store import Store
from queue_tui.app import report_app
from tests.conftest import ACTOR, SteppingClock
from tests.core.scripted_day import surgery_morning
from tests.tui.conftest import until
from tests.tui.screen import screen_text

DAY = Days("2026-11-23", "2026-11-23")


def _total(text: str) -> list[str]:
    """The cells of the total row; none while it is not drawn."""
    line = next((line for line in text.splitlines() if line.strip().startswith("all ")), "")
    return [c.strip() for c in line.split("│")] if line else []


async def test_the_screen_shows_the_days_figures_fairness_and_charts(
    store: Store, clock: SteppingClock
) -> None:
    surgery_morning(store, clock)
    app = report_app(store, DAY)
    async with app.run_test(size=(170, 60)) as pilot:
        await until(pilot, lambda: "公平性" in screen_text(pilot), "the report")
        text = screen_text(pilot)
        assert "门诊报表  2026-11-23" in text
        assert "公平性：7 次后到先叫，0 次无规则可解释" in text
        assert _total(text)[:6] == ["all", "8", "7", "13.0", "26.0", "10.0"]
        assert "刷新" in text and "退出" in text  # the key bar, from the bindings table
        app.screen.query_one("#report-body", VerticalScroll).scroll_end(animate=False)
        await until(pilot, lambda: "Load by desk" in screen_text(pilot), "the charts")
        assert "wk1   " + "█" * 40 + " 4 seen" in screen_text(pilot)

        issue_ticket(store, "wk", ACTOR, name="新来的")
        await pilot.press("r")
        app.screen.query_one("#report-body", VerticalScroll).scroll_home(animate=False)
        await until(
            pilot,
            lambda: _total(screen_text(pilot))[1:2] == ["9"],
            "the report made again",
        )


async def test_an_unknown_queue_is_said_on_the_screen(store: Store) -> None:
    app = report_app(store, DAY, queue="xx")
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: "No queue called 'xx'" in screen_text(pilot), "the refusal")
