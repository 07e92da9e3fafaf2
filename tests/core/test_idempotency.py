"""A command key runs its operation once: the key commits with the change, or not at all."""

from __future__ import annotations

import uuid

import pytest

from queue_core.errors import QueueError
from queue_core.idempotency import KeyReused, run_once
from queue_core.operations import BY_NAME
from queue_core.registration import issue_ticket
from queue_core.replay import current_tables
from queue_core.staff import Account, add_staff
from queue_core.store import Store

ACTOR = "host:root"


def _nurse(store: Store) -> Account:
    return add_staff(store, "wang", "desk", ("nk1",), "correct horse 42", ACTOR)


def test_the_same_key_twice_calls_one_patient(store: Store) -> None:
    nurse = _nurse(store)
    issue_ticket(store, "nk-pt", ACTOR)
    issue_ticket(store, "nk-pt", ACTOR)
    key = uuid.uuid4().hex
    first = run_once(store, key, BY_NAME["call_next"], {"desk": "nk1"}, nurse)
    seq = store.last_seq()
    again = run_once(store, key, BY_NAME["call_next"], {"desk": "nk1"}, nurse)
    assert again == first and store.last_seq() == seq
    called = [e for e in store.events_since(0) if e.type.value == "call"]
    assert [(e.ticket, e.actor) for e in called] == [("A001", "staff:wang")]


def test_a_refusal_stores_no_key_and_writes_nothing(store: Store) -> None:
    nurse = _nurse(store)
    key = uuid.uuid4().hex
    seq = store.last_seq()
    with store.read() as conn:
        before = current_tables(conn)
    with pytest.raises(QueueError) as refused:
        run_once(store, key, BY_NAME["call_next"], {"desk": "nk1"}, nurse)
    assert refused.value.code == "nobody_waiting"
    with store.read() as conn:
        assert current_tables(conn) == before
        assert conn.execute("SELECT count(*) FROM staff_commands").fetchone()[0] == 0
    assert store.last_seq() == seq
    issue_ticket(store, "nk-pt", ACTOR)
    value = run_once(store, key, BY_NAME["call_next"], {"desk": "nk1"}, nurse)
    assert value["called"]["number"] == "A001"


def test_a_key_used_for_another_operation_is_refused(store: Store) -> None:
    nurse = _nurse(store)
    issue_ticket(store, "nk-pt", ACTOR)
    key = uuid.uuid4().hex
    run_once(store, key, BY_NAME["call_next"], {"desk": "nk1"}, nurse)
    seq = store.last_seq()
    with pytest.raises(KeyReused):
        run_once(store, key, BY_NAME["recall"], {"desk": "nk1"}, nurse)
    assert store.last_seq() == seq
