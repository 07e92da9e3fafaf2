"""The file of connected screens, as the desk judges it (queue_core/screen_status.py)."""

from __future__ import annotations

from pathlib import Path

from queue_core.screen_status import (
    ACK_WAIT_SECONDS,
    STALE_SECONDS,
    ScreenStatus,
    Unseen,
    read_status,
    remove_status,
    status_path,
    unseen,
    write_status,
)

NOW = 1_800_000_000.0


def test_a_status_file_reads_back_and_a_missing_or_torn_one_is_none(tmp_path: Path) -> None:
    db = tmp_path / "clinic-queue.db"
    assert read_status(db) is None
    write_status(db, ScreenStatus(NOW, {"nk1": 2, "nk2": 0}))
    assert read_status(db) == ScreenStatus(NOW, {"nk1": 2, "nk2": 0})
    status_path(db).write_text('{"written_at": 1, "desks": ', encoding="utf-8")
    assert read_status(db) is None
    remove_status(db)
    assert not status_path(db).exists()


def test_the_desk_is_unseen_without_a_fresh_file_a_screen_or_a_receipt() -> None:
    fresh = ScreenStatus(NOW, {"nk1": 1, "nk2": 0})
    assert unseen(None, "nk1", NOW, None) is Unseen.NO_SERVER
    assert unseen(fresh, "nk1", NOW + STALE_SECONDS + 1, None) is Unseen.NO_SERVER  # killed
    assert unseen(fresh, "nk2", NOW, None) is Unseen.NO_SCREEN
    assert unseen(fresh, "nk9", NOW, None) is Unseen.NO_SCREEN
    assert unseen(fresh, "nk1", NOW, ACK_WAIT_SECONDS) is Unseen.NO_RECEIPT
    assert unseen(fresh, "nk1", NOW, ACK_WAIT_SECONDS - 1) is None
    assert unseen(fresh, "nk1", NOW + STALE_SECONDS, None) is None
