"""The console's side of the staff protocol, frame by frame, without a network."""

from __future__ import annotations

from pathlib import Path

import pytest

from queue_core.config import load_config
from queue_core.console_view import Json, config_to_json
from queue_tui.staff_link import BACKOFF_SECONDS, LinkState, Offline, StaffLink

CONFIG = load_config(Path(__file__).resolve().parents[2] / "sample_data" / "clinic.toml")
WATCH = {"type": "watch", "view": "desk", "desk": "nk1"}
SESSION = {"type": "session", "token": "T1", "user": "wang", "role": "desk", "desks": ["nk1"]}


def connected() -> StaffLink:
    link = StaffLink("wang", "secret", WATCH, device="desk-pc-3")
    link.opened()
    link.received(SESSION)
    return link


def test_first_open_logs_in_and_a_session_starts_the_watch() -> None:
    link = StaffLink("wang", "secret", WATCH, device="desk-pc-3")
    assert link.opened() == [
        {"type": "login", "user": "wang", "password": "secret", "device": "desk-pc-3"}
    ]
    assert link.received(SESSION) == [WATCH]
    assert link.state is LinkState.CONNECTED
    assert link.password == ""  # the session token stands for it from here on


def test_a_reopen_uses_the_session_not_the_password() -> None:
    link = connected()
    link.lost("connection reset", now=100.0)
    assert link.opened() == [{"type": "auth", "token": "T1"}]


def test_keys_are_refused_with_the_reason_while_reconnecting() -> None:
    link = connected()
    link.lost("server closed the connection", now=100.0)
    assert link.state is LinkState.RECONNECTING
    with pytest.raises(Offline) as refused:
        link.command("call_next", {"desk": "nk1"})
    assert "server closed the connection" in refused.value.message
    assert not link.pending


def test_a_command_whose_answer_was_lost_goes_again_with_the_same_key() -> None:
    link = connected()
    key, frames = link.command("call_next", {"desk": "nk1"})
    assert frames == [{"type": "command", "id": key, "op": "call_next", "args": {"desk": "nk1"}}]
    link.lost("connection reset", now=100.0)
    link.opened()
    again = link.received(SESSION)
    assert again == [WATCH, frames[0]]
    link.received({"type": "result", "id": key, "ok": True, "value": {"n": 1}})
    link.received({"type": "result", "id": key, "ok": True, "value": {"n": 2}})
    outcome = link.answer(key)
    assert outcome is not None and outcome.value == {"n": 1}
    assert link.answer(key) is None and not link.pending


def test_a_refusal_carries_the_cores_code_and_fields() -> None:
    link = connected()
    key, _ = link.command("recall", {"desk": "nk1"})
    link.received(
        {
            "type": "result",
            "id": key,
            "ok": False,
            "error": {
                "code": "no_current_patient",
                "message": "Desk nk1 has no patient.",
                "desk": "nk1",
            },
        }
    )
    outcome = link.answer(key)
    assert outcome is not None and outcome.error is not None
    assert (outcome.error.code, outcome.error.message) == (
        "no_current_patient",
        "Desk nk1 has no patient.",
    )
    assert outcome.error.params == {"desk": "nk1"}


def test_backoff_grows_to_its_ceiling_and_a_session_resets_it() -> None:
    link = connected()
    waits = []
    for _ in range(len(BACKOFF_SECONDS) + 2):
        link.lost("refused", now=0.0)
        waits.append(link.retry_in(0.0))
    assert waits == [*BACKOFF_SECONDS, BACKOFF_SECONDS[-1], BACKOFF_SECONDS[-1]]
    link.opened()
    link.received(SESSION)
    link.lost("refused", now=0.0)
    assert link.retry_in(0.0) == BACKOFF_SECONDS[0]


def test_an_ended_session_is_offline_and_fails_what_was_awaited() -> None:
    link = connected()
    key, _ = link.command("finish", {"desk": "nk1"})
    link.received({"type": "error", "code": "unauthorized", "message": "session revoked"})
    assert (link.state, link.why, link.token) == (LinkState.OFFLINE, "session revoked", None)
    outcome = link.answer(key)
    assert outcome is not None and isinstance(outcome.error, Offline)
    link.lost("closed", now=0.0)
    assert link.state is LinkState.OFFLINE  # no retry mends a revoked session


def _triage(seq: int) -> Json:
    return {"seq": seq, "config": config_to_json(CONFIG), "queues": [], "search": "", "found": []}


def test_an_older_view_never_replaces_a_newer_one() -> None:
    link = connected()
    link.received({"type": "view", "view": "triage", "seq": 7, "data": _triage(7)})
    link.received({"type": "view", "view": "triage", "seq": 5, "data": _triage(5)})
    assert link.view is not None and link.view.seq == 7


def test_a_delta_on_another_base_asks_for_the_whole_view_again() -> None:
    link = connected()
    assert link.received({"type": "delta", "view": "desk", "base": 3, "seq": 4, "data": {}}) == [
        WATCH
    ]
    assert link.view is None


def test_a_forbidden_command_is_refused_and_the_session_stays() -> None:
    link = connected()
    key, _ = link.command("call_next", {"desk": "wk1"})
    link.received({"type": "error", "id": key, "code": "forbidden", "message": "not your desk"})
    outcome = link.answer(key)
    assert outcome is not None and outcome.error is not None
    assert (outcome.error.code, outcome.error.message) == ("forbidden", "not your desk")
    assert link.state is LinkState.CONNECTED


def test_a_refused_login_is_offline_with_the_servers_words() -> None:
    link = StaffLink("wang", "wrong", WATCH)
    link.opened()
    link.received({"type": "error", "code": "login_failed", "message": "wrong user or password"})
    assert (link.state, link.why) == (LinkState.OFFLINE, "wrong user or password")
