"""The desk's header tells the nurse when her calls reach no screen: the server down, or no
screen of her room connected. A real server process, a real websocket screen, the desk's Pilot."""

from __future__ import annotations

from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from queue_core.config import load_config
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from queue_tui.app import desk_app
from queue_tui.widgets.header import StatusHeader
from tests.browser.harness import ServerProcess
from tests.conftest import ACTOR, SAMPLE_CONFIG
from tests.tui.conftest import text_within, until

pytestmark = pytest.mark.slow

NO_SERVER = "⚠ 叫号屏服务未运行"
NO_SCREEN = "⚠ 没有屏幕显示本诊室"
WK1_DOOR_KEY = "sample-wk1-door-key-change-me"  # sample_data/clinic.toml: shows room wk1 only


async def test_the_header_says_when_no_screen_shows_the_desk(tmp_path: Path) -> None:
    db = tmp_path / "clinic-queue.db"
    initialise(db, load_config(SAMPLE_CONFIG), ACTOR).close()
    store = Store.open(db)
    issue_ticket(store, "nk-pt", ACTOR, name="张三丰")
    server = ServerProcess(db)
    try:
        async with desk_app(store, "nk1", ACTOR).run_test(size=(120, 30)) as pilot:
            header = pilot.app.screen.query_one(StatusHeader)

            def says() -> str:
                return text_within(pilot, header)

            await until(pilot, lambda: "● 实时" in says(), "the queue read")  # the queue works
            await until(pilot, lambda: NO_SERVER in says(), "no display server")
            server.start()
            await until(pilot, lambda: NO_SCREEN in says(), "no screen of room 1")
            base = server.url.replace("http://", "ws://")
            async with connect(f"{base}/ws/display?key={WK1_DOOR_KEY}&since="):
                await pilot.pause(2)  # a screen of another room: still none of ours
                assert NO_SCREEN in says()
                async with connect(f"{base}/ws/display?desks=nk1&since="):
                    await until(pilot, lambda: "⚠" not in says(), "room 1 on a screen")
                await until(pilot, lambda: NO_SCREEN in says(), "that screen gone")
            server.stop()
            await until(pilot, lambda: NO_SERVER in says(), "the server stopped")
    finally:
        server.kill()
        store.close()
