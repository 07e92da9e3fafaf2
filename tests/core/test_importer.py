"""A HIS import is a sync keyed by the HIS's appointment id, all or nothing.

Each test writes the export a HIS would, imports it into a real queue file, and looks at what
the queue then holds (tickets, the board), what the log says, and that the log alone rebuilds
the tables.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from queue_core import commands
from queue_core.closing import close_day
from queue_core.errors import ImportRejected, NumberTaken
from queue_core.events import EventType
from queue_core.his_diff import Kind
from queue_core.importer import RowsRefused, apply, import_appointments, prepare
from queue_core.line import read_board
from queue_core.model import Ticket, TicketState
from queue_core.registration import check_in, issue_ticket
from queue_core.replay import current_tables, replay
from queue_core.store import Store
from tests.conftest import ACTOR, SAMPLE_APPOINTMENTS, SteppingClock
from tests.oracle import violations

HEADER = "external_id,name,queue,slot_start,phone,priority,desk,status"
MORNING_ROWS = [
    "H1,张三丰,nk-pt,09:00,13800000001,,,",
    "H2,李四,nk-pt,09:30,13800000002,,,",
    "H3,王五,wk,10:00,,elderly,,",
    "H4,赵六,nk-zj,10:00,,,nk-zj,",
]


def his(tmp_path: Path, rows: list[str], name: str = "his.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def tickets(store: Store) -> dict[str, Ticket]:
    """Every HIS ticket by its HIS id, as the table holds it."""
    with store.read() as conn:
        rows = conn.execute("SELECT * FROM tickets WHERE external_id IS NOT NULL").fetchall()
    return {r["external_id"]: Ticket.from_row(dict(r)) for r in rows}


def footprint(store: Store) -> tuple[int, int, int]:
    """What an import could leave behind: tickets, counters and the log."""
    with store.read() as conn:
        count = conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        counters = conn.execute("SELECT COUNT(*) FROM counters").fetchone()[0]
    return int(count), int(counters), store.last_seq()


def log_rebuilds_tables(store: Store) -> bool:
    with store.read() as conn:
        return replay(store.events_since(0)) == current_tables(conn)


def test_a_first_import_is_a_sync_into_nothing(store: Store) -> None:
    sync = import_appointments(store, SAMPLE_APPOINTMENTS, ACTOR)
    assert (sync.count(Kind.ADD), sync.plan.unchanged, sync.written) == (200, 0, True)
    assert {t.state for t in tickets(store).values()} == {TicketState.REGISTERED}
    event = store.events_since(0)[-1]
    assert event.type is EventType.IMPORT and event.reason == SAMPLE_APPOINTMENTS.name
    assert (event.payload["added"], event.payload["updated"], event.payload["cancelled"]) == (
        200,
        0,
        0,
    )
    assert len(event.changed("tickets")) == 200
    assert log_rebuilds_tables(store)


def test_numbers_go_out_per_queue_in_slot_order(store: Store, tmp_path: Path) -> None:
    import_appointments(store, his(tmp_path, MORNING_ROWS[::-1]), ACTOR)
    got = {ext: t.number for ext, t in tickets(store).items()}
    assert got == {"H1": "A001", "H2": "A002", "H3": "C001", "H4": "B001"}


def test_the_same_file_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = his(tmp_path, MORNING_ROWS)
    import_appointments(store, path, ACTOR)
    before, rows = footprint(store), tickets(store)
    again = import_appointments(store, path, ACTOR)
    assert (again.plan.changes, again.plan.unchanged) == ([], 4)
    assert footprint(store) == before
    assert tickets(store) == rows


def test_changed_rows_update_tickets_not_yet_checked_in(store: Store, tmp_path: Path) -> None:
    import_appointments(store, his(tmp_path, MORNING_ROWS), ACTOR)
    token = tickets(store)["H1"].token
    changed = [
        "H1,张三丰,nk-pt,10:30,13800000001,,,",  # a later slot
        "H2,李四,nk-pt,09:30,13800000002,pregnant,nk1,",  # priority and a doctor
        "H3,王五,wk,10:00,,elderly,,",
        "H4,赵六,nk-pt,10:00,,,,",  # from the specialist's queue to the general one
    ]
    sync = import_appointments(store, his(tmp_path, changed, "later.csv"), ACTOR)
    assert [c.external_id for c in sync.plan.of(Kind.UPDATE)] == ["H1", "H2", "H4"]
    assert sync.plan.unchanged == 1
    now = tickets(store)
    assert now["H1"].slot_start == "2026-11-23T02:30:00.000000+00:00"
    assert (now["H2"].priority, now["H2"].pinned_desk) == ("pregnant", "nk1")
    assert (now["H4"].queue, now["H4"].number, now["H4"].pinned_desk) == ("nk-pt", "A003", None)
    assert (now["H1"].number, now["H1"].token) == ("A001", token)  # the same ticket, moved
    event = store.events_since(0)[-1]
    assert (event.type, event.payload["updated"], event.payload["unchanged"]) == (
        EventType.IMPORT,
        3,
        1,
    )
    assert {r["external_id"] for r in event.changed("tickets")} == {"H1", "H2", "H4"}
    assert log_rebuilds_tables(store)


def test_a_checked_in_appointment_is_kept_where_it_stands(store: Store, tmp_path: Path) -> None:
    import_appointments(store, his(tmp_path, MORNING_ROWS), ACTOR)
    check_in(store, "A001", ACTOR)
    line = [p.ticket.number for p in read_board(store).queue("nk-pt").line]  # type: ignore[union-attr]
    before = footprint(store)
    moved = ["H1,张三丰,nk-pt,11:00,13800000001,,,", *MORNING_ROWS[1:]]
    sync = import_appointments(store, his(tmp_path, moved), ACTOR)
    [kept] = sync.plan.changes
    assert (kept.kind, kept.where, kept.external_id) == (Kind.KEEP, "line 2", "H1")
    assert kept.detail == "A001 is waiting: the HIS's slot 09:00 → 11:00 not applied"
    assert footprint(store) == before
    assert [p.ticket.number for p in read_board(store).queue("nk-pt").line] == line  # type: ignore[union-attr]


def test_a_cancelled_status_cancels_with_reason_his(store: Store, tmp_path: Path) -> None:
    import_appointments(store, his(tmp_path, MORNING_ROWS), ACTOR)
    check_in(store, "A002", ACTOR)  # waiting, not yet called: cancelled too
    refunded = [
        MORNING_ROWS[0] + "退号",
        MORNING_ROWS[1] + "cancelled",
        *MORNING_ROWS[2:],
    ]
    sync = import_appointments(store, his(tmp_path, refunded), "his-sync")
    assert [c.external_id for c in sync.plan.of(Kind.CANCEL)] == ["H1", "H2"]
    now = tickets(store)
    assert (now["H1"].state, now["H1"].note) == (TicketState.CANCELLED, "HIS")
    assert now["H2"].state is TicketState.CANCELLED
    assert read_board(store).queue("nk-pt").line == []  # type: ignore[union-attr]
    events = store.events_since(0)[-3:]
    assert [(e.type, e.ticket, e.reason, e.actor) for e in events] == [
        (EventType.IMPORT, None, "his.csv", "his-sync"),
        (EventType.CANCEL, "A001", "HIS", "his-sync"),
        (EventType.CANCEL, "A002", "HIS", "his-sync"),
    ]
    assert events[0].payload["cancelled"] == 2 and events[0].changed("tickets") == []
    assert log_rebuilds_tables(store)


def test_a_patient_with_the_doctor_is_never_cancelled_by_the_his(
    store: Store, tmp_path: Path
) -> None:
    import_appointments(store, his(tmp_path, MORNING_ROWS), ACTOR)
    check_in(store, "A001", ACTOR)
    commands.call_next(store, "nk1", ACTOR)
    before = footprint(store)
    refunded = [MORNING_ROWS[0] + "退号", *MORNING_ROWS[1:]]
    sync = import_appointments(store, his(tmp_path, refunded), ACTOR)
    [kept] = sync.plan.changes
    assert kept.kind is Kind.KEEP
    assert kept.detail == "A001 is called at desk nk1: cancelled in the HIS, not here"
    assert footprint(store) == before
    assert read_board(store).desk("nk1").current.number == "A001"  # type: ignore[union-attr]


def test_a_complete_export_cancels_the_appointments_it_lacks(store: Store, tmp_path: Path) -> None:
    tomorrow = "H9,钱七,wk,2026-11-24 09:00,,,,"
    import_appointments(store, his(tmp_path, [*MORNING_ROWS, tomorrow]), ACTOR)
    walk_in = issue_ticket(store, "nk-pt", ACTOR, name="孙八")  # no HIS id: never touched
    without_h2 = [MORNING_ROWS[0], *MORNING_ROWS[2:]]
    partial = import_appointments(store, his(tmp_path, without_h2), ACTOR)
    assert partial.plan.changes == []  # without --complete, a missing row says nothing
    sync = import_appointments(store, his(tmp_path, without_h2), ACTOR, complete=True)
    [cancel] = sync.plan.changes
    assert (cancel.kind, cancel.where, cancel.external_id) == (Kind.CANCEL, None, "H2")
    now = tickets(store)
    assert now["H2"].state is TicketState.CANCELLED
    assert now["H9"].state is TicketState.REGISTERED  # another day than the export's
    assert [p.ticket.number for p in read_board(store).queue("nk-pt").line] == [walk_in.number]  # type: ignore[union-attr]
    assert log_rebuilds_tables(store)


def test_an_appointment_the_his_books_again_is_registered_again(
    store: Store, tmp_path: Path
) -> None:
    path = his(tmp_path, MORNING_ROWS)
    import_appointments(store, path, ACTOR)
    token = tickets(store)["H2"].token
    import_appointments(
        store, his(tmp_path, MORNING_ROWS[:1], "morning-only.csv"), ACTOR, complete=True
    )
    assert tickets(store)["H2"].state is TicketState.CANCELLED
    commands.cancel(store, "A001", "went home", ACTOR)  # staff's own cancellation stays
    sync = import_appointments(store, path, ACTOR, complete=True)
    assert [c.external_id for c in sync.plan.of(Kind.UPDATE)] == ["H2", "H3", "H4"]
    now = tickets(store)
    assert (now["H2"].state, now["H2"].number, now["H2"].token) == (
        TicketState.REGISTERED,
        "A002",
        token,
    )
    assert (now["H1"].state, now["H1"].note) == (TicketState.CANCELLED, "went home")
    assert log_rebuilds_tables(store)


def test_no_appointment_joins_a_closed_day(store: Store, tmp_path: Path) -> None:
    import_appointments(store, his(tmp_path, MORNING_ROWS[:1]), ACTOR)
    close_day(store, "head-nurse")
    before = footprint(store)
    later = [
        MORNING_ROWS[0],
        "H5,迟到,nk-pt,16:00,,,,",  # booked in the HIS after the queue closed
        "H6,昨天,nk-pt,2026-11-22 09:00,,,,",  # yesterday's, never imported
        "H7,明天,nk-pt,2026-11-24 09:00,,,,",  # tomorrow's queue is open
    ]
    sync = import_appointments(store, his(tmp_path, later), ACTOR)
    assert [(c.kind, c.external_id, c.detail) for c in sync.plan.changes] == [
        (Kind.KEEP, "H5", "2026-11-23 is closed: not added"),
        (Kind.KEEP, "H6", "2026-11-22 is closed: not added"),
        (Kind.ADD, "H7", "明*, nk-pt, 2026-11-24 09:00"),
    ]
    assert sync.plan.unchanged == 1  # H1, not seen at the close, stays so
    assert tickets(store)["H1"].state is TicketState.NOT_SEEN
    assert set(tickets(store)) == {"H1", "H7"}
    assert footprint(store)[2] == before[2] + 1
    assert log_rebuilds_tables(store)


def test_the_first_write_of_a_day_closes_the_day_before_it_under_the_import(
    store: Store, tmp_path: Path, clock: SteppingClock
) -> None:
    import_appointments(store, his(tmp_path, MORNING_ROWS[:1]), ACTOR)
    clock.advance(days=1)
    moved = ["H1,张三丰,nk-pt,2026-11-23 11:00,13800000001,,,"]  # yesterday's, moved
    sync = import_appointments(store, his(tmp_path, moved), ACTOR)
    assert [c.kind for c in sync.plan.changes] == []
    assert tickets(store)["H1"].state is TicketState.NOT_SEEN
    assert [e.type for e in store.events_since(0)][-2:] == [EventType.CLOSED, EventType.DAY_CLOSED]


def test_a_morning_of_syncs_leaves_a_sound_file(
    store: Store, tmp_path: Path, clock: SteppingClock
) -> None:
    import_appointments(store, his(tmp_path, MORNING_ROWS), ACTOR)
    check_in(store, "A001", ACTOR)
    commands.call_next(store, "nk1", ACTOR)
    check_in(store, "C001", ACTOR)
    clock.advance(minutes=20)
    later = [
        MORNING_ROWS[0] + "退号",  # with the doctor: kept
        "H2,李四,nk-pt,10:30,13800000002,,,",  # moved
        MORNING_ROWS[2] + "退号",  # waiting: cancelled
        "H5,新约,wk,11:00,,,,",  # new
    ]
    import_appointments(store, his(tmp_path, later), ACTOR, complete=True)  # H4 missing
    import_appointments(store, his(tmp_path, MORNING_ROWS), ACTOR, complete=True)
    problems, facts = violations(store.path)
    assert problems == []
    assert facts.tickets == 5
    states = {ext: t.state for ext, t in tickets(store).items()}
    assert states == {
        "H1": TicketState.CALLED,
        "H2": TicketState.REGISTERED,
        "H3": TicketState.REGISTERED,  # cancelled while waiting, booked again: checks in again
        "H4": TicketState.REGISTERED,  # cancelled as missing, registered again
        "H5": TicketState.CANCELLED,  # missing from the last complete export
    }


def test_every_refused_row_is_listed_once_and_nothing_is_written(
    store: Store, tmp_path: Path
) -> None:
    path = his(
        tmp_path,
        [
            "OK1,好人甲,nk-pt,09:00,13800000001,,,",  # line 2: good
            "BAD1,错科室,ek,9点半,,,,",  # line 3: unknown queue and not a time: one row
            "BAD3,错时段,nk-pt,09:10,,,,",  # line 4: off the 30-minute slots
            "OK1,重复号,nk-pt,09:30,,,,",  # line 5: duplicate external_id
            "BAD5,错优先,nk-pt,10:00,,vip,,",  # line 6: unknown priority
            "BAD6,错诊室,wk,10:00,,,nk1,",  # line 7: desk not serving the queue
            "BAD7,错状态,wk,10:00,,,,maybe",  # line 8: neither booked nor cancelled
            "OK2,好人乙,wk,10:30,,,,",  # line 9: good
        ],
    )
    before = footprint(store)
    with pytest.raises(RowsRefused) as caught:
        import_appointments(store, path, ACTOR)
    refused = {r.where: r.problems for r in caught.value.sync.refused}
    assert list(refused) == [f"line {n}" for n in range(3, 9)]
    assert refused["line 3"] == (
        "unknown queue 'ek'",
        "slot_start '9点半' is not a time (HH:MM) or a date and time (YYYY-MM-DD HH:MM)",
    )
    assert "not on a 30-minute slot boundary" in refused["line 4"][0]
    assert refused["line 5"] == ("external_id 'OK1' appears twice in the file",)
    assert refused["line 6"] == ("unknown priority class 'vip'",)
    assert refused["line 7"] == ("desk 'nk1' does not serve queue 'wk'",)
    assert "neither booked nor cancelled" in refused["line 8"][0]
    assert caught.value.message == (
        f"{path}: 6 rows refused (lines 3, 4, 5, 6, 7, 8); nothing imported."
    )
    assert caught.value.sync.count(Kind.ADD) == 2  # what the good rows would have done
    assert footprint(store) == before


def test_a_missing_column_refuses_the_file(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "nocol.csv"
    path.write_text("external_id,name,queue,phone\nX1,某人,nk-pt,1\n", encoding="utf-8")
    before = footprint(store)
    with pytest.raises(ImportRejected) as caught:
        import_appointments(store, path, ACTOR)
    assert (
        caught.value.message == f"{path}: line 1: missing column(s) slot_start; nothing imported."
    )
    assert footprint(store) == before


def test_json_items_sync_like_csv_rows(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "his.json"
    rows = [
        {"external_id": "J1", "name": "张三丰", "queue": "nk-pt", "slot_start": "09:30",
         "phone": "138 0013 8000", "priority": "elderly"},
        {"external_id": "J2", "name": "李四", "queue": "nk-zj", "slot_start": "2026-11-23 10:00",
         "desk": "nk-zj"},
    ]  # fmt: skip
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    import_appointments(store, path, ACTOR)
    got = tickets(store)
    assert (got["J1"].number, got["J1"].priority, got["J1"].phone_last4) == (
        "A001",
        "elderly",
        "8000",
    )
    assert (got["J2"].number, got["J2"].pinned_desk) == ("B001", "nk-zj")
    rows[1] = {**rows[1], "status": "退号"}
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    sync = import_appointments(store, path, ACTOR)
    assert [(c.kind, c.where) for c in sync.plan.changes] == [(Kind.CANCEL, "item 2")]


def test_what_a_desk_commits_during_the_import_is_taken_into_account(
    store: Store, tmp_path: Path, db_path: Path, clock: SteppingClock
) -> None:
    import_appointments(store, his(tmp_path, MORNING_ROWS), ACTOR)
    moved = ["H1,张三丰,nk-pt,11:00,13800000001,,,", *MORNING_ROWS[1:]]
    prepared = prepare(store, his(tmp_path, moved))
    assert [c.kind for c in prepared.sync.plan.changes] == [Kind.UPDATE]
    desk = Store.open(db_path, clock=clock)  # the triage desk, its own connection
    try:
        check_in(desk, "A001", ACTOR)
    finally:
        desk.close()
    sync = apply(store, prepared, ACTOR)
    assert [c.kind for c in sync.plan.changes] == [Kind.KEEP]
    assert tickets(store)["H1"].state is TicketState.WAITING
    assert tickets(store)["H1"].slot_start == "2026-11-23T01:00:00.000000+00:00"
    assert store.events_since(0)[-1].type is EventType.CHECKIN


def test_a_number_another_ticket_holds_refuses_the_import_naming_it(
    store: Store, tmp_path: Path
) -> None:
    import_appointments(store, his(tmp_path, MORNING_ROWS[:1]), ACTOR)
    raw = sqlite3.connect(store.path)  # a counter set back behind the numbers it gave
    with raw:
        raw.execute("UPDATE counters SET last = 0")
    raw.close()
    before = footprint(store)
    with pytest.raises(NumberTaken) as caught:
        import_appointments(store, his(tmp_path, MORNING_ROWS[1:2]), ACTOR)
    assert caught.value.message == (
        "Ticket number A001 of 2026-11-23 is already held by another ticket; nothing was changed."
    )
    assert footprint(store) == before and set(tickets(store)) == {"H1"}


def test_only_the_last_four_phone_digits_are_stored(store: Store, tmp_path: Path) -> None:
    phone = "13912345678"
    import_appointments(store, his(tmp_path, [f"P1,王五,nk-pt,09:00,{phone},,,"]), ACTOR)
    assert tickets(store)["P1"].phone_last4 == "5678"
    store.close()
    files = [p for p in store.path.parent.iterdir() if p.name.startswith(store.path.name)]
    assert files
    for file in files:
        assert phone.encode() not in file.read_bytes(), file.name
        assert phone[:7].encode() not in file.read_bytes(), file.name
