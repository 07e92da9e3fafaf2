"""The read model: today's line in memory, loaded once and then moved forward by the log.

Every event holds the rows it changed, so a reader loads the day once (`Line.load`) and then
applies the events that follow (`apply`): only the queues an event touched are ordered again,
with the pure rules. The board, each patient's place, the wait estimates and the receipts
of the desks' calls all derive from this one state, for the CLI, the desk consoles, the
display server and the checks alike. A new configuration or another day cannot be followed row
by row: `needs_reload` then says to load again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from queue_core.board import Board, DeskView, QueueView
from queue_core.config import ClinicConfig
from queue_core.estimate import (
    DeskInput,
    Estimate,
    OpenHours,
    ServiceTime,
    estimate_waits,
    learn,
    prior,
)
from queue_core.events import CALLS, UNSPOKEN, Announced, Event, EventType
from queue_core.model import DeskState, Ticket, TicketState
from queue_core.patient import Calls, LineFacts, PatientView, patient_view
from queue_core.rules import Placed, desk_order, order_queue
from queue_core.store import Reader, Store, iso, parse_iso

_BOARD_STATES = (TicketState.WAITING, TicketState.MISSED, TicketState.AWAY)
# A queue's share of the facts: its tickets, their places and their reasons.
Piece = tuple[dict[int, Ticket], dict[int, int], dict[int, str]]
HISTORY_DAYS = 14  # recent days whose finished visits are a desk's prior for today


def _visit_minutes(ticket: Ticket) -> float | None:
    if ticket.state is not TicketState.DONE or not ticket.called_at or not ticket.finished_at:
        return None
    seconds = (
        datetime.fromisoformat(ticket.finished_at) - datetime.fromisoformat(ticket.called_at)
    ).total_seconds()
    return max(seconds, 0.0) / 60


def _clock_minutes(clock: str) -> float:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class Line:
    """Today's tickets and desks; `apply(event)` keeps them equal to the tables."""

    def __init__(
        self,
        config: ClinicConfig,
        seq: int,
        day: str,
        tickets: Iterable[Ticket],
        desks: Iterable[DeskState],
        calls: Iterable[tuple[str, str, int]] = (),
        receipts: dict[int, int] | None = None,
        closed: bool = False,
        desk_calls: Iterable[tuple[str, str, str]] = (),
        at: str | None = None,
        history: dict[str, list[float]] | None = None,
        unspoken: dict[int, int] | None = None,
    ) -> None:
        self.config = config
        self.seq = seq
        self.day = day
        self.closed = closed  # the day's queue was closed (by hand, or at closing time)
        self.needs_reload = False
        # The time the line stands at (its last event's, or the load's): how long each room's
        # patient has been in. None: unknown, each is taken as just called.
        self.at = at
        self.history: dict[str, list[float]] = dict(history or {})  # desk -> recent visits
        queue_ids = [q.id for q in config.queues]
        self.tickets: dict[int, Ticket] = {}
        self.by_token: dict[str, int] = {}  # phone links reconnecting after a restart: no SQL
        self.desks: dict[str, DeskState] = {d.id: d for d in desks}
        self.waiting: dict[str, dict[int, Ticket]] = {q: {} for q in queue_ids}
        self.aside: dict[str, dict[int, Ticket]] = {q: {} for q in queue_ids}  # missed, away
        self.counts: dict[tuple[str, TicketState], int] = {}
        # done ticket id -> (desk, finished_at, minutes): the visits today's estimates learn from
        self.visits: dict[int, tuple[str, str, float]] = {}
        self.called: dict[str, dict[int, tuple[str, int]]] = {}  # queue -> id -> (called_at, id)
        # (desk, number) -> seq of that ticket's latest call or recall there today, and the
        # number of screens that announced each such call.
        self.last_call: dict[tuple[str, str], int] = {(d, n): s for d, n, s in calls}
        self.receipts: dict[int, int] = dict(receipts or {})
        self.unspoken: dict[int, int] = dict(unspoken or {})  # of those, shown but not spoken
        # (desk, queue) -> the number of the desk's latest call from that queue today.
        self.desk_calls: dict[tuple[str, str], str] = {(d, q): n for d, q, n in desk_calls}
        self.orders: dict[str, list[Placed]] = {}
        self.desk_lines: dict[str, list[Placed]] = {}
        self.dirty: set[str] = set(queue_ids)
        self._board: Board | None = None
        self._facts: LineFacts | None = None
        self._services: dict[str, ServiceTime | None] | None = None
        self._estimates: dict[int, Estimate] | None = None
        self._desk_estimates: tuple[int, dict[int, Estimate]] | None = None
        self._last_called: dict[str, str] | None = None
        self._pieces: dict[str, Piece] = {}
        self._pinned: dict[str, dict[int, int]] = {}
        for ticket in tickets:
            self._put(ticket)

    @classmethod
    def load(cls, store: Store, now: datetime | None = None) -> Line:
        """One consistent read: the last seq, today's tickets, the desks, and today's calls
        with their receipts."""
        with store.read() as conn:
            return cls.read(conn, store.config, store.today(now), iso(now or store.now()))

    @classmethod
    def read(cls, conn: Reader, config: ClinicConfig, day: str, at: str) -> Line:
        """The line of `day` as `conn` sees it: a snapshot, or a write transaction's view."""
        seq = int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0])
        # A desk's patient of an earlier day is not today's: the day's close frees the desk.
        rows = conn.execute("SELECT * FROM tickets WHERE day = ?", (day,)).fetchall()
        desks = [DeskState.from_row(dict(r)) for r in conn.execute("SELECT * FROM desks")]
        calls = conn.execute(
            "SELECT desk, ticket, MAX(seq) FROM events WHERE day = ? AND type IN (?, ?)"
            " GROUP BY desk, ticket",
            (day, *CALLS),
        ).fetchall()
        receipts = conn.execute(
            "SELECT call_seq, COUNT(*) FROM receipts WHERE call_seq IN"
            " (SELECT seq FROM events WHERE day = ? AND type IN (?, ?)) GROUP BY call_seq",
            (day, *CALLS),
        ).fetchall()
        unspoken = conn.execute(
            "SELECT json_extract(payload, '$.call_seq'), COUNT(*) FROM events"
            " WHERE day = ? AND type = ? AND json_extract(payload, '$.how') IN (?, ?)"
            " GROUP BY 1",
            (day, EventType.ANNOUNCED.value, *UNSPOKEN),
        ).fetchall()
        closed = conn.execute("SELECT 1 FROM days WHERE day = ?", (day,)).fetchone()
        # Each desk's last call from each queue, by its seq: standard SQL, which takes no bare
        # column from the row holding a MAX.
        desk_calls = conn.execute(
            "SELECT desk, queue, ticket, seq FROM events WHERE seq IN (SELECT MAX(seq)"
            " FROM events WHERE day = ? AND type = ? AND desk IS NOT NULL"
            " AND queue IS NOT NULL GROUP BY desk, queue) ORDER BY desk, queue",
            (day, EventType.CALL.value),
        ).fetchall()
        return cls(
            config,
            seq,
            day,
            (Ticket.from_row(dict(r)) for r in rows),
            desks,
            ((d, n, s) for d, n, s in calls),
            {call_seq: count for call_seq, count in receipts},
            closed is not None,
            ((d, q, n) for d, q, n, _ in desk_calls),
            at,
            _history(conn, day),
            {int(call_seq): count for call_seq, count in unspoken},
        )

    # -- applying the log --------------------------------------------------------------------

    def apply(self, event: Event) -> None:
        """Take the event's changed rows; an event of another day or a new configuration
        cannot be followed row by row, and sets `needs_reload`."""
        if event.seq <= self.seq:
            return
        self.seq = event.seq
        self.at = event.at
        self._board = None
        self._facts = None
        self._estimates = None
        self._desk_estimates = None
        if event.type is EventType.CONFIGURE or event.day != self.day:
            self.needs_reload = True
            return
        for row in event.changed("tickets"):
            self._put(Ticket.from_row(row))
        for row in event.changed("desks"):
            desk = DeskState.from_row(row)
            self.desks[desk.id] = desk
        if event.type in CALLS and event.desk and event.ticket:
            self.last_call[event.desk, event.ticket] = event.seq
            if event.type is EventType.CALL and event.queue:
                self.desk_calls[event.desk, event.queue] = event.ticket
        elif event.type is EventType.ANNOUNCED:
            fact = event.fact()
            assert isinstance(fact, Announced)
            self.receipts[fact.call_seq] = self.receipts.get(fact.call_seq, 0) + 1
            if fact.how in UNSPOKEN:
                self.unspoken[fact.call_seq] = self.unspoken.get(fact.call_seq, 0) + 1
        elif event.type is EventType.DAY_CLOSED and event.payload.get("closed_day") == self.day:
            self.closed = True

    def _put(self, ticket: Ticket) -> None:
        old = self.tickets.get(ticket.id)
        if old is not None:
            self._forget(old)
        self.tickets[ticket.id] = ticket
        self.by_token[ticket.token] = ticket.id
        if ticket.day != self.day:
            return
        queue = ticket.queue
        self.counts[queue, ticket.state] = self.counts.get((queue, ticket.state), 0) + 1
        if queue not in self.waiting:
            return
        if ticket.state is TicketState.WAITING:
            self.waiting[queue][ticket.id] = ticket
        elif ticket.state in _BOARD_STATES:
            self.aside[queue][ticket.id] = ticket
        minutes = _visit_minutes(ticket)
        if minutes is not None and ticket.desk and ticket.finished_at:
            self.visits[ticket.id] = (ticket.desk, ticket.finished_at, minutes)
            self._services = None
        if ticket.called_at:
            self.called.setdefault(queue, {})[ticket.id] = (ticket.called_at, ticket.id)
            self._last_called = None
        # Only a ticket entering, leaving or changing within a line or a missed/away list
        # changes that queue's part of the board (counts are kept apart).
        if ticket.state in _BOARD_STATES:
            self.dirty.add(queue)

    def _forget(self, ticket: Ticket) -> None:
        if ticket.day != self.day:
            return
        queue = ticket.queue
        self.counts[queue, ticket.state] -= 1
        if queue not in self.waiting:
            return
        if ticket.state in _BOARD_STATES:
            self.dirty.add(queue)
        self.waiting[queue].pop(ticket.id, None)
        self.aside[queue].pop(ticket.id, None)
        if self.visits.pop(ticket.id, None) is not None:
            self._services = None
        if self.called.get(queue, {}).pop(ticket.id, None) is not None:
            self._last_called = None

    # -- what readers ask ----------------------------------------------------------------------

    def ticket_by_token(self, token: str) -> Ticket | None:
        """A ticket of today this line holds; None means: ask the database."""
        ticket_id = self.by_token.get(token)
        return None if ticket_id is None else self.tickets[ticket_id]

    def ahead_of(self, ticket_id: int) -> int | None:
        """How many patients are before this waiting ticket: the one answer every surface
        gives (slip, CLI, phone). A pinned ticket counts its place in its desk's line."""
        return self.facts.ahead.get(ticket_id)

    def is_over(self, day: str) -> bool:
        """Whether the queue of `day` has closed: an earlier day, or today once closed."""
        return day < self.day or (day == self.day and self.closed)

    def view(self, ticket: Ticket) -> PatientView:
        """What this ticket's phone shows."""
        return patient_view(self.facts, ticket, self.estimates)

    def receipts_of(self, desk_id: str) -> int:
        """On how many screens the desk's current patient's latest call was announced."""
        call_seq = self._current_call(desk_id)
        return self.receipts.get(call_seq, 0) if call_seq is not None else 0

    def unspoken_of(self, desk_id: str) -> int:
        """Of those screens, how many only showed it (or only chimed): nobody heard the call."""
        call_seq = self._current_call(desk_id)
        return self.unspoken.get(call_seq, 0) if call_seq is not None else 0

    def _current_call(self, desk_id: str) -> int | None:
        desk = self.board.desk(desk_id)
        if desk is None or desk.current is None:
            return None
        return self.last_call.get((desk_id, desk.current.number))

    @property
    def board(self) -> Board:
        """Every desk and queue at `seq`; queues no event touched keep their order."""
        if self._board is not None:
            return self._board
        config = self.config
        for queue_id in self.dirty:
            self.orders[queue_id] = order_queue(self.waiting[queue_id].values(), config)
        desks = []
        for desk in config.desks:
            if desk.id not in self.desk_lines or self.dirty.intersection(desk.queues):
                self.desk_lines[desk.id] = desk_order(desk, self.orders)
                self._pinned.pop(desk.id, None)
            state = self.desks.get(desk.id)
            current = None
            if state is not None and state.current_ticket is not None:
                current = self.tickets.get(state.current_ticket)
            paused = state.paused if state is not None else False
            desks.append(DeskView(desk, current, paused, self.desk_lines[desk.id]))
        queues = []
        for queue in config.queues:
            aside = sorted(self.aside[queue.id].values(), key=lambda t: t.id)
            queues.append(
                QueueView(
                    queue,
                    self.orders[queue.id],
                    [t for t in aside if t.state is TicketState.MISSED],
                    [t for t in aside if t.state is TicketState.AWAY],
                    self.counts.get((queue.id, TicketState.REGISTERED), 0),
                    self.counts.get((queue.id, TicketState.DONE), 0),
                )
            )
        for queue_id in self.dirty:
            self._pieces.pop(queue_id, None)
        self.dirty = set()
        self._board = Board(self.seq, self.day, desks, queues)
        return self._board

    @property
    def services(self) -> dict[str, ServiceTime | None]:
        """Each desk's visit length: its recent days' visits or its queues' typical visit,
        moved by its finished visits of today; None with no basis at all."""
        if self._services is None:
            today: dict[str, list[tuple[str, float]]] = {}
            for desk_id, finished_at, minutes in self.visits.values():
                today.setdefault(desk_id, []).append((finished_at, minutes))
            services: dict[str, ServiceTime | None] = {}
            for desk in self.config.desks:
                typicals = [
                    q.typical_visit_minutes
                    for q in (self.config.queue(i) for i in desk.queues)
                    if q is not None and q.typical_visit_minutes is not None
                ]
                typical = sum(typicals) / len(typicals) if typicals else None
                visits = [m for _, m in sorted(today.get(desk.id, []))]
                start = prior(self.history.get(desk.id, []), typical)
                if start is None and not visits:
                    start = learn(None, [m for _, _, m in sorted(self.visits.values())])
                services[desk.id] = learn(start, visits)
            self._services = services
        return self._services

    @property
    def estimates(self) -> dict[int, Estimate]:
        """Every waiting ticket an open desk will reach: (minutes, low, high) until its call."""
        if self._estimates is None:
            self._estimates = self._waits(None)
        return self._estimates

    def desk_estimates(self, places: int) -> dict[int, Estimate]:
        """At least the estimates of each desk's first `places` waiting tickets, what a desk's
        list shows. Until the whole line's are asked for (the phones' round), the line is
        played forward only as far as those: a console's view does not wait for thousands of
        phones' estimates, and the numbers are the same."""
        if self._estimates is not None:
            return self._estimates
        if self._desk_estimates is None or self._desk_estimates[0] != places:
            wanted = {p.ticket.id for desk in self.board.desks for p in desk.line[:places]}
            self._desk_estimates = places, self._waits(wanted)
        return self._desk_estimates[1]

    def _waits(self, wanted: set[int] | None) -> dict[int, Estimate]:
        board, services = self.board, self.services
        at = parse_iso(self.at) if self.at else None
        desks = []
        coming_back = self._coming_back()
        for desk in board.desks:
            busy = None
            current = desk.current
            if current is not None:
                busy = 0.0
                if at is not None and current.called_at:
                    elapsed = (at - parse_iso(current.called_at)).total_seconds()
                    busy = max(elapsed, 0.0) / 60
            line = [p.ticket.id for p in desk.line]
            for behind, stand_in in coming_back.get(desk.config.id, []):
                line.insert(min(behind, len(line)), stand_in)
            desks.append(
                DeskInput(desk.config.id, services[desk.config.id], desk.paused, busy, line)
            )
        waits = estimate_waits(desks, self._open_hours(at), wanted)
        return {t: e for t, e in waits.items() if t > 0}

    def _coming_back(self) -> dict[str, list[tuple[int, int]]]:
        """Desk -> (places behind the head, stand-in id) of each patient away for tests: they
        come back to that desk `return_behind` places behind the head, ahead of most of its
        line, so the line is played with a stand-in (a negative id) already there."""
        out: dict[str, list[tuple[int, int]]] = {}
        for queue_id, aside in self.aside.items():
            queue = self.config.queue(queue_id)
            for ticket in aside.values():
                desk = ticket.pinned_desk or ticket.desk
                if queue is None or desk is None or ticket.state is not TicketState.AWAY:
                    continue
                out.setdefault(desk, []).append((queue.return_behind, -ticket.id))
        return out

    def _open_hours(self, at: datetime | None) -> OpenHours | None:
        """The configured sessions around the line's time; None without either."""
        if at is None or not self.config.sessions:
            return None
        local = at.astimezone(self.config.tz)
        now = local.hour * 60 + local.minute + local.second / 60
        sessions = tuple(
            (_clock_minutes(begin), _clock_minutes(end)) for begin, end in self.config.sessions
        )
        return OpenHours(now, sessions)

    @property
    def last_called(self) -> dict[str, str]:
        """The number each queue called last today, whatever became of that patient.

        Two calls in the same instant (desks sharing a queue) go to the higher ticket id.
        """
        if self._last_called is None:
            self._last_called = {
                queue: self.tickets[max(calls.values())[1]].number
                for queue, calls in self.called.items()
                if calls
            }
        return self._last_called

    @property
    def facts(self) -> LineFacts:
        """What every phone view needs, rebuilt per touched queue and desk only."""
        if self._facts is not None:
            return self._facts
        board = self.board
        tickets: dict[int, Ticket] = {}
        ahead: dict[int, int] = {}
        reasons: dict[int, str] = {}
        for queue in board.queues:
            piece = self._pieces.get(queue.config.id)
            if piece is None:
                piece = self._pieces[queue.config.id] = _queue_piece(queue)
            tickets.update(piece[0])
            ahead.update(piece[1])
            reasons.update(piece[2])
        for desk in board.desks:
            pinned = self._pinned.get(desk.config.id)
            if pinned is None:
                pinned = self._pinned[desk.config.id] = _pinned_places(desk)
            ahead.update(pinned)
        self._facts = _with_desks(board, tickets, ahead, reasons, self.last_called, self.desk_calls)
        return self._facts


