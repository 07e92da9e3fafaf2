"""Regenerate the README's console screenshots from the sample clinic at a fixed time.

.venv/bin/python docs/screenshots/take.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from queue_core import commands  # noqa: E402
from queue_core.address import FROM_CONFIG, PublicAddress  # noqa: E402
from queue_core.config import load_config  # noqa: E402
from queue_core.feedback import record_receipt  # noqa: E402
from queue_core.registration import initialise, issue_ticket  # noqa: E402
from queue_core.screen_status import ScreenStatus, write_status  # noqa: E402
from queue_core.store import Store  # noqa: E402
from queue_tui.app import desk_app, triage_app  # noqa: E402

# A clinic set up for real use: without it the console would show its loopback warning.
HOSPITAL = PublicAddress("https://queue.hospital.example", FROM_CONFIG)
NAMES = ["张三丰", "李四", "王五", "赵六", "孙七", "周八", "吴九", "郑十", "冯十一", "陈十二"]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai

    def __call__(self) -> datetime:
        return self.now


def morning(store: Store, clock: Clock) -> None:
    for index, name in enumerate(NAMES):
        issue_ticket(
            store, "nk-pt", "triage", name=name, priority="elderly" if index == 7 else None
        )
        clock.now += timedelta(minutes=2)
    commands.call_next(store, "nk1", "nurse")
    commands.skip(store, "nk1", "nurse")
    commands.call_next(store, "nk1", "nurse")
    commands.send_away(store, "nk1", "nurse")
    clock.now += timedelta(minutes=6)
    commands.call_next(store, "nk1", "nurse")
    record_receipt(store, store.last_seq(), "hall")
    # As `clinic-queue serve` reports two screens showing room 1: the desk's header has no warning.
    write_status(store, "serve", ScreenStatus(time.time(), {"nk1": 2}))


async def shoot() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = Clock()
        db = Path(tmp) / "clinic-queue.db"
        initialise(db, load_config(ROOT / "sample_data" / "clinic.toml"), "admin").close()
        store = Store.open(db, clock=clock)
        morning(store, clock)
        for name, app in (
            ("desk", desk_app(store, "nk1", "nurse")),
            ("triage", triage_app(store, "triage", address=HOSPITAL)),
        ):
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause(0.5)
                if name == "triage":
                    await pilot.press("f3", *"李", "enter")
                    await pilot.pause(0.5)
                app.save_screenshot(f"{name}.svg", str(HERE))
        store.close()


if __name__ == "__main__":
    asyncio.run(shoot())
