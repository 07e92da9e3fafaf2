"""The servers' rows of connected screens, as the desk judges them (queue_core/screen_status.py)."""

from __future__ import annotations

from queue_core.screen_status import (
    ACK_WAIT_SECONDS,
    STALE_SECONDS,
    ScreenStatus,
    Unseen,
    read_status,
    remove_status,
    unseen,
    write_status,
)
from queue_core.store import Store

NOW = 1_800_000_000.0


def test_the_servers_rows_add_up_and_a_stale_or_removed_one_counts_no_more(store: Store) -> None:
    assert read_status(store, NOW) is None
    write_status(store, "a", ScreenStatus(NOW - STALE_SECONDS - 1, {"nk1": 5}))  # died
    write_status(store, "b", ScreenStatus(NOW - 1, {"nk1": 2, "nk2": 0}))
    write_status(store, "c", ScreenStatus(NOW, {"nk1": 1, "nk2": 1}))
    assert read_status(store, NOW) == ScreenStatus(NOW, {"nk1": 3, "nk2": 1})
    write_status(store, "c", ScreenStatus(NOW, {"nk1": 0, "nk2": 0}))  # in place of its last
    assert read_status(store, NOW) == ScreenStatus(NOW, {"nk1": 2, "nk2": 0})
    remove_status(store, "b")
    remove_status(store, "c")
    assert read_status(store, NOW) is None


def test_the_desk_is_unseen_without_a_fresh_file_a_screen_or_a_receipt() -> None:
    fresh = ScreenStatus(NOW, {"nk1": 1, "nk2": 0})
    assert unseen(None, "nk1", NOW, None) is Unseen.NO_SERVER
    assert unseen(fresh, "nk1", NOW + STALE_SECONDS + 1, None) is Unseen.NO_SERVER  # killed
    assert unseen(fresh, "nk2", NOW, None) is Unseen.NO_SCREEN
    assert unseen(fresh, "nk9", NOW, None) is Unseen.NO_SCREEN
    assert unseen(fresh, "nk1", NOW, ACK_WAIT_SECONDS) is Unseen.NO_RECEIPT
    assert unseen(fresh, "nk1", NOW, ACK_WAIT_SECONDS - 1) is None
    assert unseen(fresh, "nk1", NOW + STALE_SECONDS, None) is None
