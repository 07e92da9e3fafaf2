"""The service day as the server keeps it: days close when they end, screens see the new one,
and what the clinic keeps no longer is erased.

Once a second the server looks at the clinic's clock. When the service day has changed (or the
clinic's closing time has passed), it closes what is due (queue_core/closing.py) and shows
every screen the new day's board, even when the close had nothing left to close: nobody from
yesterday is ever "now serving" on a screen. Then it erases the personal data of the days past
the clinic's retention (queue_core/retention.py), and copies the file when a day was closed
and the clinic asks for copies (display_server/backups.py).
"""

from __future__ import annotations

import asyncio
import math
import sys
import time

from display_server.backups import Backups
from display_server.feeds import Hub
from queue_core.closing import SYSTEM, close_due, past_closing
from queue_core.errors import QueueError
from queue_core.retention import purge
from queue_core.slips import slip_dir
from queue_core.store import Store

DAY_LOOK_S = 1.0
# A purge that failed (the disk full, the file busy all along) is tried again this much later,
# not at every look: a compaction rewrites the whole file.
PURGE_RETRY_S = 600.0


async def keep_the_day(
    hub: Hub, writer: Store, every_s: float = DAY_LOOK_S, backups: Backups | None = None
) -> None:
    closed_on: str | None = None  # the day the closing time closed, once it has
    due = True  # at start too: a server started in the morning closes what the night left open
    purge_at = 0.0  # when to look for personal data to erase (monotonic): at start, then daily
    unfinished = False  # a compaction did not finish: the next purge does it again
    day = writer.today()  # the service day of the last close_due that went through
    while True:
        today = writer.today()
        closing = closed_on != today and past_closing(writer.config, writer.now())
        ended = day if day != today else None
        if due or closing or ended or hub.line.day != today:
            try:
                await asyncio.to_thread(close_due, writer)
            except QueueError:
                due = True  # the database stayed busy: the next look tries again
            else:
                due = False
                day = today
                if closing:
                    closed_on = today
                hub.new_day()
                purge_at = min(purge_at, time.monotonic())
                # One copy per closed day: at its closing time, else when the next day began.
                if backups is not None and closing:
                    await backups.make(f"after the close of {today}")
                elif backups is not None and ended is not None and ended != closed_on:
                    await backups.make(f"after the close of {ended}")
        if time.monotonic() >= purge_at:
            unfinished = await _erase(writer, unfinished)
            purge_at = time.monotonic() + PURGE_RETRY_S if unfinished else math.inf
        if backups is not None:
            await backups.when_due()
        await asyncio.sleep(every_s)


async def _erase(writer: Store, unfinished: bool) -> bool:
    """Erase what is due; True if something is left to do (a failure is one line on stderr)."""
    try:
        slips = slip_dir(writer.path)
        done = await asyncio.to_thread(purge, writer, SYSTEM, slips, None, unfinished)
    except QueueError as exc:
        print(f"clinic-queue: {exc.message}", file=sys.stderr, flush=True)
        return True
    return done.compacted is False
