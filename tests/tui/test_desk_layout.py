"""What fits where on the desk's terminal: the key bar's lines, toasts beside the lists."""

from __future__ import annotations

import pytest

from queue_core.store import Store
from queue_tui.app import desk_app
from queue_tui.bindings import DESK_KEYS
from queue_tui.i18n import Lang
from queue_tui.widgets.keybar import KeyBar
from tests.conftest import ACTOR, SteppingClock
from tests.tui.conftest import busy_morning, text_within, until


@pytest.mark.parametrize(
    ("size", "lang", "most"),
    [((160, 40), "zh", 1), ((160, 40), "en", 2), ((80, 24), "zh", 2), ((80, 24), "en", 2)],
)
async def test_the_key_bar_keeps_to_its_lines_and_always_offers_help(
    store: Store, clock: SteppingClock, size: tuple[int, int], lang: Lang, most: int
) -> None:
    busy_morning(store, clock)
    async with desk_app(store, "nk1", ACTOR, lang=lang).run_test(size=size) as pilot:
        bar = pilot.app.screen.query_one(KeyBar)
        await until(pilot, lambda: text_within(pilot, bar).strip(), "the key bar")
        lines = [line for line in text_within(pilot, bar).splitlines() if line.strip()]
        assert 1 <= len(lines) <= most, lines
        shown = " ".join(lines)
        assert " ? " in shown and ("帮助" if lang == "zh" else "Help") in shown
        for key in DESK_KEYS[:10]:  # the desk's own commands stay, whatever the width
            assert f" {key.label} {key.description(lang)}" in shown, key.id
        if size[0] >= 160 and lang == "zh":
            assert all(f" {k.label} " in shown for k in DESK_KEYS)


@pytest.mark.parametrize("size", [(80, 24), (160, 40)])
async def test_toasts_leave_the_away_list_the_key_bar_and_the_room_readable(
    store: Store, clock: SteppingClock, size: tuple[int, int]
) -> None:
    busy_morning(store, clock)
    async with desk_app(store, "nk1", ACTOR).run_test(size=size, notifications=True) as pilot:
        screen = pilot.app.screen
        away, bar, room = (screen.query_one(s) for s in ("#away", KeyBar, "#current"))
        await until(pilot, lambda: "A002" in text_within(pilot, away), "the away list")
        before = [text_within(pilot, w) for w in (away, bar)]
        for count in (1, 2, 3):  # three recalls: three toasts at once
            await pilot.press("r")
            await until(pilot, lambda n=count: len(screen.query("Toast")) == n, f"{count} toasts")
        await until(pilot, lambda: "重呼 4 次" in text_within(pilot, room), "the recalls")
        assert "已重呼 A006" in text_within(pilot, screen)
        assert [text_within(pilot, w) for w in (away, bar)] == before
        assert "钱八" in text_within(pilot, room)


@pytest.mark.parametrize(
    ("lang", "line"), [("zh", "已在 2 块屏幕播报"), ("en", "shown on 2 screen(s)")]
)
async def test_the_receipt_line_shows_whole_in_the_room_panel(
    store: Store, clock: SteppingClock, lang: Lang, line: str
) -> None:
    from queue_core.feedback import record_receipt

    busy_morning(store, clock)
    call = store.last_seq()  # the recall of A006
    for screen in ("hall", "nk-area"):
        record_receipt(store, call, screen)
    async with desk_app(store, "nk1", ACTOR, lang=lang).run_test(size=(80, 24)) as pilot:
        room = pilot.app.screen.query_one("#current")
        await until(pilot, lambda: "钱八" in text_within(pilot, room), "A006 in the room")
        await until(pilot, lambda: line.split()[0] in text_within(pilot, room), "the receipt")
        drawn = text_within(pilot, room)
        assert any(line in row for row in drawn.splitlines()), drawn  # on one line, whole