def _history(conn: Reader, day: str) -> dict[str, list[float]]:
    """Each desk's finished visits of the last HISTORY_DAYS days before `day`, in minutes: the
    purge erases who the patients were, not when they were seen."""
    first = (datetime.fromisoformat(day) - timedelta(days=HISTORY_DAYS)).date().isoformat()
    rows = conn.execute(
        "SELECT desk, called_at, finished_at FROM tickets WHERE day >= ? AND day < ?"
        " AND state = ? AND desk IS NOT NULL AND called_at IS NOT NULL"
        " AND finished_at IS NOT NULL",
        (first, day, TicketState.DONE.value),
    ).fetchall()
    history: dict[str, list[float]] = {}
    for desk, called_at, finished_at in rows:
        seconds = (parse_iso(finished_at) - parse_iso(called_at)).total_seconds()
        history.setdefault(desk, []).append(max(seconds, 0.0) / 60)
    return history


def read_board(store: Store, now: datetime | None = None) -> Board:
    """The board as it stands: one consistent read of the day."""
    return Line.load(store, now).board


def _queue_piece(queue: QueueView) -> Piece:
    tickets = {p.ticket.id: p.ticket for p in queue.line}
    ahead = {p.ticket.id: p.position for p in queue.line}
    reasons = {p.ticket.id: p.reason.value for p in queue.line}
    for ticket in [*queue.missed, *queue.away]:
        tickets[ticket.id] = ticket
    return tickets, ahead, reasons


