"""From the event log to every screen and phone: one tail, a replay journal, fan-out.

A single thread tails the log (PRAGMA data_version every few ms, then `events_since`) and reads
the board; everything else happens on the event loop, synchronously, so a connection joining
(snapshot or replay) can never interleave with a live message. Displays are always sent
before phones, and identical messages go out through `broadcast()`.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from dataclasses import dataclass, field

from websockets.asyncio.server import ServerConnection, broadcast

from display_server import protocol
from display_server.protocol import Message, Public, ScreenFilter, encode
from queue_core.board import Board, read_board
from queue_core.config import ClinicConfig
from queue_core.model import Event, Ticket, TicketState
from queue_core.patient import (
    LineFacts,
    PatientView,
    last_called,
    line_facts,
    patient_view,
    position_reason,
    service_minutes,
)
from queue_core.store import Store

POLL_S = 0.003
JOURNAL_SIZE = 5_000  # display messages kept for resume; older `since` gets a snapshot
FAN_OUT_CHUNK = 500  # phones updated between two looks at newer events (screens go first)
# A client that stops reading (a sleeping phone, a frozen TV) must not hold the server's memory:
# past this much unsent data it is dropped, and resumes with `since` when it wakes up.
SEND_BUFFER_LIMIT = 256 * 1024


@dataclass
class Phone:
    """The phones open on one ticket, and what they were last told."""

    ticket: Ticket
    conns: set[ServerConnection] = field(default_factory=set)
    last: PatientView | None = None


@dataclass
class Screens:
    """The TV pages sharing one filter: they receive the very same bytes."""

    seen: ScreenFilter
    conns: set[ServerConnection] = field(default_factory=set)
    board: Message | None = None


@dataclass(frozen=True)
class State:
    board: Board
    medians: dict[str, float]
    last_called: dict[str, str]


def read_state(store: Store) -> State:
    board = read_board(store)
    with store.read() as conn:
        return State(board, service_minutes(conn, board.day), last_called(conn, board.day))


class Hub:
    """All live feeds of one server. Its methods run on the event loop, except the tail thread."""

    def __init__(
        self, store: Store, journal_size: int = JOURNAL_SIZE, send_limit: int = SEND_BUFFER_LIMIT
    ) -> None:
        self.store = store
        self.send_limit = send_limit
        self.config: ClinicConfig = store.config
        self.journal: deque[Public] = deque()
        self.journal_size = journal_size
        self.phone_journal: dict[int, list[tuple[int, Message]]] = {}
        self.screens: dict[ScreenFilter, Screens] = {}
        self.phones: dict[int, Phone] = {}
        self.alerted: set[int] = set()
        self.batch: list[Event] = []
        self.phone_batch: list[Event] = []  # events not yet reflected in a phone round
        self.round_batch: list[Event] | None = None  # the events of the round under way
        self.phones_dirty = False
        self.phone_round: asyncio.Task[None] | None = None
        self.seq = 0
        self.horizon = 0  # a `since` below this may have lost messages: snapshot instead
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.state: State
        self.facts: LineFacts

    async def start(self) -> None:
        """Read the current state, refill the journal from the log's tail, start tailing."""
        self._loop = asyncio.get_running_loop()
        state = await asyncio.to_thread(read_state, self.store)
        first = max(0, state.board.seq - self.journal_size)
        events = await asyncio.to_thread(self.store.events_since, first, self.journal_size)
        self.horizon = first
        self.seq = first
        self.on_events([e for e in events if e.seq <= state.board.seq])
        self.seq = state.board.seq
        self.state = state
        self.facts = line_facts(state.board, state.last_called)
        self.alerted = {
            i for i, ahead in self.facts.ahead.items() if ahead <= self.config.alert_ahead
        }
        self.batch = []
        self._thread = threading.Thread(target=self._tail, name="log-tail", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    # -- the tail thread -------------------------------------------------------------------

    def _tail(self) -> None:
        seq = self.seq
        version = -1
        while not self._stop.wait(POLL_S):
            current = self.store.data_version()
            if current == version:
                continue
            version = current
            events = self.store.events_since(seq)
            if not events:
                continue
            self._post(self.on_events, events)
            seq = events[-1].seq
            state = read_state(self.store)
            if state.board.seq > seq:
                extra = [e for e in self.store.events_since(seq) if e.seq <= state.board.seq]
                self._post(self.on_events, extra)
                seq = state.board.seq
            self._post(self.on_state, state)

    def _post(self, handler: object, value: object) -> None:
        assert self._loop is not None
        try:
            self._loop.call_soon_threadsafe(handler, value)  # type: ignore[arg-type]
        except RuntimeError:
            self._stop.set()  # the loop is closed: the server is gone

    # -- on the event loop ----------------------------------------------------------------

    def on_events(self, events: list[Event]) -> None:
        """Event messages: every display first, then the phones of the tickets concerned."""
        for event in events:
            if event.seq <= self.seq:
                continue
            self.seq = event.seq
            self.batch.append(event)
            for public in protocol.display_messages(event, self.config):
                self._journal(public)
                text = encode(public.message)
                for group in self.screens.values():
                    if group.seen.shows(public.desk, public.queues):
                        fan_out(group.conns, self.send_limit, text)
            row = _own_row(event)
            if row is None:
                continue
            ticket = Ticket.from_row(row)
            phone = self.phones.get(ticket.id)
            if phone is not None:
                phone.ticket = ticket
            for message in protocol.phone_milestones(event):
                self._phone_journal(ticket.id, message)
                if phone is not None:
                    fan_out(phone.conns, self.send_limit, encode(message))

    def on_state(self, state: State) -> None:
        """A fresh board: changed boards to screens, then alerts and positions to phones."""
        self.state = state
        self.facts = line_facts(state.board, state.last_called)
        for group in self.screens.values():
            self._send_board(group)
        alert_ahead = self.config.alert_ahead
        soon = {i for i, ahead in self.facts.ahead.items() if ahead <= alert_ahead}
        for ticket_id in sorted(soon - self.alerted):
            message: Message = {"type": "alert", "seq": self.facts.seq, "kind": "soon"}
            self._phone_journal(ticket_id, message)
            phone = self.phones.get(ticket_id)
            if phone is not None:
                fan_out(phone.conns, self.send_limit, encode(message))
        self.alerted = (self.alerted & set(self.facts.ahead)) | soon
        batch, self.batch = self.batch, []
        self.phone_batch.extend(batch)
        if self.round_batch is not None:
            self.round_batch.extend(batch)
        self.phones_dirty = True
        if self.phone_round is None or self.phone_round.done():
            self.phone_round = asyncio.get_running_loop().create_task(self._update_phones())

    async def _update_phones(self) -> None:
        """Positions to every phone, in chunks: newer screen messages never wait behind phones.

        Each phone gets the newest position when its turn comes; a change that lands during a
        round starts another round for the phones already done (folded, as a resume folds).
        """
        while self.phones_dirty:
            self.phones_dirty = False
            self.round_batch, self.phone_batch = self.phone_batch, []
            for index, ticket_id in enumerate(list(self.phones)):
                if index and index % FAN_OUT_CHUNK == 0:
                    await asyncio.sleep(0)
                phone = self.phones.get(ticket_id)
                if phone is not None:
                    self._update_phone(phone, self.round_batch)
            self.round_batch = None

    def _update_phone(self, phone: Phone, batch: list[Event]) -> None:
        view = patient_view(self.facts, phone.ticket, self.state.medians)
        before = phone.last
        phone.last = view
        if view.state != TicketState.WAITING.value or before is None:
            return
        if (before.ahead, before.now, before.eta) == (view.ahead, view.now, view.eta):
            return
        why = position_reason(view.number, batch, before.ahead, view.ahead, self.facts)
        fan_out(
            phone.conns, self.send_limit, encode(protocol.pos_message(view, self.facts.seq, why))
        )

    def _send_board(self, group: Screens) -> None:
        message = protocol.board_message(self.state.board, group.seen)
        if group.board is not None and group.board["board"] == message["board"]:
            return
        group.board = message
        fan_out(group.conns, self.send_limit, encode(message))

    def _journal(self, public: Public) -> None:
        self.journal.append(public)
        while len(self.journal) > self.journal_size:
            self.horizon = self.journal.popleft().seq

    def _phone_journal(self, ticket_id: int, message: Message) -> None:
        entries = self.phone_journal.setdefault(ticket_id, [])
        entries.append((int(message["seq"]), message))
        if entries[0][0] <= self.horizon:
            entries[:] = [(s, m) for s, m in entries if s > self.horizon]

    def resumable(self, since: int | None) -> bool:
        return since is not None and self.horizon <= since <= self.seq

    # -- joining and leaving ----------------------------------------------------------------

    def join_display(self, conn: ServerConnection, seen: ScreenFilter, since: int | None) -> None:
        """Snapshot (or replay after `since`), then live: all without yielding to the loop."""
        group = self.screens.get(seen)
        if group is None:
            group = self.screens[seen] = Screens(seen)
        current = protocol.board_message(self.state.board, seen)
        if not self.resumable(since):
            _send(
                conn, [{"type": "snapshot", "seq": self.state.board.seq, "board": current["board"]}]
            )
            since = self.state.board.seq
            current_after: list[Message] = []
        else:
            current_after = [current]
        assert since is not None
        replay = [p.message for p in self._after(since) if seen.shows(p.desk, p.queues)]
        _send(conn, [*replay, *current_after])
        group.conns.add(conn)

    def leave_display(self, conn: ServerConnection, seen: ScreenFilter) -> None:
        group = self.screens.get(seen)
        if group is not None:
            group.conns.discard(conn)
            if not group.conns:
                del self.screens[seen]

    def join_phone(self, conn: ServerConnection, ticket: Ticket, since: int | None) -> None:
        phone = self.phones.get(ticket.id)
        if phone is None:
            phone = self.phones[ticket.id] = Phone(ticket)
        view = patient_view(self.facts, phone.ticket, self.state.medians)
        if self.resumable(since):
            assert since is not None
            missed = [m for s, m in self.phone_journal.get(ticket.id, []) if s > since]
            if since < self.seq and view.state == TicketState.WAITING.value:
                missed.append(protocol.pos_message(view, self.seq, "resume"))
            _send(conn, missed)
        else:
            queue = self.config.queue(view.queue)
            name = queue.name if queue else view.queue
            _send(conn, [protocol.ticket_message(view, self.seq, name, self.config.alert_ahead)])
        phone.last = view
        phone.conns.add(conn)

    def leave_phone(self, conn: ServerConnection, ticket_id: int) -> None:
        phone = self.phones.get(ticket_id)
        if phone is not None:
            phone.conns.discard(conn)
            if not phone.conns:
                del self.phones[ticket_id]

    def _after(self, since: int) -> list[Public]:
        """Journal entries after `since`, oldest first (scanned from the new end)."""
        newer: list[Public] = []
        for public in reversed(self.journal):
            if public.seq <= since:
                break
            newer.append(public)
        newer.reverse()
        return newer

    @property
    def display_count(self) -> int:
        return sum(len(g.conns) for g in self.screens.values())

    @property
    def phone_count(self) -> int:
        return sum(len(p.conns) for p in self.phones.values())


def _own_row(event: Event) -> dict[str, object] | None:
    """The event's own ticket row; rows logged before a column existed read it as empty."""
    for row in event.payload.get("changes", {}).get("tickets", []):
        if row.get("number") == event.ticket:
            return {f: row.get(f) for f in Ticket.ROW_FIELDS}
    return None


def fan_out(conns: set[ServerConnection], limit: int, text: str) -> None:
    """`broadcast()` has no backpressure: a peer `limit` bytes behind is dropped, not fed."""
    behind = [c for c in conns if c.transport.get_write_buffer_size() > limit]
    for conn in behind:
        conn.transport.abort()  # a close frame would wait behind the unread data forever
    broadcast(conns.difference(behind) if behind else conns, text)


def _send(conn: ServerConnection, messages: list[Message]) -> None:
    for message in messages:
        broadcast([conn], encode(message))
