"""Keeps the file that tells desk consoles which desks have a screen connected
(queue_core/screen_status.py): written when that changes and every REFRESH_SECONDS."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Set
from pathlib import Path

from queue_core.config import ClinicConfig
from queue_core.screen_status import REFRESH_SECONDS, ScreenStatus, write_status
from queue_core.screens import ScreenFilter

LOOK_S = 0.5  # how soon a screen joining or leaving reaches the desks
Screens = Mapping[ScreenFilter, Set[object]]  # the hub's connected screens, by what they show


def desks_shown(config: ClinicConfig, screens: Screens) -> dict[str, int]:
    """Every configured desk with the number of connected screens showing it (0 included)."""
    counts = {desk.id: 0 for desk in config.desks}
    for seen, connections in screens.items():
        for desk in seen.desks:
            if desk in counts:
                counts[desk] += len(connections)
    return counts


async def keep_screen_file(
    db: Path,
    config: ClinicConfig,
    screens: Screens,
    look_s: float = LOOK_S,
    changed: Callable[[], object] = lambda: None,
) -> None:
    """Until cancelled (the server removes the file as it closes: queue_core/screen_status.py).
    Written on a thread: a slow disk must not hold up the screens' feeds."""
    written: dict[str, int] | None = None
    written_at = 0.0
    while True:
        counts = desks_shown(config, screens)
        if written is not None and counts != written:
            changed()  # remote desks hear it with their view, as local ones read the file
        if counts != written or time.monotonic() - written_at >= REFRESH_SECONDS:
            status = ScreenStatus(time.time(), counts)
            try:
                await asyncio.to_thread(write_status, db, status)
            except OSError:
                pass  # the desks' warning says so once the file is stale: nothing to add
            else:
                written, written_at = counts, time.monotonic()
        await asyncio.sleep(look_s)
