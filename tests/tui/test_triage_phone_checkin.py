"""The triage console says who checked in by phone (the check-in event's actor), on screen."""

from __future__ import annotations

from pathlib import Path

from queue_core.checkin_code import PHONE_ACTOR
from queue_core.importer import import_appointments
from queue_core.registration import check_in
from queue_core.store import Store
from tests.conftest import ACTOR
from tests.tui.conftest import screen_text, until
from tests.tui.test_triage_actions import app_for, triage


async def test_the_found_list_shows_a_phone_check_in_and_not_a_desk_one(
    store: Store, tmp_path: Path
) -> None:
    csv = tmp_path / "his.csv"
    csv.write_text(
        "external_id,name,queue,slot_start\nHIS1,李四,nk-pt,09:30\nHIS2,李五,nk-pt,10:00\n",
        encoding="utf-8",
    )
    import_appointments(store, csv, ACTOR)
    check_in(store, "A001", PHONE_ACTOR)
    check_in(store, "A002", ACTOR)
    async with app_for(store, tmp_path).run_test(size=(120, 30)) as pilot:
        screen = triage(pilot)
        await pilot.press("f3", *"李")
        await until(
            pilot, lambda: screen.snapshot is not None and len(screen.snapshot.found) == 2, "found"
        )
        await until(pilot, lambda: "手机签到" in screen_text(pilot), "the phone check-in")
        rows = rows_of(screen_text(pilot))
        assert "候诊 · 手机签到" in rows["A001"]
        assert "候诊" in rows["A002"] and "手机签到" not in rows["A002"]
        await pilot.press("f8")
        await until(pilot, lambda: "by phone" in screen_text(pilot), "the English list")
        rows = rows_of(screen_text(pilot))
        assert "waiting · checked in by phone" in rows["A001"]
        assert "by phone" not in rows["A002"]


def rows_of(text: str) -> dict[str, str]:
    return {n: line for line in text.splitlines() for n in ("A001", "A002") if n in line}
