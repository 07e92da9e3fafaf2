"""Who is told what, and when: the feeds' policy, with no sockets, no event loop, no thread.

Events go in (`on_events`), and out come messages addressed to a recipient group: the screens
sharing one filter (a `ScreenFilter`) or the phones open on one ticket (its id). Each message
is encoded once, whatever the number of connections it goes to; the driver
(display_server/feeds.py) writes it to the connections of its group. Joining gives the messages
a new connection gets first (a snapshot, or the replay after its `since`).

In one step an event goes to the screens, moves the line and `seq`, so a connection joining
never sees one without the other; displays are always told before phones. Positions go to
every phone in rounds of chunks (`phone_round`), and the driver lets newer events in between
two chunks: a call reaches the screens at once, not after thousands of phones.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from display_server import protocol
from display_server.protocol import Message, Public
from queue_core.config import ClinicConfig
from queue_core.estimate import Estimate
from queue_core.events import Event, Why
from queue_core.line import Line
from queue_core.model import Source, Ticket, TicketState
from queue_core.patient import Calls, Eta, LineFacts, place_of, position_reason
from queue_core.screens import ScreenFilter
from queue_core.store import parse_iso

JOURNAL_SIZE = 5_000  # display messages kept for resume; older `since` gets a snapshot
# At start the journal is refilled with at most this many of the log's last events: enough for
# clients to resume across a restart (they were away seconds), while thousands of clients wait
# for the server to take them.
REFILL_EVENTS = 1_000
# Phones updated between two looks at newer events: a call committed during a round waits for
# at most one chunk before it goes to the screens.
FAN_OUT_CHUNK = 100
# An estimate that moved while the place and the number served did not (a visit finished and
# the desk's learned visit length changed) is sent only when its middle moved past this many
# minutes and this share of the last one sent: otherwise every finished visit would message
# every phone of the queue for a step of the range.
ETA_STEP_MIN = 2
ETA_STEP_SHARE = 0.1
# (ahead, now, calls, eta, no_eta, step) last sent to a phone, as told (protocol.told_place):
# far back `ahead` is rounded and neither `now` nor `calls` is there. A plain tuple: a round
# builds and compares one per phone, and the first three are its place.
Shown = tuple[int | None, str | None, Calls | None, Eta | None, str | None, int]
PLACE = slice(0, 3)
Recipient = ScreenFilter | int  # the screens of one filter, or the phones of one ticket id
Out = tuple[Recipient, bytes]


def encode(message: Message) -> bytes:
    return protocol.encode(message).encode()


@dataclass
class Phone:
    """The phones open on one ticket, and what they were last told while it waited."""

    ticket: Ticket
    open: int = 0
    shown: Shown | None = None


@dataclass
class Screens:
    """The TV pages sharing one filter: they receive the very same bytes."""

    open: int = 0
    board: Message | None = None


class Delivery:
    """The state of every feed of one server, and what each change sends to whom."""

    def __init__(
        self,
        line: Line,
        fresh_line: Callable[[Line], Line | None],
        journal_size: int = JOURNAL_SIZE,
    ) -> None:
        """`fresh_line(line)` is asked after each batch of events: a line loaded again when
        `line` cannot follow them (a new day or configuration), else None."""
        self.line = line
        self.config = line.config
        self.fresh_line = fresh_line
        # The audio URLs of a call (display_server/announcer.py), when the server has an engine.
        self.audio: protocol.AudioUrls | None = None
        self.journal: deque[Public] = deque()
        self.journal_size = journal_size
        self.phone_journal: dict[int, list[tuple[int, Message]]] = {}
        self.screens: dict[ScreenFilter, Screens] = {}
        self.phones: dict[int, Phone] = {}
        self.phone_batch: list[Event] = []  # events not yet reflected in a phone round
        self.round_batch: list[Event] | None = None  # the events of the round under way
        self.phones_dirty = False
        self.seq = line.seq
        self.horizon = 0  # a `since` below this may have lost messages: snapshot instead
        facts = line.facts
        alert_ahead = self.config.alert_ahead
        self.alerted = {i for i, ahead in facts.ahead.items() if ahead <= alert_ahead}

    def refill(self, events: Sequence[Event], horizon: int) -> None:
        """The journal from the log's tail at start: events after `horizon` up to the line."""
        self.horizon = horizon
        for event in events:
            if event.seq <= self.line.seq:
                for _ in self._event_messages(event):
                    pass  # nobody is connected yet: only the journals keep what it decides

    # -- events in -----------------------------------------------------------------------------

    def on_events(self, events: Sequence[Event]) -> Iterator[Out]:
        """Every display first, then the phones of the tickets concerned, then the line moves
        (in this same step, so `seq` and the board never disagree), boards and alerts follow;
        positions wait for the next `phone_round`.

        Each message comes out as soon as it is decided, so the driver writes a call to the
        screens before the line and the boards are worked out; the step is whole once the
        iterator is exhausted.
        """
        batch = []
        for event in events:
            if event.seq <= self.seq:
                continue
            self.seq = event.seq
            yield from self._event_messages(event)
            self.line.apply(event)
            batch.append(event)
        if not batch:
            return
        fresh = self.fresh_line(self.line)
        if fresh is not None:
            self.line = fresh
        yield from self._on_change(batch)

    def _event_messages(self, event: Event) -> Iterator[Out]:
        for public in protocol.display_messages(event, self.config, self.audio):
            self._journal(public)
            data = encode(public.message)
            for seen in self.screens:
                if seen.shows(public.desk, public.queues):
                    yield seen, data
        ticket = event.own_ticket()
        if ticket is None:
            return
        phone = self.phones.get(ticket.id)
        if phone is not None:
            phone.ticket = ticket
        for message in protocol.phone_milestones(event, self.config):
            self._phone_journal(ticket.id, message)
            if phone is not None:
                yield ticket.id, encode(message)

    def _on_change(self, batch: list[Event]) -> Iterator[Out]:
        """Changed boards to screens, then alerts; the phones' positions are now due."""
        yield from self._boards()
        facts = self.line.facts
        alert_ahead = self.config.alert_ahead
        soon = {i for i, ahead in facts.ahead.items() if ahead <= alert_ahead}
        for ticket_id in sorted(soon - self.alerted):
            message: Message = {"type": "alert", "seq": facts.seq, "kind": "soon"}
            self._phone_journal(ticket_id, message)
            if ticket_id in self.phones:
                yield ticket_id, encode(message)
        self.alerted = (self.alerted & set(facts.ahead)) | soon
        self.phone_batch.extend(batch)
        if self.round_batch is not None:
            self.round_batch.extend(batch)
        self.phones_dirty = True

    def new_line(self, line: Line) -> Iterator[Out]:
        """A line loaded for a new day, with no event to bring it: the screens' new boards."""
        self.line = line
        return self._boards()

    def _boards(self) -> Iterator[Out]:
        for seen, group in self.screens.items():
            board = protocol.board_message(self.line.board, seen)
            if group.board is None or group.board["board"] != board["board"]:
                group.board = board
                yield seen, encode(board)

    # -- positions to phones -------------------------------------------------------------------

    def phone_round(self) -> Iterator[list[Out]]:
        """Positions to every phone, a chunk at a time; the caller may apply newer events
        between two chunks, and the round folds them in.

        A round first tells the phones whose place (or number served) changed, then those whose
        estimate alone moved: a visit that shifts the day's median moves every estimate of the
        queue, and those thousands of messages must not delay a patient's new place.
        """
        while self.phones_dirty:
            self.phones_dirty = False
            self.round_batch, self.phone_batch = self.phone_batch, []
            estimates: list[tuple[Phone, Shown]] = []
            yield from self._place_pass(list(self.phones.values()), estimates)
            if not self.phones_dirty:
                yield from self._estimate_pass(estimates)
            self.round_batch = None

    def _places(self) -> Places:
        assert self.round_batch is not None
        return Places(
            self.line.facts, self.line.estimates, self.round_batch, self.config.alert_ahead
        )

    def _place_pass(
        self, phones: list[Phone], estimates: list[tuple[Phone, Shown]]
    ) -> Iterator[list[Out]]:
        """Tell each phone its new place; put those whose estimate alone moved (enough to tell)
        into `estimates`, with what they are to be told."""
        for start in range(0, len(phones), FAN_OUT_CHUNK):
            places = self._places()  # the line may have moved since the last chunk
            out: list[Out] = []
            for phone in phones[start : start + FAN_OUT_CHUNK]:
                if not phone.open:
                    continue  # closed during the round
                before = phone.shown
                shown = places.shown(phone.ticket)
                if shown[0] is None or before is None:
                    phone.shown = shown  # not waiting: its milestones told it
                elif shown[PLACE] != before[PLACE]:
                    out.append(self._tell(phone, before, shown, places))
                elif _eta_worth_sending(before, shown):
                    estimates.append((phone, shown))
                # else the phone keeps what it shows: the estimate drifts from that, not a step
            yield out

    def _estimate_pass(self, estimates: list[tuple[Phone, Shown]]) -> Iterator[list[Out]]:
        """The estimates the place pass set aside. It gives way to newer events: what they were
        computed from is then out of date, and the next round works them out again. With none
        set aside it reads nothing: the line's estimates are worked out only for a phone."""
        if not estimates:
            return
        places = self._places()
        for start in range(0, len(estimates), FAN_OUT_CHUNK):
            if start and self.phones_dirty:
                return
            out: list[Out] = []
            for phone, shown in estimates[start : start + FAN_OUT_CHUNK]:
                if phone.open and phone.shown is not None:  # shown: what the phone still shows
                    out.append(self._tell(phone, phone.shown, shown, places))
            yield out

    def _tell(self, phone: Phone, before: Shown, shown: Shown, places: Places) -> Out:
        """One phone's `pos`: one small message of its own."""
        phone.shown = shown
        ahead = shown[0]
        assert ahead is not None  # only waiting tickets are told a place
        number = places.facts.tickets.get(phone.ticket.id, phone.ticket).number
        why = places.reason(number, before[0], ahead)
        return phone.ticket.id, places.encode(shown, why)

    # -- joining and leaving -------------------------------------------------------------------

    def join_display(self, seen: ScreenFilter, since: int | None) -> list[bytes]:
        """What a new screen gets first: a snapshot, or the replay after `since` and the board;
        from then on it is one of the screens of `seen`."""
        group = self.screens.get(seen)
        if group is None:
            group = self.screens[seen] = Screens()
        board = self.line.board
        current = protocol.board_message(board, seen)
        first: list[Message] = []
        if not self.resumable(since):
            clock = protocol.clinic_clock(self.config, board.day)
            first.append({"type": "snapshot", "seq": board.seq, "board": current["board"], **clock})
            since = board.seq
            current_after: list[Message] = []
        else:
            current_after = [current]
        assert since is not None
        replay = [p.message for p in self._after(since) if seen.shows(p.desk, p.queues)]
        group.board = current  # what the screens of `seen` show now: a board is sent on change
        group.open += 1
        return [encode(m) for m in [*first, *replay, *current_after]]

    def leave_display(self, seen: ScreenFilter) -> None:
        group = self.screens.get(seen)
        if group is not None:
            group.open -= 1
            if not group.open:
                del self.screens[seen]

    def join_phone(self, ticket: Ticket, since: int | None) -> list[bytes]:
        """What a phone opening `ticket` gets first: its ticket, or what it missed after
        `since`; from then on it is one of the phones of that ticket."""
        phone = self.phones.get(ticket.id)
        if phone is None:
            phone = self.phones[ticket.id] = Phone(ticket)
        view = self.line.view(phone.ticket)
        alert_ahead = self.config.alert_ahead
        if self.resumable(since):
            assert since is not None
            first = [m for s, m in self.phone_journal.get(ticket.id, []) if s > since]
            if since < self.seq and view.state == TicketState.WAITING.value:
                first.append(protocol.pos_message(view, self.seq, Why.RESUME, alert_ahead))
        else:
            queue = self.config.queue(view.queue)
            name = queue.name if queue else view.queue
            closed = self.line.is_over(ticket.day)
            first = [
                protocol.ticket_message(
                    view,
                    self.seq,
                    name,
                    alert_ahead,
                    ticket.day,
                    closed,
                    _slot(phone.ticket, self.config),
                    self.config.checkin_code_minutes > 0
                    and phone.ticket.source is Source.APPOINTMENT,
                )
            ]
        ahead, now, step = protocol.told_place(view.ahead, view.now, alert_ahead)
        calls = protocol.told_calls(view.calls, step)
        phone.shown = (ahead, now, calls, view.eta, view.no_eta, step)
        phone.open += 1
        return [encode(m) for m in first]

    def leave_phone(self, ticket_id: int) -> None:
        phone = self.phones.get(ticket_id)
        if phone is not None:
            phone.open -= 1
            if not phone.open:
                del self.phones[ticket_id]

    # -- the journals --------------------------------------------------------------------------

    def resumable(self, since: int | None) -> bool:
        return since is not None and self.horizon <= since <= self.seq

    def _journal(self, public: Public) -> None:
        self.journal.append(public)
        while len(self.journal) > self.journal_size:
            self.horizon = self.journal.popleft().seq

    def _phone_journal(self, ticket_id: int, message: Message) -> None:
        entries = self.phone_journal.setdefault(ticket_id, [])
        entries.append((int(message["seq"]), message))
        if entries[0][0] <= self.horizon:
            entries[:] = [(s, m) for s, m in entries if s > self.horizon]

    def _after(self, since: int) -> list[Public]:
        """Journal entries after `since`, oldest first (scanned from the new end)."""
        newer: list[Public] = []
        for public in reversed(self.journal):
            if public.seq <= since:
                break
            newer.append(public)
        newer.reverse()
        return newer


