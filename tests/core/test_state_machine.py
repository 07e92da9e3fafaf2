"""Random clinic days on each store (a real SQLite file, a real PostgreSQL database): the rules
and the log hold after every command.

Refusals are part of a day (calling at a paused desk, requeueing a ticket that was never
missed): each must leave the database exactly as it was. Set CLINIC_QUEUE_HYPOTHESIS=long for
a longer search than the one CI runs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from queue_core import commands, corrections
from queue_core.config import load_config
from queue_core.errors import DeskPaused, NobodyWaiting, QueueError
from queue_core.importer import import_appointments
from queue_core.line import read_board
from queue_core.model import Ticket, TicketState
from queue_core.registration import check_in, initialise, issue_ticket
from queue_core.replay import current_tables, replay
from queue_core.rules import Placed, desk_order, order_queue, overtaken_within_caps
from queue_core.store import Store
from tests.conftest import ACTOR, SAMPLE_CONFIG, SteppingClock
from tests.pg import PgServer

# Plays dozens of generated clinic days, each on a database of its own.
pytestmark = pytest.mark.slow

settings.register_profile("clinic-ci", max_examples=40, stateful_step_count=40, deadline=None)
settings.register_profile("clinic-long", max_examples=500, stateful_step_count=80, deadline=None)
PROFILE = settings.get_profile(f"clinic-{os.environ.get('CLINIC_QUEUE_HYPOTHESIS', 'ci')}")

CONFIG = load_config(SAMPLE_CONFIG)
QUEUES = [q.id for q in CONFIG.queues]
DESKS = [d.id for d in CONFIG.desks]
PRIORITIES = [None, None, None, *(p.id for p in CONFIG.priorities)]
NAMES = ["张三丰", "李四", "欧阳娜娜", "John Smith", ""]
REASONS = ["", "  ", "急诊", "staff member", "patient asked"]
APPOINTMENTS = [
    "external_id,name,queue,slot_start,phone,priority,desk",
    "SM1,预约甲,nk-pt,09:00,13800000001,,",
    "SM2,预约乙,nk-pt,09:30,,elderly,",
    "SM3,预约丙,nk-zj,09:00,,,nk-zj",
    "SM4,预约丁,wk,10:00,,,wk2",
    "SM5,预约戊,wk,09:00,,,",
    "SM6,预约己,nk-pt,10:30,,,nk1",
]
T = TypeVar("T")


class ClinicDay(RuleBasedStateMachine):
    """One clinic on one SQLite file, driven by random desk and triage commands."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="clinic-sm-"))
        self.clock = SteppingClock()
        db = self.database()
        initialise(db, CONFIG, ACTOR, now=self.clock()).close()
        self.store = Store.open(db, clock=self.clock)
        his = self.dir / "his.csv"
        his.write_text("\n".join(APPOINTMENTS) + "\n", encoding="utf-8")
        import_appointments(self.store, his, ACTOR)
        self.owners: dict[tuple[str, str], int] = {}

    def database(self) -> Path | str:
        return self.dir / "clinic-queue.db"

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- reading the table straight, without the core's read model --------------------------

    def _tickets(self, *states: str) -> list[Ticket]:
        day = self.store.today()
        marks = ",".join("?" * len(states))
        with self.store.read() as conn:
            rows = conn.execute(
                f"SELECT * FROM tickets WHERE day = ? AND state IN ({marks}) ORDER BY id",
                (day, *states),
            ).fetchall()
        return [Ticket.from_row(dict(r)) for r in rows]

    def _orders(self) -> dict[str, list[Placed]]:
        waiting = self._tickets("waiting")
        return {q: order_queue([t for t in waiting if t.queue == q], CONFIG) for q in QUEUES}

    def _pick(self, index: int, *states: str) -> str:
        """A ticket in one of `states` when there is one, else any of today's (to be refused)."""
        pool = self._tickets(*states) or self._tickets(
            "registered", "waiting", "called", "missed", "away", "done", "cancelled"
        )
        return pool[index % len(pool)].number if pool else "Z999"

    def _attempt(self, action: Callable[[], T]) -> T | QueueError:
        """Run a command; a refusal must change nothing at all."""
        before = self.store.last_seq()
        with self.store.read() as conn:
            tables = current_tables(conn)
        try:
            return action()
        except QueueError as refusal:
            assert self.store.last_seq() == before, refusal.message
            with self.store.read() as conn:
                assert current_tables(conn) == tables, refusal.message
            return refusal

    def _check_reinserted(self, ticket: Ticket, behind: int) -> None:
        """Never nearer the front than `behind`; exactly there when no priority is in play.

        The ticket's own priority class does not move it: a requeue is never to the front.
        """
        order = self._orders()[ticket.queue]
        line = [p.ticket.number for p in order]
        place = line.index(ticket.number)
        reach = max(p.max_ahead for p in CONFIG.priorities)
        assert place <= behind + reach, line
        assert place >= min(behind, len(line) - 1), line
        if not any(p.ticket.priority and p.ticket.id != ticket.id for p in order):
            assert place == min(behind, len(line) - 1), line

    # --- triage -----------------------------------------------------------------------------

    @rule(
        queue=st.sampled_from(QUEUES),
        priority=st.sampled_from(PRIORITIES),
        pin=st.integers(0, 3),
        name=st.sampled_from(NAMES),
    )
    def issue(self, queue: str, priority: str | None, pin: int, name: str) -> None:
        serving = [d.id for d in CONFIG.desks_serving(queue)]
        desk = serving[pin % len(serving)] if pin else None
        self._attempt(
            lambda: issue_ticket(self.store, queue, ACTOR, name=name, priority=priority, desk=desk)
        )

    @rule(index=st.integers(0, 50))
    def check_in(self, index: int) -> None:
        number = self._pick(index, "registered")
        self._attempt(lambda: check_in(self.store, number, ACTOR))

    # --- desks ------------------------------------------------------------------------------

    @rule(desk=st.sampled_from(DESKS))
    def call_next(self, desk: str) -> None:
        config = CONFIG.desk(desk)
        assert config is not None
        expected = desk_order(config, self._orders())
        outcome = self._attempt(lambda: commands.call_next(self.store, desk, ACTOR))
        if isinstance(outcome, NobodyWaiting):
            assert expected == []
        elif isinstance(outcome, Ticket):
            assert outcome.number == expected[0].ticket.number
        else:
            assert isinstance(outcome, DeskPaused), outcome

    @rule(desk=st.sampled_from(DESKS), index=st.integers(0, 50), reason=st.sampled_from(REASONS))
    def call_out_of_turn(self, desk: str, index: int, reason: str) -> None:
        number = self._pick(index, "waiting", "missed")
        outcome = self._attempt(
            lambda: commands.call_ticket(self.store, desk, number, reason, ACTOR)
        )
        if isinstance(outcome, Ticket):
            event = self.store.events_since(self.store.last_seq() - 1)[0]
            assert (event.type, event.ticket, event.reason) == ("call", number, reason.strip())
            assert event.payload["out_of_turn"] is True

    @rule(desk=st.sampled_from(DESKS))
    def recall(self, desk: str) -> None:
        self._attempt(lambda: commands.recall(self.store, desk, ACTOR))

    @rule(desk=st.sampled_from(DESKS))
    def skip(self, desk: str) -> None:
        self._attempt(lambda: commands.skip(self.store, desk, ACTOR))

    @rule(desk=st.sampled_from(DESKS))
    def finish(self, desk: str) -> None:
        self._attempt(lambda: commands.finish(self.store, desk, ACTOR))

    @rule(index=st.integers(0, 50))
    def requeue(self, index: int) -> None:
        number = self._pick(index, "missed")
        outcome = self._attempt(lambda: commands.requeue(self.store, number, ACTOR))
        if isinstance(outcome, Ticket):
            queue = CONFIG.queue(outcome.queue)
            assert queue is not None
            self._check_reinserted(outcome, queue.requeue_behind)

    @rule(desk=st.sampled_from(DESKS))
    def send_away(self, desk: str) -> None:
        outcome = self._attempt(lambda: commands.send_away(self.store, desk, ACTOR))
        if isinstance(outcome, Ticket):
            assert (outcome.state, outcome.desk) == (TicketState.AWAY, desk)

    @rule(index=st.integers(0, 50))
    def come_back(self, index: int) -> None:
        number = self._pick(index, "away")
        outcome = self._attempt(lambda: commands.come_back(self.store, number, ACTOR))
        if isinstance(outcome, Ticket):
            queue = CONFIG.queue(outcome.queue)
            assert queue is not None
            self._check_reinserted(outcome, queue.return_behind)

    @rule(
        index=st.integers(0, 50),
        to=st.sampled_from([*QUEUES, *DESKS, "nowhere"]),
        reason=st.sampled_from(REASONS),
    )
    def transfer(self, index: int, to: str, reason: str) -> None:
        number = self._pick(index, "waiting", "called", "missed")
        self._attempt(
            lambda: commands.transfer(
                self.store,
                number,
                commands.transfer_target(CONFIG, to),
                ACTOR,
                reason=reason or None,
            )
        )

    @rule(index=st.integers(0, 50), reason=st.sampled_from(REASONS))
    def cancel(self, index: int, reason: str) -> None:
        number = self._pick(index, "waiting", "registered", "missed", "called")
        self._attempt(lambda: commands.cancel(self.store, number, reason, ACTOR))

    # --- corrections: each needs a reason and puts nobody ahead of where they stood -------------

    @rule(desk=st.sampled_from(DESKS), reason=st.sampled_from(REASONS))
    def reopen(self, desk: str, reason: str) -> None:
        outcome = self._attempt(lambda: corrections.reopen(self.store, desk, reason, ACTOR))
        if isinstance(outcome, Ticket):
            assert reason.strip() and outcome.state is TicketState.CALLED

    @rule(index=st.integers(0, 50), reason=st.sampled_from(REASONS))
    def uncancel(self, index: int, reason: str) -> None:
        number = self._pick(index, "cancelled")
        [before] = [t for t in self._tickets("cancelled") if t.number == number] or [None]
        outcome = self._attempt(lambda: corrections.uncancel(self.store, number, reason, ACTOR))
        if isinstance(outcome, Ticket):
            assert before is not None and reason.strip()
            assert outcome.sort_key == before.sort_key  # its own place, no other
            assert outcome.state is not TicketState.CALLED

    @rule(index=st.integers(0, 50), reason=st.sampled_from(REASONS))
    def undo_away(self, index: int, reason: str) -> None:
        number = self._pick(index, "away")
        [before] = [t for t in self._tickets("away") if t.number == number] or [None]
        outcome = self._attempt(lambda: corrections.undo_away(self.store, number, reason, ACTOR))
        if isinstance(outcome, Ticket):
            assert before is not None and reason.strip()
            assert outcome.sort_key == before.sort_key

    @rule(desk=st.sampled_from(DESKS))
    def pause(self, desk: str) -> None:
        self._attempt(lambda: commands.pause(self.store, desk, ACTOR, reason="停诊"))

    @rule(desk=st.sampled_from(DESKS))
    def resume(self, desk: str) -> None:
        self._attempt(lambda: commands.resume(self.store, desk, ACTOR))

    @rule(minutes=st.sampled_from([1, 2, 5, 10, 30, 15 * 60]))
    def advance_clock(self, minutes: int) -> None:
        """Minutes between commands, and now and then past midnight into the next day."""
        self.clock.advance(minutes=minutes)

    # --- what must always hold --------------------------------------------------------------

    @invariant()
    def numbers_unique_and_never_change_hands(self) -> None:
        with self.store.read() as conn:
            rows = conn.execute("SELECT id, day, number FROM tickets").fetchall()
        seen: set[tuple[str, str]] = set()
        for ticket_id, day, number in rows:
            assert (day, number) not in seen, (day, number)
            seen.add((day, number))
            assert self.owners.setdefault((day, number), ticket_id) == ticket_id

    @invariant()
    def desks_hold_only_called_tickets_once(self) -> None:
        with self.store.read() as conn:
            desks = conn.execute(
                "SELECT id, current_ticket FROM desks WHERE current_ticket IS NOT NULL"
            ).fetchall()
            called = {
                r[0]: (r[1], r[2])
                for r in conn.execute("SELECT id, state, desk FROM tickets WHERE state = 'called'")
            }
        current = [row[1] for row in desks]
        assert len(current) == len(set(current)), "a ticket is current at two desks"
        for desk, ticket_id in desks:
            assert called.get(ticket_id) == ("called", desk), (desk, ticket_id)
        assert set(called) == set(current), "a called ticket belongs to no desk"

    @invariant()
    def board_order_is_the_rules_order(self) -> None:
        board = read_board(self.store)
        orders = self._orders()
        for queue in board.queues:
            shown = [p.ticket.number for p in queue.line]
            assert shown == [p.ticket.number for p in orders[queue.config.id]]
            assert [p.reason for p in queue.line] == [p.reason for p in orders[queue.config.id]]
            assert overtaken_within_caps(queue.line, CONFIG)

    @invariant()
    def replaying_the_log_rebuilds_the_tables(self) -> None:
        with self.store.read() as conn:
            assert replay(self.store.events_since(0)) == current_tables(conn)
            seqs = [r[0] for r in conn.execute("SELECT seq FROM events ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1))


ClinicDay.TestCase.settings = PROFILE
TestClinicDay = ClinicDay.TestCase


class ClinicDayOnPostgres(ClinicDay):
    """The same days, each on a database of its own on the session's PostgreSQL server."""

    server: PgServer | None = None

    def database(self) -> Path | str:
        assert self.server is not None
        return self.server.fresh_database()


def test_clinic_days_on_postgresql(pg_server: PgServer) -> None:
    ClinicDayOnPostgres.server = pg_server
    run_state_machine_as_test(ClinicDayOnPostgres, settings=PROFILE)