def _pinned_places(desk: DeskView) -> dict[int, int]:
    """A ticket pinned to this desk counts its place in the desk's line, not its queue's."""
    return {
        p.ticket.id: index
        for index, p in enumerate(desk.line)
        if p.ticket.pinned_desk == desk.config.id
    }


def _with_desks(
    board: Board,
    tickets: dict[int, Ticket],
    ahead: dict[int, int],
    reasons: dict[int, str],
    last_called: dict[str, str],
    desk_calls: dict[tuple[str, str], str],
) -> LineFacts:
    """Complete the line's facts with what the desks tell: who is in a room, which desks are open.

    `now` is the queue's ticket in a room; when none is, the queue's last called number.
    """
    latest: dict[str, Ticket] = {}
    open_desks: dict[str, int] = {q.config.id: 0 for q in board.queues}
    calls: dict[str, list[tuple[str, str]]] = {q.config.id: [] for q in board.queues}
    for desk in board.desks:
        for queue_id in desk.config.queues:
            called = desk_calls.get((desk.config.id, queue_id))
            if called is not None and queue_id in calls:
                calls[queue_id].append((desk.config.room, called))
        current = desk.current
        if current is not None:
            tickets[current.id] = current
            best = latest.get(current.queue)
            if best is None or (current.called_at or "") > (best.called_at or ""):
                latest[current.queue] = current
        if not desk.paused:
            for queue_id in desk.config.queues:
                open_desks[queue_id] = open_desks.get(queue_id, 0) + 1
    now = {
        q.config.id: latest[q.config.id].number
        if q.config.id in latest
        else last_called.get(q.config.id)
        for q in board.queues
    }
    rooms = {d.config.id: d.config.room for d in board.desks}
    by_room: dict[str, Calls] = {q: tuple(c) for q, c in calls.items()}
    return LineFacts(board.seq, tickets, ahead, reasons, now, by_room, open_desks, rooms)
