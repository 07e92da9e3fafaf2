"""Keeps this server's row of the screens it has connected (queue_core/screen_status.py):
written when that changes and every REFRESH_SECONDS, and with it the count every server of the
clinic has, for the remote desks' views."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Set
from contextlib import suppress

from queue_core.config import ClinicConfig
from queue_core.errors import QueueError
from queue_core.screen_status import REFRESH_SECONDS, ScreenStatus, read_status, write_status
from queue_core.screens import ScreenFilter
from queue_core.store import Store

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
    store: Store,
    server: str,
    config: ClinicConfig,
    screens: Screens,
    everywhere: dict[str, int],
    look_s: float = LOOK_S,
    changed: Callable[[], object] = lambda: None,
) -> None:
    """Until cancelled (the server deletes its row as it closes). `everywhere` is kept equal
    to what every running server's rows add up to; `changed` is called when that moved.
    Written and read on a thread: a busy database must not hold up the screens' feeds."""
    written: dict[str, int] | None = None
    written_at = 0.0
    while True:
        counts = desks_shown(config, screens)
        if counts != written or time.monotonic() - written_at >= REFRESH_SECONDS:
            status = ScreenStatus(time.time(), counts)
            try:
                await asyncio.to_thread(write_status, store, server, status)
            except QueueError:
                pass  # the desks' warning says so once the row is stale: nothing to add
            else:
                written, written_at = counts, time.monotonic()
            with suppress(QueueError):
                total = await asyncio.to_thread(read_status, store)
                seen = counts if total is None else total.desks
                if seen != everywhere:
                    first = not everywhere
                    everywhere.clear()
                    everywhere.update(seen)
                    if not first:
                        changed()  # remote desks hear it with their view, as local ones read it
        await asyncio.sleep(look_s)
