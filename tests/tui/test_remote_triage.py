"""The triage console on another PC: it issues over the staff websocket and prints the slip the
server made, its link on the address the nurse typed. Real server, real console."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Digits, Select, Static

from queue_core.registration import find_tickets
from queue_core.store import Store
from queue_tui.app import triage_console
from queue_tui.remote import RemoteBackend
from queue_tui.screens.slip import SlipScreen
from queue_tui.widgets.qrcode import QrCode
from tests.conftest import SteppingClock
from tests.tui.conftest import fill_line, plain, remote_triage_backend, toasts, until
from tests.tui.served import ServedThread


@pytest.fixture
def backend(store: Store, served: ServedThread, tmp_path: Path) -> Iterator[RemoteBackend]:
    remote = remote_triage_backend(store, served.url, tmp_path / "slips")
    yield remote
    remote.stop()


async def test_a_remote_triage_desk_issues_and_prints_the_slip(
    store: Store, clock: SteppingClock, served: ServedThread, backend: RemoteBackend
) -> None:
    fill_line(store, clock)  # five ahead
    app = triage_console(backend, store.now)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        screen = pilot.app.screen
        await until(pilot, lambda: getattr(screen, "snapshot", None) is not None, "the view")
        await pilot.press("enter", "down", "enter")  # the queue list: 内科普通号
        await until(pilot, lambda: screen.query_one("#queue", Select).value == "nk-pt", "queue")
        await pilot.press("tab", *"周九", "tab", *"138 0000 1234")
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(pilot.app.screen, SlipScreen), "the slip")
        [ticket] = find_tickets(store, "A006")
        assert ticket.name == "周九"
        slip = pilot.app.screen
        assert slip.query_one("#slip-number", Digits).value == "A006"
        facts = plain(slip.query_one("#slip-facts", Static).content)
        assert "前面还有 5 人" in facts and "周*" in facts and "周九" not in facts
        assert slip.query_one(QrCode).data == f"{served.url}/t/{ticket.token}"
        await pilot.press("p")
        await until(pilot, lambda: any("凭条已保存为文件" in t for t in toasts(pilot)), "saved")
        printed = (backend.print_dir / "2026-11-23-A006.txt").read_text(encoding="utf-8")
        assert "A006" in printed and "周九" not in printed
