"""What screens and phones report counts only when it can be true: a registered screen, a call
it shows that is still its desk's, one status change at a time."""

from __future__ import annotations

import pytest

from queue_core import commands
from queue_core.errors import PresenceTooSoon, ReceiptRefused, ScreenNotRegistered
from queue_core.feedback import (
    PRESENCE_EVERY_S,
    receipts_for,
    record_presence,
    record_receipt,
)
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock


def announced(store: Store) -> list[str]:
    return [e.payload["screen"] for e in store.events_since(0) if e.type == "announced"]


def test_a_receipt_counts_only_from_a_registered_screen(store: Store) -> None:
    issue_ticket(store, "nk-pt", ACTOR, name="张三")
    commands.call_next(store, "nk1", ACTOR)
    call = store.last_seq()
    for made_up in ("tv-19", "screen", "hall "):
        with pytest.raises(ScreenNotRegistered):
            record_receipt(store, call, made_up)
    assert record_receipt(store, call, "hall")
    assert not record_receipt(store, call, "hall")
    assert record_receipt(store, call, "nk-area")
    assert receipts_for(store, call) == 2
    assert announced(store) == ["hall", "nk-area"]


def test_a_receipt_for_a_call_the_screen_does_not_show_is_refused(store: Store) -> None:
    issue_ticket(store, "nk-pt", ACTOR, name="张三")
    commands.call_next(store, "nk1", ACTOR)
    with pytest.raises(ReceiptRefused, match="not shown on wk1-door"):
        record_receipt(store, store.last_seq(), "wk1-door")
    issue_ticket(store, "wk", ACTOR, name="李四")
    commands.call_next(store, "wk2", ACTOR)
    with pytest.raises(ReceiptRefused, match="not shown on nk-area"):
        record_receipt(store, store.last_seq(), "nk-area")
    assert announced(store) == []


def test_a_receipt_for_a_call_the_desk_has_moved_on_from_is_refused(store: Store) -> None:
    for name in ("张三", "李四"):
        issue_ticket(store, "nk-pt", ACTOR, name=name)
    commands.call_next(store, "nk1", ACTOR)
    first = store.last_seq()
    commands.recall(store, "nk1", ACTOR)
    with pytest.raises(ReceiptRefused, match="no longer desk nk1's current call"):
        record_receipt(store, first, "hall")  # the recall replaced it
    recall = store.last_seq()
    commands.finish(store, "nk1", ACTOR)
    with pytest.raises(ReceiptRefused, match="current call"):
        record_receipt(store, recall, "hall")
    commands.call_next(store, "nk1", ACTOR)
    assert record_receipt(store, store.last_seq(), "hall")
    with pytest.raises(ReceiptRefused, match="is not a call"):
        record_receipt(store, 1, "hall")
    assert announced(store) == ["hall"]


def test_presence_again_is_not_a_new_event_and_changes_wait(
    store: Store, clock: SteppingClock
) -> None:
    ticket = issue_ticket(store, "nk-pt", ACTOR, name="张三")
    record_presence(store, ticket.token, "on_my_way")
    for _ in range(50):
        record_presence(store, ticket.token, "on_my_way")
    with pytest.raises(PresenceTooSoon):
        record_presence(store, ticket.token, "here")
    clock.advance(seconds=PRESENCE_EVERY_S)
    assert record_presence(store, ticket.token, "here").presence == "here"
    statuses = [e.payload["status"] for e in store.events_since(0) if e.type == "presence"]
    assert statuses == ["on_my_way", "here"]
