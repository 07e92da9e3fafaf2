"""Check-in from the patient's phone with the code on the department's screen (docs/screens.md).

The secret the codes derive from is the clinic's, in its database (queue_core/duties.py):
every server of the clinic shows and accepts the same codes, so a phone may check in through
another server than the one its department's screen is connected to. Codes go to registered
screens only (a key in the page's URL): a page anyone can open from home never carries one.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from display_server.feeds import Hub
from display_server.protocol import Message, encode, error
from display_server.write_queue import WriteQueue
from queue_core import checkin_code, registration
from queue_core.duties import shared_secret
from queue_core.errors import QueueError
from queue_core.model import Source, Ticket, TicketState
from queue_core.screens import ScreenFilter
from queue_core.store import Store

CHECKIN_SECRET = "checkin codes"
SHOW_AGAIN_S = 60.0  # a screen's codes are sent again at least this often (a clock that jumps)


class PhoneCheckIn:
    def __init__(self, store: Store, writes: WriteQueue, hub: Hub) -> None:
        self.store = store
        self.writes = writes
        self.hub = hub
        self.secret = shared_secret(store, CHECKIN_SECRET)
        self.tries = checkin_code.Tries()

    @property
    def minutes(self) -> int:
        return self.store.config.checkin_code_minutes

    def codes_message(self, seen: ScreenFilter) -> Message:
        """The codes of the departments whose queues a screen shows."""
        now = self.store.now()
        places = checkin_code.places(self.store.config, seen.queues)
        codes = [
            {"place": p, "code": checkin_code.current(self.secret, p, now, self.minutes)}
            for p in places
        ]
        left = checkin_code.window_ends(now, self.minutes) - now.timestamp()
        return {"type": "checkin_code", "codes": codes, "changes_in": max(1, round(left))}

    async def show(self, conn: ServerConnection, seen: ScreenFilter) -> None:
        """Send a registered screen its codes now and each time they change."""
        while True:
            message = self.codes_message(seen)
            try:
                await conn.send(encode(message))
            except ConnectionClosed:
                return
            await asyncio.sleep(min(SHOW_AGAIN_S, message["changes_in"]))

    async def attempt(self, ticket: Ticket | None, typed: str) -> Message:
        """A patient typed `typed` on the page of `ticket` (as it stands now)."""
        if self.minutes == 0:
            return error("checkin_off", "This clinic checks appointments in at the desk.")
        if ticket is None:
            return error("not_found", "No such ticket.")
        if ticket.source is not Source.APPOINTMENT or ticket.state is not TicketState.REGISTERED:
            return error("not_registered", f"{ticket.number} needs no check-in.")
        if ticket.day != self.store.today():
            return error("not_today", f"{ticket.number} is an appointment of {ticket.day}.")
        at = time.monotonic()
        wait = self.tries.retry_after(ticket.id, at)
        if wait > 0:
            return _refused("too_many_tries", "Too many wrong codes; wait.", retry_after=wait)
        place = checkin_code.place_of(self.store.config, ticket.queue)
        if not checkin_code.accepts(self.secret, place, typed, self.store.now(), self.minutes):
            self.tries.wrong(ticket.id, at)
            left = self.tries.left(ticket.id, at)
            return _refused("bad_code", "That is not the code on the screen.", tries_left=left)
        store, number = self.store, ticket.number
        try:
            done = await self.writes.run(
                lambda: registration.check_in(store, number, checkin_code.PHONE_ACTOR)
            )
        except QueueError as exc:
            return error(exc.code, exc.message)
        self.hub.look_now()
        return {"type": "checked_in", "number": done.number}


def _refused(code: str, message: str, **extra: Any) -> Message:
    if "retry_after" in extra:
        extra["retry_after"] = max(1, round(extra["retry_after"]))
    return {**error(code, message), **extra}
