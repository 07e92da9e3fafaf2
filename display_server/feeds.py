"""From the event log to every screen and phone: one tail, a replay journal, fan-out.

A single thread tails the log (PRAGMA data_version, then `events_since`), woken by changes to
the database's files (queue_core/log_watch.py) and looking every millisecond while they
change, and hands the events to the event loop. There, in one step, each event goes to the
screens, moves the in-memory line (display_server/line.py) and the hub's `seq`, so a connection
joining (snapshot or replay) never sees one without the other. Displays are always sent before
phones; each distinct message is encoded and framed once (display_server/wire.py) and written
to each of its connections without awaiting.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from websockets.asyncio.server import ServerConnection, broadcast

from display_server import protocol
from display_server.protocol import Message, Public, ScreenFilter, encode
from display_server.wire import fan_out
from queue_core.config import ClinicConfig
from queue_core.events import Event, Why
from queue_core.line import Line
from queue_core.log_watch import POLL_S, LogWatch
from queue_core.model import Ticket, TicketState
from queue_core.patient import LineFacts, estimate_minutes, position_reason
from queue_core.store import Store

JOURNAL_SIZE = 5_000  # display messages kept for resume; older `since` gets a snapshot
# At start the journal is refilled with at most this many of the log's last events: enough for
# clients to resume across a restart (they were away seconds), and reading and re-encoding the
# whole 5,000 took a quarter of a second of the start, while thousands of clients waited.
REFILL_EVENTS = 1_000
# Phones updated between two looks at newer events: a call committed during a round waits for
# at most one chunk (~2 ms) before it goes to the screens.
FAN_OUT_CHUNK = 100
# A client that stops reading (a sleeping phone, a frozen TV) must not hold the server's memory:
# past this much unsent data it is dropped, and resumes with `since` when it wakes up.
SEND_BUFFER_LIMIT = 256 * 1024
# An estimate that moved while the place and the number served did not (a visit finished and
# the median changed) is sent only past this many minutes and this share of the last one sent:
# otherwise every finished visit would message every phone of the queue for a minute or two.
ETA_STEP_MIN = 2
ETA_STEP_SHARE = 0.1
# (ahead, now, eta, step) last sent to a phone: ahead and now as told (protocol.told_place)
Shown = tuple[int | None, str | None, int | None, int]


@dataclass
class Phone:
    """The phones open on one ticket, and what they were last told while it waited."""

    ticket: Ticket
    conns: set[ServerConnection] = field(default_factory=set)
    shown: Shown | None = None


@dataclass
class Screens:
    """The TV pages sharing one filter: they receive the very same bytes."""

    seen: ScreenFilter
    conns: set[ServerConnection] = field(default_factory=set)
    board: Message | None = None


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
        self.phone_batch: list[Event] = []  # events not yet reflected in a phone round
        self.round_batch: list[Event] | None = None  # the events of the round under way
        self.phones_dirty = False
        self.phone_round: asyncio.Task[None] | None = None
        self.seq = 0
        self.horizon = 0  # a `since` below this may have lost messages: snapshot instead
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watch: LogWatch | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.line: Line

    async def start(self) -> None:
        """Load the line, refill the journal from the log's tail, start tailing."""
        self._loop = asyncio.get_running_loop()
        self.line = await asyncio.to_thread(Line.load, self.store)
        refill = min(self.journal_size, REFILL_EVENTS)
        first = max(0, self.line.seq - refill)
        events = await asyncio.to_thread(self.store.events_since, first, refill)
        self.horizon = first
        for event in events:
            if event.seq <= self.line.seq:
                self._event_messages(event)
        self.seq = self.line.seq
        facts = self.line.facts
        self.alerted = {i for i, ahead in facts.ahead.items() if ahead <= self.config.alert_ahead}
        self._watch = LogWatch.open(self.store.path.parent, POLL_S)
        self._thread = threading.Thread(target=self._tail, name="log-tail", daemon=True)
        self._thread.start()

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
            current = self.store.data_version()
            if current == version:
                continue
            version = current
            watch.changed()
            events = self.store.events_since(seq)
            if not events:
                continue
            seq = events[-1].seq
            assert self._loop is not None
            try:
                self._loop.call_soon_threadsafe(self.on_events, events)
            except RuntimeError:
                return  # the loop is closed: the server is gone

    # -- on the event loop ----------------------------------------------------------------

    def on_events(self, events: list[Event]) -> None:
        """Every display first, then the phones of the tickets concerned, then the line moves
        (in this same step, so `seq` and the board never disagree) and the rest follows."""
        batch = []
        for event in events:
            if event.seq <= self.seq:
                continue
            self.seq = event.seq
            self._event_messages(event)
            self.line.apply(event)
            batch.append(event)
        if not batch:
            return
        if self.line.needs_reload or self.line.day != self.store.today():
            self.line = Line.load(self.store)  # a new day or configuration: rare
        self._on_change(batch)

    def _event_messages(self, event: Event) -> None:
        for public in protocol.display_messages(event, self.config):
            self._journal(public)
            text = encode(public.message)
            for group in self.screens.values():
                if group.seen.shows(public.desk, public.queues):
                    fan_out(group.conns, self.send_limit, text)
        ticket = event.own_ticket()
        if ticket is None:
            return
        phone = self.phones.get(ticket.id)
        if phone is not None:
            phone.ticket = ticket
        for message in protocol.phone_milestones(event):
            self._phone_journal(ticket.id, message)
            if phone is not None:
                fan_out(phone.conns, self.send_limit, encode(message))

    def _on_change(self, batch: list[Event]) -> None:
        """Changed boards to screens, then alerts, then a round of positions to phones."""
        for group in self.screens.values():
            self._send_board(group)
        facts = self.line.facts
        alert_ahead = self.config.alert_ahead
        soon = {i for i, ahead in facts.ahead.items() if ahead <= alert_ahead}
        for ticket_id in sorted(soon - self.alerted):
            message: Message = {"type": "alert", "seq": facts.seq, "kind": "soon"}
            self._phone_journal(ticket_id, message)
            phone = self.phones.get(ticket_id)
            if phone is not None:
                fan_out(phone.conns, self.send_limit, encode(message))
        self.alerted = (self.alerted & set(facts.ahead)) | soon
        self.phone_batch.extend(batch)
        if self.round_batch is not None:
            self.round_batch.extend(batch)
        self.phones_dirty = True
        if self.phone_round is None or self.phone_round.done():
            self.phone_round = asyncio.get_running_loop().create_task(self._update_phones())

    async def _update_phones(self) -> None:
        """Positions to every phone, in chunks: newer screen messages never wait behind phones.

        A round first tells the phones whose place (or number served) changed, then those whose
        estimate alone moved: a visit that shifts the day's median moves every estimate of the
        queue, and those thousands of messages must not delay a patient's new place. A change
        that lands during a round starts another one, which folds in whatever was left.
        """
        while self.phones_dirty:
            self.phones_dirty = False
            self.round_batch, self.phone_batch = self.phone_batch, []
            estimates: list[tuple[Phone, Shown]] = []
            await self._place_pass(list(self.phones.values()), estimates)
            if not self.phones_dirty:
                await self._estimate_pass(estimates)
            self.round_batch = None

    def _places(self) -> Places:
        assert self.round_batch is not None
        return Places(self.line.facts, self.line.medians, self.round_batch, self.config.alert_ahead)

    async def _place_pass(self, phones: list[Phone], estimates: list[tuple[Phone, Shown]]) -> None:
        """Tell each phone its new place; put those whose estimate alone moved (enough to tell)
        into `estimates`, with what they are to be told."""
        for start in range(0, len(phones), FAN_OUT_CHUNK):
            if start:
                await asyncio.sleep(0)
            places = self._places()  # the line may have moved during the sleep
            for phone in phones[start : start + FAN_OUT_CHUNK]:
                if not phone.conns:
                    continue  # closed during the round
                before = phone.shown
                shown = places.shown(phone.ticket)
                if shown[0] is None or before is None:
                    phone.shown = shown  # not waiting: its milestones told it
                elif shown[:2] != before[:2]:
                    self._tell(phone, before, shown, places)
                elif _eta_worth_sending(before[2], shown[2]):
                    estimates.append((phone, shown))
                # else the phone keeps what it shows: the estimate drifts from that, not a step

    async def _estimate_pass(self, estimates: list[tuple[Phone, Shown]]) -> None:
        """The estimates the place pass set aside. It gives way to newer events: what they were
        computed from is then out of date, and the next round works them out again."""
        places = self._places()
        for start in range(0, len(estimates), FAN_OUT_CHUNK):
            if start:
                await asyncio.sleep(0)
                if self.phones_dirty:
                    return
            for phone, shown in estimates[start : start + FAN_OUT_CHUNK]:
                if phone.conns and phone.shown is not None:  # shown: what the phone still shows
                    self._tell(phone, phone.shown, shown, places)

    def _tell(self, phone: Phone, before: Shown, shown: Shown, places: Places) -> None:
        """One phone's `pos`: one small message of its own."""
        phone.shown = shown
        ahead = shown[0]
        assert ahead is not None  # only waiting tickets are told a place
        number = places.facts.tickets.get(phone.ticket.id, phone.ticket).number
        why = places.reason(number, before[0], ahead)
        fan_out(phone.conns, self.send_limit, places.encode(shown, why))

    def _send_board(self, group: Screens) -> None:
        message = protocol.board_message(self.line.board, group.seen)
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
        board = self.line.board
        current = protocol.board_message(board, seen)
        if not self.resumable(since):
            _send(conn, [{"type": "snapshot", "seq": board.seq, "board": current["board"]}])
            since = board.seq
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
        view = self.line.view(phone.ticket)
        alert_ahead = self.config.alert_ahead
        if self.resumable(since):
            assert since is not None
            missed = [m for s, m in self.phone_journal.get(ticket.id, []) if s > since]
            if since < self.seq and view.state == TicketState.WAITING.value:
                missed.append(protocol.pos_message(view, self.seq, Why.RESUME, alert_ahead))
            _send(conn, missed)
        else:
            queue = self.config.queue(view.queue)
            name = queue.name if queue else view.queue
            _send(conn, [protocol.ticket_message(view, self.seq, name, alert_ahead)])
        ahead, now, step = protocol.told_place(view.ahead, view.now, alert_ahead)
        phone.shown = (ahead, now, view.eta, step)
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


