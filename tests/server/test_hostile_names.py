"""Names made to defeat the mask, as the TV gets them on the wire: a zero width space kept the
middle of the name out of the mask (the full name on every screen), a bidi override reached the
TV and reordered its line, and the number of stars told the name's length."""

from __future__ import annotations

from display_server.server import DisplayServer
from queue_core import commands
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock
from tests.server.conftest import open_feed

HIDDEN = ("\u200b", "\u202e", "\u2066", "\ufeff")  # zero width, bidi override and isolate, BOM


async def test_the_tv_gets_a_mask_of_letters_one_star_long(
    store: Store, clock: SteppingClock, server: DisplayServer
) -> None:
    names = [
        "张\u200b三",
        "\u202e张三丰",
        "欧阳娜娜",
        "J\u200bohn \u2066Smith",
        "Maximilian Mustermann",
    ]
    for name in names:
        issue_ticket(store, "nk-pt", ACTOR, name=name)
        clock.advance(minutes=1)
    display = await open_feed(server, "/ws/display?since=")
    await display.until_type("snapshot")
    calls = []
    for _ in names:
        commands.call_next(store, "nk1", ACTOR)
        calls.append(await display.until_type("call"))
    assert [c["name"] for c in calls] == ["张*", "张*丰", "欧*娜", "J* S*", "M* M*"]
    assert calls[0]["text"]["zh"] == f"请 {calls[0]['ticket']} 号 到 1 诊室就诊"
    assert not [ch for frame in display.frames for ch in HIDDEN if ch in frame]
