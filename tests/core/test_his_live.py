"""Live HIS requests: one appointment through the file import's own checks, plan and write."""

from __future__ import annotations

import pytest

from queue_core import commands, his_live
from queue_core.errors import QueueError
from queue_core.events import EventType
from queue_core.replay import current_tables
from queue_core.store import Store

HIS = "staff:his"
BOOKING = {"external_id": "HIS7", "name": "李四", "queue": "nk-pt", "slot_start": "09:30"}


def _written(store: Store) -> tuple[int, object]:
    with store.read() as conn:
        return store.last_seq(), current_tables(conn)


def test_a_booking_adds_a_registered_ticket_with_its_link_in_one_import_event(
    store: Store,
) -> None:
    seq = store.last_seq()
    done = his_live.book(store, {**BOOKING, "phone": "13800001234"}, HIS)
    assert (done.result, done.ticket.number, done.ticket.state.value) == (
        "added",
        "A001",
        "registered",
    )
    events = store.events_since(seq)
    assert [(e.type, e.actor) for e in events] == [(EventType.IMPORT, HIS)]
    assert events[0].reason == his_live.SOURCE
    shown = his_live.appointment_json(store, done.ticket)
    assert shown["link"] == f"http://127.0.0.1:8765/t/{done.ticket.token}"
    assert shown["checked_in"] is False and shown["slot_start"] == done.ticket.slot_start


def test_the_same_booking_twice_changes_nothing_and_says_so(store: Store) -> None:
    his_live.book(store, BOOKING, HIS)
    before = _written(store)
    again = his_live.book(store, BOOKING, HIS)
    assert again.result == "unchanged"
    assert _written(store) == before


def test_a_new_slot_updates_the_ticket_until_check_in_then_is_kept(store: Store) -> None:
    his_live.book(store, BOOKING, HIS)
    moved = his_live.book(store, {**BOOKING, "slot_start": "10:00"}, HIS)
    assert moved.result == "updated" and "slot 09:30 → 10:00" in moved.detail
    his_live.check_in(store, "HIS7", HIS)
    before = _written(store)
    with pytest.raises(his_live.Kept) as kept:
        his_live.book(store, {**BOOKING, "slot_start": "11:00"}, HIS)
    assert kept.value.code == "kept" and "not applied" in kept.value.message
    assert _written(store) == before


def test_a_refund_cancels_with_the_his_reason_on_the_event(store: Store) -> None:
    his_live.book(store, BOOKING, HIS)
    seq = store.last_seq()
    done = his_live.cancel(store, "HIS7", "患者退费", HIS)
    assert (done.result, done.ticket.state.value) == ("cancelled", "cancelled")
    sync, event = store.events_since(seq)  # as a file's refund: the import, then its cancel
    assert sync.type is EventType.IMPORT and sync.actor == event.actor == HIS
    assert (event.type, event.reason, event.ticket) == (EventType.CANCEL, "患者退费", "A001")
    assert his_live.cancel(store, "HIS7", "患者退费", HIS).result == "unchanged"
    booked_again = his_live.book(store, BOOKING, HIS)
    assert booked_again.result == "updated" and booked_again.ticket.state.value == "registered"


def test_a_refund_of_a_patient_with_the_doctor_is_kept_writing_nothing(store: Store) -> None:
    his_live.book(store, BOOKING, HIS)
    his_live.check_in(store, "HIS7", HIS)
    commands.call_next(store, "nk1", HIS)
    before = _written(store)
    with pytest.raises(his_live.Kept):
        his_live.cancel(store, "HIS7", "refund", HIS)
    assert _written(store) == before


def test_check_in_from_the_kiosk_enters_the_line_and_a_second_changes_nothing(
    store: Store,
) -> None:
    his_live.book(store, BOOKING, HIS)
    done = his_live.check_in(store, "HIS7", HIS)
    assert (done.result, done.ticket.state.value) == ("checked_in", "waiting")
    before = _written(store)
    assert his_live.check_in(store, "HIS7", HIS).result == "unchanged"
    assert _written(store) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"queue": "nope"}, "queue"),
        ({"queue": ""}, "queue"),
        ({"name": ""}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"slot_start": "09:31"}, "slot_start"),
        ({"slot_start": "tomorrow"}, "slot_start"),
        ({"slot_start": "2062-01-01 09:00"}, "slot_start"),
        ({"phone": "12"}, "phone"),
        ({"priority": "vip"}, "priority"),
        ({"desk": "nowhere"}, "desk"),
        ({"desk": "wk1"}, "desk"),
        ({"external_id": ""}, "external_id"),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_written(
    store: Store, change: dict[str, str], field: str
) -> None:
    before = _written(store)
    with pytest.raises(his_live.BadRequest) as refused:
        his_live.book(store, {**BOOKING, **change}, HIS)
    assert refused.value.code == "bad_request" and refused.value.params["field"] == field
    assert _written(store) == before


def test_unknown_ids_and_empty_reasons_are_refused(store: Store) -> None:
    with pytest.raises(his_live.AppointmentNotFound):
        his_live.check_in(store, "NOPE", HIS)
    his_live.book(store, BOOKING, HIS)
    with pytest.raises(his_live.BadRequest) as refused:
        his_live.cancel(store, "HIS7", "  ", HIS)
    assert refused.value.params["field"] == "reason"
    with pytest.raises(QueueError):
        his_live.find(store, "HIS8")


def test_a_pinned_doctor_and_a_priority_are_taken_as_the_file_takes_them(store: Store) -> None:
    done = his_live.book(store, {**BOOKING, "desk": "nk2", "priority": "elderly"}, HIS)
    assert (done.ticket.pinned_desk, done.ticket.priority) == ("nk2", "elderly")
    moved = his_live.book(store, {**BOOKING, "desk": None, "priority": None}, HIS)
    assert moved.result == "updated" and "desk nk2 → none" in moved.detail
    assert (moved.ticket.pinned_desk, moved.ticket.priority) == (None, None)
    other_queue = his_live.book(store, {**BOOKING, "queue": "wk"}, HIS)
    assert other_queue.ticket.number == "C001"  # a new queue gives that queue's next number
