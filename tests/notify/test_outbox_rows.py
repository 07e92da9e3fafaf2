"""The outbox is written in the events' transaction, by the rule docs/notifications.md states."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from queue_core import commands
from queue_core.feedback import record_receipt
from queue_core.registration import issue_ticket
from queue_core.retention import purge_due
from queue_core.store import Store
from tests.conftest import ACTOR, SteppingClock
from tests.notify.conftest import notify_config, open_clinic


def rows(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        return [dict(r) for r in conn.execute("SELECT * FROM outbox ORDER BY id")]


def told(store: Store) -> list[tuple[str, str]]:
    return [(r["ticket"], r["kind"]) for r in rows(store)]


def test_each_new_patient_is_told_it_waits_and_the_first_ones_that_they_are_near(
    notify_store: Store,
) -> None:
    for _ in range(5):
        issue_ticket(notify_store, "nk-pt", ACTOR)
    assert told(notify_store) == [
        ("A001", "waiting"),
        ("A001", "ahead"),
        ("A002", "waiting"),
        ("A002", "ahead"),
        ("A003", "waiting"),
        ("A003", "ahead"),
        ("A004", "waiting"),
        ("A004", "ahead"),
        ("A005", "waiting"),
    ]


def test_a_call_tells_the_called_patient_and_the_one_who_reached_alert_ahead(
    notify_store: Store,
) -> None:
    for _ in range(6):
        issue_ticket(notify_store, "nk-pt", ACTOR)
    before = len(rows(notify_store))
    commands.call_next(notify_store, "nk1", ACTOR)
    new = rows(notify_store)[before:]
    assert [(r["ticket"], r["kind"]) for r in new] == [("A001", "called"), ("A005", "ahead")]
    called = json.loads(new[0]["payload"])
    assert called["room"] == "1" and called["queue"] == "nk-pt" and called["ticket"] == "A001"
    assert json.loads(new[1]["payload"])["ahead"] == 3


def test_recall_skip_and_requeue_are_each_one_notification(notify_store: Store) -> None:
    for _ in range(3):
        issue_ticket(notify_store, "nk-pt", ACTOR)
    commands.call_next(notify_store, "nk1", ACTOR)
    before = len(rows(notify_store))
    commands.recall(notify_store, "nk1", ACTOR)
    commands.skip(notify_store, "nk1", ACTOR)
    commands.requeue(notify_store, "A001", ACTOR)
    kinds = [(r["ticket"], r["kind"]) for r in rows(notify_store)[before:]]
    assert kinds == [
        ("A001", "recalled"),
        ("A001", "missed"),
        ("A001", "requeued"),
        ("A001", "ahead"),
    ]


def test_the_payload_carries_no_name_or_phone_unless_configured(
    db_path: Path, tmp_path: Path, clock: SteppingClock
) -> None:
    plain = open_clinic(db_path, notify_config(), clock)
    issue_ticket(plain, "nk-pt", ACTOR, name="张三丰", phone="13800138000")
    text = "".join(r["payload"] for r in rows(plain))
    assert "张" not in text and "8000" not in text and '"name"' not in text
    plain.close()
    config = notify_config(extra="include_name = true\ninclude_phone = true")
    named = open_clinic(tmp_path / "named.db", config, clock)
    issue_ticket(named, "nk-pt", ACTOR, name="张三丰", phone="13800138000")
    payload = json.loads(rows(named)[0]["payload"])
    assert payload["name"] == "张三丰" and payload["phone_last4"] == "8000"
    named.close()


def test_a_webhook_gets_only_the_kinds_it_asks_for(db_path: Path, clock: SteppingClock) -> None:
    store = open_clinic(db_path, notify_config(hook='events = ["called"]'), clock)
    for _ in range(2):
        issue_ticket(store, "nk-pt", ACTOR)
    commands.call_next(store, "nk1", ACTOR)
    assert told(store) == [("A001", "called")]
    store.close()


def test_without_webhooks_no_row_is_written(store: Store) -> None:
    issue_ticket(store, "nk-pt", ACTOR)
    commands.call_next(store, "nk1", ACTOR)
    assert rows(store) == []


def test_a_command_that_fails_leaves_no_notification(notify_store: Store) -> None:
    issue_ticket(notify_store, "nk-pt", ACTOR)
    before = rows(notify_store)
    try:
        with notify_store.write() as tx:
            commands.call_next(notify_store, "nk1", ACTOR)
            assert tx.events[-1].type == "call"
            raise KeyError("the desk PC lost power")
    except KeyError:
        pass
    assert rows(notify_store) == before
    commands.call_next(notify_store, "nk1", ACTOR)
    assert told(notify_store)[len(before) :] == [("A001", "called")]


def test_the_estimate_is_told_again_when_the_expected_call_moves_a_lot_not_as_time_passes(
    db_path: Path, clock: SteppingClock
) -> None:
    text = notify_config().replace(
        'prefix = "A"\n', 'prefix = "A"\ntypical_visit_minutes = 10\n', 1
    )
    store = open_clinic(db_path, text, clock)
    for _ in range(20):
        issue_ticket(store, "nk-pt", ACTOR)
    commands.call_next(store, "nk1", ACTOR)
    commands.call_next(store, "nk2", ACTOR)
    before = len(rows(store))
    for _ in range(2):  # the visits last what was expected: the expected calls stay put
        clock.advance(minutes=10)
        commands.call_next(store, "nk1", ACTOR)
        commands.call_next(store, "nk2", ACTOR)
    assert "estimate" not in [r["kind"] for r in rows(store)[before:]]
    before = len(rows(store))
    commands.pause(store, "nk2", ACTOR)  # one desk for the line: the far end waits twice as long
    moved = [json.loads(r["payload"]) for r in rows(store)[before:]]
    assert {p["kind"] for p in moved} == {"estimate"}
    assert {"A019", "A020"} <= {p["ticket"] for p in moved}
    assert all(p["ahead"] > 3 for p in moved)
    store.close()


def test_a_screens_receipt_moves_nobody_and_tells_nobody(notify_store: Store) -> None:
    for _ in range(6):
        issue_ticket(notify_store, "nk-pt", ACTOR)
    commands.call_next(notify_store, "nk1", ACTOR)
    before = rows(notify_store)
    record_receipt(notify_store, notify_store.last_seq(), "hall")
    assert rows(notify_store) == before
    commands.call_next(notify_store, "nk2", ACTOR)  # and the line is still followed after it
    assert told(notify_store)[len(before) :] == [("A002", "called"), ("A006", "ahead")]


def test_a_days_notifications_are_purged_with_its_personal_data(
    notify_store: Store, clock: SteppingClock
) -> None:
    issue_ticket(notify_store, "nk-pt", ACTOR, name="张三丰")
    clock.advance(days=notify_store.config.retention_days + 2)
    issue_ticket(notify_store, "nk-pt", ACTOR, name="李四")
    today = notify_store.today()
    assert {r["day"] for r in rows(notify_store)} == {"2026-11-23", today}
    assert purge_due(notify_store, ACTOR) is not None
    assert {r["day"] for r in rows(notify_store)} == {today}
