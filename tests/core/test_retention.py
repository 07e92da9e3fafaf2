"""Personal data over time: after a purge, what identified the patients of the days past the
retention is gone from the tables, the log and the file's bytes; the audit and the counts stay."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from queue_core import commands
from queue_core.config import ClinicConfig, parse_config
from queue_core.errors import TicketNotFound
from queue_core.events import EventType
from queue_core.feedback import record_presence, ticket_by_token
from queue_core.registration import initialise, issue_ticket
from queue_core.retention import due_through, purge
from queue_core.slips import slip_dir, write_slip
from queue_core.store import Store
from tests.conftest import ACTOR, SAMPLE_CONFIG, SteppingClock
from tests.oracle import violations

NAME = "欧阳锋锐"  # a name nothing else in the file holds
LATE = "慕容复归"
PHONE = "13912344321"


def config_keeping(days: int) -> ClinicConfig:
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    return parse_config(text.replace("[clinic]\n", f"[clinic]\nretention_days = {days}\n", 1))


def clinic(db: Path, clock: SteppingClock, days: int = 0) -> Store:
    initialise(db, config_keeping(days), ACTOR, now=clock()).close()
    return Store.open(db, clock=clock)


def file_bytes(db: Path) -> bytes:
    wal = db.with_name(db.name + "-wal")
    return db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_a_purge_leaves_no_erased_byte_in_the_file_or_its_wal(
    tmp_path: Path, clock: SteppingClock
) -> None:
    db = tmp_path / "clinic-queue.db"
    store = clinic(db, clock)
    first = issue_ticket(store, "nk-pt", ACTOR, name=NAME, phone=PHONE)
    second = issue_ticket(store, "nk-pt", ACTOR, name=LATE, phone="13800001111")
    record_presence(store, second.token, "here")
    commands.call_ticket(store, "nk1", second.number, "emergency", "nurse-wang")
    commands.finish(store, "nk1", "nurse-wang")
    commands.call_next(store, "nk1", "nurse-wang")
    assert NAME.encode() in file_bytes(db) and first.token.encode() in file_bytes(db)
    yesterday = store.today()
    clock.advance(days=1)
    today = issue_ticket(store, "nk-pt", ACTOR, name="王五", phone="13700002222")

    done = purge(store, "admin", slip_dir(db))

    assert (done.first_day, done.last_day, done.tickets, done.compacted) == (
        yesterday,
        yesterday,
        2,
        True,
    )
    raw = file_bytes(db)
    for secret in (NAME, LATE, first.token, second.token, '"phone_last4":"4321"'):
        assert secret.encode() not in raw, secret
    assert today.token.encode() in raw and "王五".encode() in raw  # today's are kept
    with store.read() as conn:
        rows = conn.execute(
            "SELECT name, phone_last4, external_id FROM tickets WHERE day = ?", (yesterday,)
        )
        assert {tuple(r) for r in rows} == {("", "", None)}
    problems, _ = violations(db)
    assert problems == []  # the log still rebuilds the tables
    store.close()


def test_the_audit_of_an_erased_day_still_says_who_called_whom_out_of_turn_and_why(
    tmp_path: Path, clock: SteppingClock
) -> None:
    store = clinic(tmp_path / "clinic-queue.db", clock)
    issue_ticket(store, "nk-pt", ACTOR, name=NAME)
    late = issue_ticket(store, "nk-pt", ACTOR, name=LATE)
    commands.call_ticket(store, "nk1", late.number, "emergency", "nurse-wang")
    before = [
        (e.seq, e.type, e.at, e.actor, e.reason, e.desk, e.queue, e.ticket)
        for e in store.events_since(0)
    ]
    clock.advance(days=1)
    purge(store, "admin", slip_dir(store.path))
    events = store.events_since(0)
    after = [(e.seq, e.type, e.at, e.actor, e.reason, e.desk, e.queue, e.ticket) for e in events]
    assert after[: len(before)] == before
    [call] = [e for e in events if e.type is EventType.CALL]
    assert (call.ticket, call.actor, call.reason, call.payload["out_of_turn"]) == (
        late.number,
        "nurse-wang",
        "emergency",
        True,
    )
    [erased] = [e for e in events if e.type is EventType.PURGE]
    assert (erased.actor, erased.payload["tickets"]) == ("admin", 2)
    with store.read() as conn:
        states = dict(conn.execute("SELECT number, state FROM tickets"))
    assert states == {"A001": "not_seen", late.number: "done"}  # the counts can still be made
    store.close()


def test_an_erased_link_finds_no_ticket_and_takes_no_presence(
    tmp_path: Path, clock: SteppingClock
) -> None:
    store = clinic(tmp_path / "clinic-queue.db", clock)
    ticket = issue_ticket(store, "nk-pt", ACTOR, name=NAME)
    clock.advance(days=1)
    purge(store, "admin", slip_dir(store.path))
    for token in (ticket.token, f"erased:{ticket.id}"):
        with pytest.raises(TicketNotFound):
            ticket_by_token(store, token)
        with pytest.raises(TicketNotFound):
            record_presence(store, token, "here")
    store.close()


def test_days_inside_the_retention_are_kept_and_a_second_purge_changes_nothing(
    tmp_path: Path, clock: SteppingClock
) -> None:
    store = clinic(tmp_path / "clinic-queue.db", clock, days=2)
    ticket = issue_ticket(store, "nk-pt", ACTOR, name=NAME)
    clock.advance(days=2)
    assert due_through(store.config, clock()) < ticket.day
    assert purge(store, "admin", slip_dir(store.path)).first_day is None
    assert ticket_by_token(store, ticket.token).name == NAME
    clock.advance(days=1)
    assert purge(store, "admin", slip_dir(store.path)).tickets == 1
    seq = store.last_seq()
    again = purge(store, "admin", slip_dir(store.path))
    assert (again.first_day, again.last_day, store.last_seq()) == (None, ticket.day, seq)
    store.close()


def test_slips_are_private_and_go_with_their_day(tmp_path: Path, clock: SteppingClock) -> None:
    store = clinic(tmp_path / "clinic-queue.db", clock)
    slips = slip_dir(store.path)
    old = write_slip(slips, store.today(), "A001", "https://h.example/t/secret")
    assert (slips.stat().st_mode & 0o777, old.stat().st_mode & 0o777) == (0o700, 0o600)
    issue_ticket(store, "nk-pt", ACTOR, name=NAME)
    clock.advance(days=1)
    kept = write_slip(slips, store.today(), "A001", "today")
    assert purge(store, "admin", slips).slips == 1
    assert sorted(slips.iterdir()) == [kept]
    store.close()


def test_a_purge_is_not_due_before_its_day_ended(clock: SteppingClock) -> None:
    config = config_keeping(0)
    today = clock().astimezone(config.tz).date()
    assert due_through(config, clock()) == (today - timedelta(days=1)).isoformat()
