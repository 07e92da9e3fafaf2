"""From the event log to every screen and phone: the tail thread, the loop and the sockets.

A single thread tails the log (the backend's data_version, then `events_since`), paced by the
backend's watch (inotify on the SQLite file's folder, LISTEN on PostgreSQL), and hands the
events to the event loop. While the database cannot be read, the tail keeps looking at the
watch's pace and resumes from the last seq it handed on: nothing is lost or sent twice. There
the feeds' policy (display_server/delivery.py) says which message goes to which screens and
phones, and this driver writes each one, framed once (display_server/wire.py), to the
connections of its group without awaiting. Phone rounds run as a task that yields to the loop
between two chunks, so newer events reach the screens first.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from contextlib import suppress

from websockets.asyncio.server import ServerConnection

from display_server.announcer import Announcer
from display_server.delivery import JOURNAL_SIZE, REFILL_EVENTS, Delivery, Out
from display_server.wire import fan_out
from queue_core.errors import QueueError
from queue_core.events import Event
from queue_core.line import Line
from queue_core.log_watch import POLL_S, LogWatch
from queue_core.model import Ticket
from queue_core.screens import ScreenFilter
from queue_core.store import Store

# A client that stops reading (a sleeping phone, a frozen TV) must not hold the server's memory:
# past this much unsent data it is dropped, and resumes with `since` when it wakes up.
SEND_BUFFER_LIMIT = 256 * 1024
# How long a phone waits for the tail to read a ticket just issued, before it is told what the
# line knows; the tail reads a commit far sooner, unless the server is overloaded.
CATCH_UP_S = 2.0


class Hub:
    """All live feeds of one server. Its methods run on the event loop, except the tail thread."""

    def __init__(
        self, store: Store, journal_size: int = JOURNAL_SIZE, send_limit: int = SEND_BUFFER_LIMIT
    ) -> None:
        self.store = store
        self.send_limit = send_limit
        self.journal_size = journal_size
        self.screens: dict[ScreenFilter, set[ServerConnection]] = {}
        self.phones: dict[int, set[ServerConnection]] = {}
        # Desk id -> the screens showing it on every server of the clinic, this one included
        # (display_server/screen_file.py keeps it): what the remote desks' views say.
        self.screens_everywhere: dict[str, int] = {}
        # Called on the loop after each batch of events: the staff consoles' views.
        self.listeners: set[Callable[[], None]] = set()
        # Called on the tail thread as soon as it read new events, before the loop hears of
        # them: what must not wait behind a busy loop (the webhooks' delivery). Thread-safe.
        self.tail_listeners: list[Callable[[], None]] = []
        self.delivery: Delivery
        self.phone_round: asyncio.Task[None] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watch: LogWatch | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.announcer: Announcer | None = None  # the server's voice, when it has one
        self._moved = asyncio.Event()  # set, and replaced, after each batch of events
        self.fault: str | None = None  # the code of why the tail's last look failed (/healthz)

    async def start(self) -> None:
        """Load the line, refill the journal from the log's tail, start tailing."""
        self._loop = asyncio.get_running_loop()
        line = await asyncio.to_thread(Line.load, self.store)
        self.delivery = Delivery(line, self._fresh_line, self.journal_size)
        if self.announcer is not None:
            self.delivery.audio = self.announcer.urls
        refill = min(self.journal_size, REFILL_EVENTS)
        first = max(0, line.seq - refill)
        events = await asyncio.to_thread(self.store.events_since, first, refill)
        self.delivery.refill(events, first)
        self._watch = self.store.watch(POLL_S)
        self._thread = threading.Thread(target=self._tail, name="log-tail", daemon=True)
        self._thread.start()

    def look_now(self) -> None:
        """This process just committed (a staff command): the tail looks at once, without
        waiting for the files' change notice, which a commit can outrun."""
        if self._watch is not None:
            self._watch.wake()

    async def knows(self, token: str) -> None:
        """Wait, briefly, until the line holds a ticket the database already has: its issue is
        committed and the tail has not read it yet. A phone opened at that moment is told its
        place, not an unknown one."""
        self.look_now()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CATCH_UP_S
        while self.line.ticket_by_token(token) is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            with suppress(TimeoutError):
                await asyncio.wait_for(self._moved.wait(), remaining)

    def stop(self) -> None:
        self._stop.set()
        if self._watch is not None:
            self._watch.wake()
        if self._thread is not None:
            self._thread.join(timeout=2)
        # A tail still inside select() (the join timed out) keeps its descriptors open.
        if self._watch is not None and not (self._thread and self._thread.is_alive()):
            self._watch.close()
            self._watch = None

    @property
    def line(self) -> Line:
        return self.delivery.line

    @property
    def seq(self) -> int:
        return self.delivery.seq

    def new_day(self) -> None:
        """The service day changed: every screen gets the new day's board at once."""
        if self.line.day != self.store.today():
            self._write(self.delivery.new_line(Line.load(self.store)))

    def _fresh_line(self, line: Line) -> Line | None:
        if line.needs_reload or line.day != self.store.today():
            return Line.load(self.store)  # a new day or configuration: rare
        return None

    # -- the tail thread -------------------------------------------------------------------

    def _tail(self) -> None:
        seq = self.seq
        version = -1
        watch = self._watch
        assert watch is not None
        while True:
            watch.pause()
            if self._stop.is_set():
                return
            try:
                current = self.store.data_version()
                # Back, whether or not anything was written meanwhile: /healthz says so.
                self.fault = None
                if current == version:
                    continue
                events = self.store.events_since(seq)
            except QueueError as exc:
                self.fault = exc.code  # the database is away: look again at the next wake
                continue
            version = current
            watch.changed()
            if not events:
                continue
            seq = events[-1].seq
            for listener in self.tail_listeners:
                listener()
            assert self._loop is not None
            try:
                self._loop.call_soon_threadsafe(self.on_events, events)
            except RuntimeError:
                return  # the loop is closed: the server is gone

    # -- on the event loop ----------------------------------------------------------------

    def on_events(self, events: list[Event]) -> None:
        self._write(self.delivery.on_events(events))
        self._moved.set()
        self._moved = asyncio.Event()
        if self.announcer is not None:
            self.announcer.ahead(self.line.board)
        self.tell_listeners()
        if self.delivery.phones_dirty and (self.phone_round is None or self.phone_round.done()):
            self.phone_round = asyncio.get_running_loop().create_task(self._update_phones())

    def tell_listeners(self) -> None:
        """Something the staff views show changed: each listener pushes its view if it did."""
        for listener in list(self.listeners):
            listener()

    async def _update_phones(self) -> None:
        for chunk in self.delivery.phone_round():
            self._write(chunk)
            await asyncio.sleep(0)

    def _write(self, out: Iterable[Out]) -> None:
        screens, phones, limit = self.screens, self.phones, self.send_limit
        for recipient, data in out:
            conns = screens.get(recipient) if isinstance(recipient, ScreenFilter) else None
            if conns is None:
                conns = phones.get(recipient) if isinstance(recipient, int) else None
            if conns:
                fan_out(conns, limit, data)

    # -- joining and leaving ----------------------------------------------------------------

    def join_display(self, conn: ServerConnection, seen: ScreenFilter, since: int | None) -> None:
        """Snapshot (or replay after `since`), then live: all without yielding to the loop."""
        for data in self.delivery.join_display(seen, since):
            fan_out((conn,), self.send_limit, data)
        self.screens.setdefault(seen, set()).add(conn)

    def leave_display(self, conn: ServerConnection, seen: ScreenFilter) -> None:
        self.delivery.leave_display(seen)
        group = self.screens.get(seen)
        if group is not None:
            group.discard(conn)
            if not group:
                del self.screens[seen]

    def join_phone(self, conn: ServerConnection, ticket: Ticket, since: int | None) -> None:
        for data in self.delivery.join_phone(ticket, since):
            fan_out((conn,), self.send_limit, data)
        self.phones.setdefault(ticket.id, set()).add(conn)

    def leave_phone(self, conn: ServerConnection, ticket_id: int) -> None:
        self.delivery.leave_phone(ticket_id)
        group = self.phones.get(ticket_id)
        if group is not None:
            group.discard(conn)
            if not group:
                del self.phones[ticket_id]

    @property
    def display_count(self) -> int:
        return sum(len(g) for g in self.screens.values())

    @property
    def phone_count(self) -> int:
        return sum(len(p) for p in self.phones.values())
