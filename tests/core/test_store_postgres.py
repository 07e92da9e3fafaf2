"""The write path on PostgreSQL: one clinic's writers take turns on its advisory lock, a
writer that waits past its deadline is told `StoreBusy`, never an engine error, and the seqs
stay 1..N in commit order."""

from __future__ import annotations

import pytest

from queue_core.config import ClinicConfig
from queue_core.errors import StoreBusy
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock


def test_a_writer_kept_waiting_past_its_deadline_is_busy_and_changes_nothing(
    pg_url: str, sample_config: ClinicConfig, clock: SteppingClock
) -> None:
    initialise(pg_url, sample_config, ACTOR, now=clock()).close()
    holder = Store.open(pg_url, clock=clock)
    waiter = Store.open(pg_url, clock=clock, give_up_after_s=0.2)
    try:
        before = waiter.last_seq()
        with holder.write() as tx:
            tx.read.execute("SELECT 1").fetchone()
            with pytest.raises(StoreBusy):
                issue_ticket(waiter, "nk-pt", ACTOR)
        assert waiter.last_seq() == before
        # Once the holder has committed, the waiter's next write goes through, next in line.
        ticket = issue_ticket(waiter, "nk-pt", ACTOR)
        assert ticket.number == "A001"
        assert [e.seq for e in waiter.events_since(0)] == list(range(1, before + 2))
    finally:
        holder.close()
        waiter.close()


def test_a_rolled_back_command_leaves_no_seq_behind(
    pg_url: str, sample_config: ClinicConfig, clock: SteppingClock
) -> None:
    initialise(pg_url, sample_config, ACTOR, now=clock()).close()
    store = Store.open(pg_url, clock=clock)
    try:
        first = issue_ticket(store, "nk-pt", ACTOR)
        with pytest.raises(RuntimeError), store.write() as tx:
            tx.save_ticket(tx.ticket(first.id))
            raise RuntimeError("the command fails after changing a row")
        issue_ticket(store, "nk-pt", ACTOR)
        seqs = [e.seq for e in store.events_since(0)]
        assert seqs == list(range(1, len(seqs) + 1))
    finally:
        store.close()