class Places:
    """What one round of phone updates shares: the facts, the estimates, encoded messages."""

    def __init__(
        self, facts: LineFacts, medians: dict[str, float], batch: Sequence[Event], alert_ahead: int
    ):
        self.facts = facts
        self.alert_ahead = alert_ahead
        self.medians = medians
        self.batch = batch
        self.brief = _brief(facts, batch)
        self.texts: dict[tuple[Shown, str], bytes] = {}
        self.subjects = {e.ticket for e in batch}
        self.reasons: dict[bool, str] = {}

    def shown(self, ticket: Ticket) -> Shown:
        """(ahead, now, eta, step) as `patient_view` computes them and the phone is told them;
        ahead is None unless waiting."""
        facts = self.facts
        current = facts.tickets.get(ticket.id, ticket)
        now = facts.now.get(current.queue)
        if current.state is not TicketState.WAITING:
            return (None, now, None, 1)
        ahead = facts.ahead.get(current.id)
        if ahead is None:
            return (None, now, None, 1)
        median = self.medians.get(current.queue)
        eta = estimate_minutes(ahead, median, facts.open_desks.get(current.queue, 0))
        told, now, step = protocol.told_place(ahead, now, self.alert_ahead)
        return (told, now, eta, step)

    def reason(self, number: str, before: int | None, after: int) -> str:
        """`position_reason`, worked out once for every phone it cannot differ between: those
        not named by the batch whose place did not grow (a place that grew depends on it)."""
        if number in self.subjects or (before is not None and after > before):
            return position_reason(number, self.batch, before, after, self.brief)
        moved_up = before is not None and after < before
        why = self.reasons.get(moved_up)
        if why is None:
            why = self.reasons[moved_up] = position_reason(
                number, self.batch, before, after, self.brief
            )
        return why

    def encode(self, shown: Shown, why: str) -> bytes:
        """Each distinct `pos` is encoded once, whatever the number of phones it goes to."""
        data = self.texts.get((shown, why))
        if data is None:
            ahead, now, eta, step = shown
            assert ahead is not None
            data = self.texts[shown, why] = protocol.pos_text(
                self.facts.seq, ahead, step, now, eta, why
            )
        return data


def _brief(facts: LineFacts, batch: Sequence[Event]) -> LineFacts:
    """The facts with only the batch's own tickets indexed: `position_reason` looks up no other,
    and indexing every ticket by number for each phone was the round's largest cost."""
    ids = {row["id"] for event in batch if (row := event.own_row()) is not None}
    own = {i: facts.tickets[i] for i in ids if i in facts.tickets}
    return LineFacts(facts.seq, own, facts.ahead, facts.reasons, facts.now, facts.open_desks, {})


def _eta_worth_sending(sent: int | None, eta: int | None) -> bool:
    if sent == eta:
        return False
    if sent is None or eta is None:
        return True
    return abs(eta - sent) >= max(ETA_STEP_MIN, ETA_STEP_SHARE * sent)


def _send(conn: ServerConnection, messages: list[Message]) -> None:
    for message in messages:
        broadcast([conn], encode(message))
