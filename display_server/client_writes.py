"""What screens and phones write: a registered screen's acks, a link's presence.

Each write is checked against the connection's write budget (display_server/limits.py) before
it joins the server's write queue (display_server/write_queue.py), and a refusal is an `error`
message for the client, never an exception in the handler.
"""

from __future__ import annotations

from display_server import protocol
from display_server.limits import Writes
from display_server.protocol import Message
from display_server.write_queue import WriteQueue
from queue_core.errors import QueueError
from queue_core.events import UNSPOKEN
from queue_core.feedback import record_presence, record_receipt
from queue_core.store import Store

NOT_REGISTERED = protocol.error(
    "not_registered", "This page has no registered screen's key: it shows, its acks do not count."
)
RATE_LIMITED = protocol.error("rate_limited", "Too many writes from this page or address.")


class Receipts:
    """One TV connection's acks: recorded for its registered screen, within its write budget."""

    def __init__(
        self, queue: WriteQueue, writer: Store, screen_id: str | None, writes: Writes
    ) -> None:
        self.queue = queue
        self.writer = writer
        self.screen_id = screen_id
        self.writes = writes

    async def record(self, call_seq: int, how: str) -> Message | None:
        """Record the receipt of `call_seq` announced `how`; the error to answer with, if any."""
        if self.screen_id is None:
            return NOT_REGISTERED
        if not self.writes.allow():
            return RATE_LIMITED
        try:
            screen_id = self.screen_id
            await self.queue.run(lambda: record_receipt(self.writer, call_seq, screen_id, how=how))
        except QueueError as exc:
            return protocol.error("refused", exc.message)
        return None


class Speakers:
    """How each registered screen announced its latest call, for /healthz: a screen id is
    public (it is in the clinic's file and on no patient's page)."""

    def __init__(self) -> None:
        self.latest: dict[str, str] = {}

    def heard(self, screen_id: str | None, how: str) -> None:
        if screen_id is not None:
            self.latest[screen_id] = how

    def silent(self) -> list[str]:
        return sorted(s for s, how in self.latest.items() if how in UNSPOKEN)


async def presence(
    queue: WriteQueue, writer: Store, token: str, status: str, writes: Writes
) -> Message | None:
    """Record a phone's presence; the error to answer with, if any."""
    if not writes.allow():
        return RATE_LIMITED
    try:
        await queue.run(lambda: record_presence(writer, token, status))
    except QueueError as exc:
        return protocol.error("refused", exc.message)
    return None
