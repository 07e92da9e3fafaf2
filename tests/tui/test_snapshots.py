"""Pictures of the consoles in both languages; each test's docstring says what it must show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from queue_core.address import FROM_CONFIG, PublicAddress
from queue_core.store import Store
from queue_tui.app import ClinicQueueApp, desk_app, triage_app
from queue_tui.widgets.header import StatusHeader
from queue_tui.widgets.tickets import TicketTable
from tests.conftest import ACTOR, SteppingClock
from tests.tui.conftest import busy_morning, until

Snap = Callable[..., bool]
BASE_URL = "http://clinic.example:8765"
ADDRESS = PublicAddress(BASE_URL, FROM_CONFIG)


async def settle(pilot: Pilot[Any]) -> None:
    """Tables size their columns on idle: let a last refresh and its layout pass finish."""
    await pilot.pause(0.2)
    await pilot.wait_for_scheduled_animations()


async def desk_ready(pilot: Pilot[Any]) -> None:
    home = pilot.app.home  # type: ignore[attr-defined]
    await until(pilot, lambda: home.query_one(StatusHeader).live == "live", "live")
    await until(pilot, lambda: home.query_one("#waiting", TicketTable).ticket_rows, "the line")
    await settle(pilot)


def test_desk_screen_zh(snap_compare: Snap, store: Store, clock: SteppingClock) -> None:
    """Desk nk1 at 80x24 in Chinese: header 内科1诊室 / 1诊室 / 接诊中 (cut short if need be),
    then ⚠ 叫号屏服务未运行 (no server in this test) / ● 实时 / 09:20:00; A006 in the room (big
    digits, 钱八, 已候诊 3 分钟, 重呼 1 次, no announcement line); waiting A003 A004 A005 A007
    with 现场挂号, its border "▶ 候诊 4 · A003" (focused, cursor on A003); missed A001; away
    A002; the key bar below on two lines, ending with ? 帮助."""
    busy_morning(store, clock)
    assert snap_compare(desk_app(store, "nk1", ACTOR), run_before=desk_ready)


def test_desk_screen_en(snap_compare: Snap, store: Store, clock: SteppingClock) -> None:
    """The same desk after `l`: every label in English (Now serving, Waiting 4, Missed 1,
    Away for tests 1, walk-in, ⚠ no display server, the key bar's descriptions); names and
    numbers unchanged."""
    busy_morning(store, clock)

    async def english(pilot: Pilot[Any]) -> None:
        await desk_ready(pilot)
        await pilot.press("l")
        await until(pilot, lambda: pilot.app.lang == "en", "English")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(desk_app(store, "nk1", ACTOR), run_before=english)


def test_desk_screen_comfortable(snap_compare: Snap, store: Store, clock: SteppingClock) -> None:
    """At 120x40 the same content with room to spare: the whole header on one line, the key
    bar on two lines, and the reason column is not cut."""
    busy_morning(store, clock)
    assert snap_compare(
        desk_app(store, "nk1", ACTOR), run_before=desk_ready, terminal_size=(120, 40)
    )


async def triage_ready(pilot: Pilot[Any]) -> None:
    home = pilot.app.home  # type: ignore[attr-defined]
    await until(pilot, lambda: home.snapshot is not None, "the first read")
    await pilot.press("f3", *"李")
    await until(pilot, lambda: home.query_one("#found", TicketTable).ticket_rows, "李四 found")
    await pilot.press("enter")  # to the results: a blinking text cursor would never match
    await until(pilot, lambda: home.query_one(StatusHeader).live == "live", "live")
    await settle(pilot)


def test_triage_screen_zh(snap_compare: Snap, store: Store, clock: SteppingClock) -> None:
    """Triage at 80x24 in Chinese: the walk-in form (队列 请选择, 姓名, 手机号, 优先类别,
    指定诊室, 发号 (F2)) on the left; waiting counts per queue, the search box holding 李
    and one result A002 李四 内科普通号 检查中 (highlighted) on the right; F-key bar below."""
    busy_morning(store, clock)
    app = triage_app(store, ACTOR, address=ADDRESS)
    assert snap_compare(app, run_before=triage_ready)


@pytest.mark.slow
def test_triage_screen_en(snap_compare: Snap, store: Store, clock: SteppingClock) -> None:
    """The same after F8: the form, counts, result columns and key bar in English."""
    busy_morning(store, clock)

    async def english(pilot: Pilot[Any]) -> None:
        await triage_ready(pilot)
        await pilot.press("f8")
        app: ClinicQueueApp = pilot.app  # type: ignore[assignment]
        await until(pilot, lambda: app.lang == "en", "English")
        await settle(pilot)

    assert snap_compare(triage_app(store, ACTOR, address=ADDRESS), run_before=english)
