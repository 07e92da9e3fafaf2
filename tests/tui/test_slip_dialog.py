"""The triage desk's slip as the nurse sees it: the QR code inside the dialog after F2 or F4,
and, after printing, a message that says what really happened to the slip."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Select

from queue_core.address import FROM_CONFIG, PublicAddress
from queue_core.slips import TICKET_DIR_ENV
from queue_core.store import Store
from queue_tui.app import triage_app
from queue_tui.printing import PRINTER_ENV
from queue_tui.qr import qr_lines
from queue_tui.screens.slip import SlipScreen
from queue_tui.screens.triage import TriageScreen
from tests.conftest import ACTOR
from tests.tui.conftest import until
from tests.tui.screen import bare, region_text, toast_text

ADDRESS = PublicAddress("https://queue.example-hospital.cn", FROM_CONFIG)


async def _issue(pilot: Pilot[None]) -> None:
    """A walk-in for 内科普通号 issued with F2, up to the slip dialog."""
    screen = pilot.app.screen
    assert isinstance(screen, TriageScreen)
    await until(pilot, lambda: screen.snapshot is not None, "the first read")
    await pilot.press("enter", "down", "enter")
    await until(pilot, lambda: screen.query_one("#queue", Select).value == "nk-pt", "queue")
    await pilot.press("tab", *"周九", "f2")
    await until(pilot, lambda: isinstance(pilot.app.screen, SlipScreen), "the slip")


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 50)])
async def test_the_qr_code_is_drawn_inside_the_slip_dialog(
    store: Store, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = triage_app(store, ACTOR, address=ADDRESS, print_dir=tmp_path / "slips")
    async with app.run_test(size=size) as pilot:
        await _issue(pilot)
        slip = pilot.app.screen
        assert isinstance(slip, SlipScreen)
        [ticket] = store.events_since(store.last_seq() - 1)
        dialog = region_text(pilot, slip.query_one("#dialog").region)
        assert "扫码查看进度" in dialog
        code = [line for line in qr_lines(slip.slip.url) if line.strip()]
        shown = dialog.splitlines()
        start = next(i for i, row in enumerate(shown) if code[0] in row)
        assert all(line in row for line, row in zip(code, shown[start:], strict=False))
        assert len(shown) - start >= len(code), f"{ticket.ticket}'s code is cut off"


async def _print(pilot: Pilot[None]) -> str:
    await pilot.press("p")
    await until(pilot, lambda: toast_text(pilot), "a message about the slip")
    return toast_text(pilot)


async def test_without_a_printer_the_slip_is_said_to_be_saved_beside_the_database(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PRINTER_ENV, raising=False)
    monkeypatch.delenv(TICKET_DIR_ENV, raising=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    app = triage_app(store, ACTOR, address=ADDRESS)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await _issue(pilot)
        said = await _print(pilot)
    saved = store.path.parent / "tickets" / "2026-11-23-A001.txt"
    assert said == bare(f"凭条已保存为文件 {saved}")
    assert "打印" not in said.replace("凭条", "")
    assert (saved.stat().st_mode & 0o777, saved.parent.stat().st_mode & 0o777) == (0o600, 0o700)
    assert list(elsewhere.iterdir()) == []


async def test_a_printer_that_fails_is_named_with_why_and_the_file_still_saved(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PRINTER_ENV, "serial:COM1")
    app = triage_app(store, ACTOR, address=ADDRESS, print_dir=tmp_path / "slips")
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await _issue(pilot)
        said = await _print(pilot)
    assert said.startswith("打印失败（serial:COM1：")
    assert said.endswith(bare(f"；凭条已保存为文件 {tmp_path / 'slips' / '2026-11-23-A001.txt'}"))


async def test_a_slip_that_cannot_be_saved_says_so_and_why(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PRINTER_ENV, raising=False)
    blocked = tmp_path / "slips"
    blocked.write_text("not a folder", encoding="utf-8")
    app = triage_app(store, ACTOR, address=ADDRESS, print_dir=blocked)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await _issue(pilot)
        said = await _print(pilot)
    assert said.startswith(bare(f"凭条文件未能保存：{blocked}:"))
