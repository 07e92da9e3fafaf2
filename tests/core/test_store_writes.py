"""`Tx` writes rows with plain INSERT and UPDATE: a number collision is refused, never a
replacement that deletes the ticket holding the number.

A process that runs with the two internal-medicine queues' prefixes swapped (the stored
configuration is older than its own) is the way a number gets taken twice: its next ticket of
one queue gets a number a waiting ticket of the other queue holds.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from queue_core import commands
from queue_core.config import ClinicConfig
from queue_core.errors import NumberTaken, RowConflict
from queue_core.feedback import ticket_by_token
from queue_core.line import read_board
from queue_core.model import Source
from queue_core.registration import issue_ticket, make_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock
from tests.oracle import violations


def swapped(config: ClinicConfig, one: str, other: str) -> ClinicConfig:
    prefixes = {q.id: q.prefix for q in config.queues}
    prefixes[one], prefixes[other] = prefixes[other], prefixes[one]
    return dataclasses.replace(
        config,
        queues=tuple(dataclasses.replace(q, prefix=prefixes[q.id]) for q in config.queues),
    )


def waiting(store: Store, queue: str) -> list[str]:
    view = read_board(store).queue(queue)
    assert view is not None
    return [p.ticket.number for p in view.line]


def test_a_number_held_by_a_waiting_ticket_is_refused_and_that_ticket_stays(
    store: Store, clock: SteppingClock
) -> None:
    issue_ticket(store, "nk-pt", ACTOR, name="张三丰")  # A001
    held = [issue_ticket(store, "nk-zj", ACTOR, name=n) for n in ("李四", "王五")]  # B001, B002
    seq = store.last_seq()
    store.config = swapped(store.config, "nk-pt", "nk-zj")

    with pytest.raises(NumberTaken) as refused:
        issue_ticket(store, "nk-pt", ACTOR, name="赵六")  # nk-pt's next number: B002

    assert refused.value.message == (
        "Ticket number B002 of 2026-11-23 is already held by another ticket; nothing was changed."
    )
    assert store.last_seq() == seq
    assert waiting(store, "nk-zj") == ["B001", "B002"]
    survivor = ticket_by_token(store, held[1].token)
    assert (survivor.number, survivor.name) == ("B002", "王五")
    store.close()
    assert violations(store.path)[0] == []


def test_after_a_refused_number_the_queue_issues_the_same_number_again_once_it_is_free(
    store: Store, clock: SteppingClock
) -> None:
    # The refusal rolled the counter back too: nothing of the refused command remains.
    issue_ticket(store, "nk-zj", ACTOR)  # B001
    original = store.config
    store.config = swapped(original, "nk-pt", "nk-zj")
    with pytest.raises(NumberTaken):
        issue_ticket(store, "nk-pt", ACTOR)
    store.config = original
    assert issue_ticket(store, "nk-pt", ACTOR).number == "A001"


def test_changing_a_ticket_to_a_number_another_holds_is_refused(
    store: Store, clock: SteppingClock
) -> None:
    first = issue_ticket(store, "nk-pt", ACTOR)
    second = issue_ticket(store, "nk-pt", ACTOR)
    with pytest.raises(NumberTaken), store.write() as tx:
        ticket = tx.ticket(second.id)
        ticket.number = first.number
        tx.save_ticket(ticket)
    assert waiting(store, "nk-pt") == ["A001", "A002"]


def test_a_new_ticket_with_a_token_another_holds_is_refused_without_naming_it(
    store: Store, clock: SteppingClock
) -> None:
    first = issue_ticket(store, "nk-pt", ACTOR)
    queue = store.config.queue("nk-pt")
    assert queue is not None
    with pytest.raises(RowConflict) as refused, store.write() as tx:
        ticket = make_ticket(tx, queue, tx.day, Source.WALK_IN)
        ticket.token = first.token
        tx.save_ticket(ticket)
    assert "token" in refused.value.message and first.token not in refused.value.message
    assert waiting(store, "nk-pt") == ["A001"]


def test_every_row_a_command_writes_is_still_in_its_event(
    store: Store, clock: SteppingClock, tmp_path: Path
) -> None:
    # Inserts and updates alike: replaying the log rebuilds the tables (the oracle checks it).
    for _ in range(3):
        issue_ticket(store, "nk-pt", ACTOR)
        clock.advance(minutes=1)
    commands.call_next(store, "nk1", ACTOR)
    commands.skip(store, "nk1", ACTOR)
    commands.requeue(store, "A001", ACTOR)
    commands.call_next(store, "nk2", ACTOR)
    commands.pause(store, "nk1", ACTOR)
    store.close()
    problems, facts = violations(store.path)
    assert problems == [] and facts.tickets == 3
