"""Staff accounts, passwords and sessions: real SQLite files, real scrypt, the audit in the log."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from queue_core.events import EventType
from queue_core.idempotency import run_once
from queue_core.operations import BY_NAME, Role
from queue_core.registration import issue_ticket
from queue_core.retention import purge
from queue_core.staff import (
    add_staff,
    disable_staff,
    list_staff,
    login,
    logout,
    reset_password,
    session_of,
    verify_password,
)
from queue_core.staff_errors import BadStaff, LoginRefused, StaffExists, StaffNotFound
from queue_core.store import Store
from tests.conftest import SteppingClock

PASSWORD = "correct horse 42"


def _log_text(store: Store) -> str:
    with store.read() as conn:
        rows = conn.execute("SELECT type, actor, reason, payload FROM events").fetchall()
    return json.dumps([tuple(r) for r in rows], ensure_ascii=False)


def test_an_added_member_logs_in_and_the_session_says_who(store: Store) -> None:
    add_staff(store, "wang", "desk", ("nk1", "nk2"), PASSWORD, "host:root")
    session = login(store, "wang", PASSWORD, "10.0.0.7", "NK1-PC")
    assert session.token and session.account.role is Role.DESK
    found = session_of(store, session.token)
    assert found is not None and found.account.desks == ("nk1", "nk2")
    assert found.account.actor == "staff:wang"
    [added, logged] = store.events_since(store.last_seq() - 2)
    assert (added.type, added.actor, added.payload["name"]) == (
        EventType.STAFF_ADDED,
        "host:root",
        "wang",
    )
    assert (logged.type, logged.actor, logged.payload["device"]) == (
        EventType.LOGIN,
        "staff:wang",
        "NK1-PC",
    )


def test_neither_password_nor_hash_nor_token_reaches_the_log(store: Store) -> None:
    add_staff(store, "li", "triage", (), PASSWORD, "host:root")
    session = login(store, "li", PASSWORD, "10.0.0.8")
    with pytest.raises(LoginRefused):
        login(store, "li", "guess-123456", "10.0.0.9")
    reset_password(store, "li", "another pass 7", "host:root")
    with store.read() as conn:
        (stored,) = conn.execute("SELECT password FROM staff").fetchone()
        (hashed,) = conn.execute("SELECT count(*) FROM staff_sessions").fetchone()
    text = _log_text(store)
    for secret in (PASSWORD, "guess-123456", "another pass 7", stored, session.token, "scrypt"):
        assert secret not in text
    assert verify_password("another pass 7", stored) and stored.startswith("scrypt$16384$8$1$")
    assert hashed == 0  # the reset ended the session


def test_failed_logins_are_audited_one_message_for_every_cause(store: Store) -> None:
    add_staff(store, "zhao", "admin", (), PASSWORD, "host:root")
    disable_staff(store, "zhao", "host:root")
    refusals = []
    for name, password in (("zhao", PASSWORD), ("zhao", "wrong-password"), ("nobody", "x" * 9)):
        with pytest.raises(LoginRefused) as refused:
            login(store, name, password, "10.0.0.9")
        refusals.append(refused.value.message)
    assert len(set(refusals)) == 1
    failed = [e for e in store.events_since(0) if e.type is EventType.LOGIN_FAILED]
    assert [e.payload["name"] for e in failed] == ["zhao", "zhao", "nobody"]


def test_a_hostile_name_at_login_is_cleaned_for_the_audit(store: Store) -> None:
    with pytest.raises(LoginRefused):
        login(store, "\x1b]52;c;aGk=\x07evil\u202e" + "x" * 500, "p" * 9, "\x1b[31m1.2.3.4")
    [failed] = [e for e in store.events_since(0) if e.type is EventType.LOGIN_FAILED]
    for value in (failed.payload["name"], failed.payload["address"]):
        assert value.isprintable() and "\x1b" not in value and len(value) <= 64


def test_disabling_ends_every_session_and_refuses_new_ones(store: Store) -> None:
    add_staff(store, "sun", "desk", ("wk1",), PASSWORD, "host:root")
    first = login(store, "sun", PASSWORD, "a")
    second = login(store, "sun", PASSWORD, "b")
    assert disable_staff(store, "sun", "host:root") == 2
    assert session_of(store, first.token) is None and session_of(store, second.token) is None
    with pytest.raises(LoginRefused):
        login(store, "sun", PASSWORD, "a")
    assert [a.disabled for a in list_staff(store)] == [True]


def test_a_session_expires_after_the_configured_shift(store: Store, clock: SteppingClock) -> None:
    add_staff(store, "qian", "triage", (), PASSWORD, "host:root")
    session = login(store, "qian", PASSWORD, "a")
    clock.advance(hours=11, minutes=59)
    assert session_of(store, session.token) is not None
    clock.advance(minutes=1)
    assert session_of(store, session.token) is None


def test_logout_ends_the_session(store: Store) -> None:
    add_staff(store, "zhou", "triage", (), PASSWORD, "host:root")
    session = login(store, "zhou", PASSWORD, "a")
    assert logout(store, session.token)
    assert session_of(store, session.token) is None
    assert not logout(store, session.token)


@pytest.mark.parametrize(
    ("name", "role", "desks", "password", "field"),
    [
        ("wang li", "desk", ("nk1",), PASSWORD, "name"),
        ("wang", "doctor", (), PASSWORD, "role"),
        ("wang", "desk", (), PASSWORD, "desks"),
        ("wang", "desk", ("nk9",), PASSWORD, "desks"),
        ("wang", "triage", ("nk1",), PASSWORD, "desks"),
        ("wang", "admin", (), "short", "password"),
    ],
)
def test_bad_accounts_are_refused_naming_the_field(
    store: Store, name: str, role: str, desks: tuple[str, ...], password: str, field: str
) -> None:
    seq = store.last_seq()
    with pytest.raises(BadStaff) as refused:
        add_staff(store, name, role, desks, password, "host:root")
    assert refused.value.params["field"] == field
    assert store.last_seq() == seq and list_staff(store) == []


def test_names_are_unique_and_must_exist_to_change(store: Store) -> None:
    add_staff(store, "wu", "admin", (), PASSWORD, "host:root")
    with pytest.raises(StaffExists):
        add_staff(store, "wu", "admin", (), PASSWORD, "host:root")
    with pytest.raises(StaffNotFound):
        reset_password(store, "zheng", PASSWORD, "host:root")
    with pytest.raises(StaffNotFound):
        disable_staff(store, "zheng", "host:root")


def test_purge_forgets_expired_sessions_and_past_days_command_keys(
    store: Store, clock: SteppingClock, tmp_path: Path
) -> None:
    add_staff(store, "wang", "desk", ("nk1",), PASSWORD, "host:root")
    yesterday = login(store, "wang", PASSWORD, "10.0.0.7", "NK1-PC")
    issue_ticket(store, "nk-pt", "host:root")
    op = BY_NAME["call_next"]
    run_once(store, uuid.uuid4().hex, op, op.parse({"desk": "nk1"}), yesterday.account)
    clock.advance(days=1)
    today = login(store, "wang", PASSWORD, "10.0.0.7", "NK1-PC")
    issue_ticket(store, "nk-pt", "host:root")
    key = uuid.uuid4().hex
    run_once(store, key, op, op.parse({"desk": "nk1"}), today.account)

    done = purge(store, "host:root", tmp_path / "tickets")
    assert (done.sessions, done.keys) == (1, 1)
    assert session_of(store, yesterday.token) is None
    assert session_of(store, today.token) is not None
    with store.read() as conn:
        assert [r[0] for r in conn.execute("SELECT key FROM staff_commands")] == [key]
        assert conn.execute("SELECT count(*) FROM staff_sessions").fetchone()[0] == 1
    again = purge(store, "host:root", tmp_path / "tickets")
    assert (again.sessions, again.keys) == (0, 0)
