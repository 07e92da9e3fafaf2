"""A desk console on another PC when the network fails under it: a command whose answer was
lost is not applied twice, and while the server is gone the header says so and keys are
refused with the reason. Real server, real TCP hop between them, real console."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from websockets.sync.client import connect

from queue_core.store import Store
from queue_tui.app import desk_console
from queue_tui.remote import RemoteBackend
from queue_tui.widgets.header import StatusHeader
from tests.conftest import HALL_KEY, SteppingClock
from tests.tui.cable import Cable
from tests.tui.conftest import fill_line, remote_backend, text_within, toasts, until
from tests.tui.served import ServedThread
from tests.tui.test_desk_actions import current, header, listed


@pytest.fixture
def cable(served: ServedThread) -> Iterator[Cable]:
    hop = Cable(served.port)
    yield hop
    hop.close()


@pytest.fixture
def backend(store: Store, cable: Cable, tmp_path: Path) -> Iterator[RemoteBackend]:
    remote = remote_backend(store, cable.url, tmp_path)
    yield remote
    remote.stop()


def calls(store: Store, seq: int) -> list[str | None]:
    return [e.ticket for e in store.events_since(seq) if e.type == "call"]


async def test_a_call_whose_answer_was_lost_is_applied_once(
    store: Store, clock: SteppingClock, cable: Cable, backend: RemoteBackend
) -> None:
    fill_line(store, clock)
    async with desk_console(backend, "nk1", store.now).run_test() as pilot:
        await until(pilot, lambda: len(listed(pilot, "waiting")) == 5, "5 waiting")
        seq = store.last_seq()
        cable.deaf = True  # the server hears the key; its answer never comes back
        await pilot.press("n")
        await until(pilot, lambda: calls(store, seq) == ["A001"], "the call committed")
        assert current(pilot) is None  # the console has not heard of it
        cable.cut()
        cable.deaf = False
        await until(pilot, lambda: current(pilot) == "A001", "A001 in the room after reconnect")
        await until(pilot, lambda: "实时" in header(pilot), "live again")
        await pilot.pause(0.2)
        assert calls(store, seq) == ["A001"]  # the key went twice, the call ran once
        assert [e.type for e in store.events_since(seq)] == ["call"]


async def _dropped(pilot: Pilot[None], served: ServedThread) -> None:
    served.stop()
    await until(pilot, lambda: "连接中断" in header(pilot), "the header's reconnecting")


async def test_while_the_server_is_down_keys_are_refused_saying_why(
    store: Store, clock: SteppingClock, served: ServedThread, backend: RemoteBackend
) -> None:
    fill_line(store, clock)
    async with desk_console(backend, "nk1", store.now).run_test(notifications=True) as pilot:
        await until(pilot, lambda: len(listed(pilot, "waiting")) == 5, "5 waiting")
        seq = store.last_seq()
        await _dropped(pilot, served)
        await pilot.press("n")
        await until(
            pilot, lambda: any("未连接叫号服务器" in t for t in toasts(pilot)), "the refusal"
        )
        assert store.events_since(seq) == []
        served.start()  # the same port: the console finds it again by itself
        await until(pilot, lambda: "实时" in header(pilot), "live again")
        await pilot.press("n")
        await until(pilot, lambda: current(pilot) == "A001", "A001 in the room")
        assert [(e.type, e.ticket) for e in store.events_since(seq)] == [("call", "A001")]


async def test_a_remote_desk_knows_the_screens_the_server_sees(
    store: Store, clock: SteppingClock, served: ServedThread, backend: RemoteBackend
) -> None:
    fill_line(store, clock)
    async with desk_console(backend, "nk1", store.now).run_test(size=(120, 30)) as pilot:
        bar = pilot.app.screen.query_one(StatusHeader)
        await until(pilot, lambda: "没有屏幕显示本诊室" in text_within(pilot, bar), "no screen")
        assert "叫号屏服务未运行" not in text_within(pilot, bar)
        with connect(f"ws://127.0.0.1:{served.port}/ws/display?key={HALL_KEY}&since="):
            await until(pilot, lambda: "⚠" not in text_within(pilot, bar), "the hall's TV")
        await until(pilot, lambda: "没有屏幕显示本诊室" in text_within(pilot, bar), "TV gone")
        served.stop()
        await until(pilot, lambda: "叫号屏服务未运行" in text_within(pilot, bar), "no server")
