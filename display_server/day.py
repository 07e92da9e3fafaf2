"""The service day as the server keeps it: days close when they end, screens see the new one.

Once a second the server looks at the clinic's clock. When the service day has changed (or the
clinic's closing time has passed), it closes what is due (queue_core/closing.py) and shows
every screen the new day's board, even when the close had nothing left to close: nobody from
yesterday is ever "now serving" on a screen.
"""

from __future__ import annotations

import asyncio

from display_server.feeds import Hub
from queue_core.closing import close_due, past_closing
from queue_core.errors import QueueError
from queue_core.store import Store

DAY_LOOK_S = 1.0


async def keep_the_day(hub: Hub, writer: Store, every_s: float = DAY_LOOK_S) -> None:
    closed_on: str | None = None  # the day the closing time closed, once it has
    due = True  # at start too: a server started in the morning closes what the night left open
    while True:
        today = writer.today()
        closing = closed_on != today and past_closing(writer.config, writer.now())
        if due or closing or hub.line.day != today:
            try:
                await asyncio.to_thread(close_due, writer)
            except QueueError:
                due = True  # the database stayed busy: the next look tries again
            else:
                due = False
                if closing:
                    closed_on = today
                hub.new_day()
        await asyncio.sleep(every_s)