class Places:
    """What one round of phone updates shares: the facts, the estimates, encoded messages."""

    def __init__(
        self,
        facts: LineFacts,
        estimates: dict[int, Estimate],
        batch: Sequence[Event],
        alert_ahead: int,
    ):
        self.facts = facts
        self.alert_ahead = alert_ahead
        self.estimates = estimates
        self.batch = batch
        self.brief = _brief(facts, batch)
        self.texts: dict[tuple[Shown, str], bytes] = {}
        self.subjects = {e.ticket for e in batch}
        self.reasons: dict[bool, str] = {}

    def shown(self, ticket: Ticket) -> Shown:
        """(ahead, now, eta, step) as the phone is told its place; ahead is None unless it
        waits."""
        _, ahead, now, calls, eta, no_eta = place_of(self.facts, ticket, self.estimates)
        if ahead is None:
            return (None, now, calls, None, None, 1)
        told, now, step = protocol.told_place(ahead, now, self.alert_ahead)
        return (told, now, calls if step == 1 else None, eta, no_eta, step)  # told_calls

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
            ahead, now, calls, eta, no_eta, step = shown
            assert ahead is not None
            data = self.texts[shown, why] = protocol.pos_text(
                self.facts.seq, ahead, step, now, calls, eta, no_eta, why
            )
        return data


def _brief(facts: LineFacts, batch: Sequence[Event]) -> LineFacts:
    """The facts with only the batch's own tickets indexed: `position_reason` looks up no other,
    and indexing every ticket by number for each phone was the round's largest cost."""
    ids = {row["id"] for event in batch if (row := event.own_row()) is not None}
    own = {i: facts.tickets[i] for i in ids if i in facts.tickets}
    return LineFacts(
        facts.seq, own, facts.ahead, facts.reasons, facts.now, facts.calls, facts.open_desks, {}
    )


def _eta_worth_sending(before: Shown, shown: Shown) -> bool:
    """Why there is no estimate changed, or the estimate moved enough to tell."""
    sent, eta = before[3], shown[3]
    if sent == eta:
        return before[4] != shown[4]
    if sent is None or eta is None:
        return True
    was, middle = sum(sent) / 2, sum(eta) / 2
    return abs(middle - was) >= max(ETA_STEP_MIN, ETA_STEP_SHARE * was)


def _slot(ticket: Ticket, config: ClinicConfig) -> str | None:
    if ticket.slot_start is None:
        return None
    return f"{parse_iso(ticket.slot_start).astimezone(config.tz):%H:%M}"
