"""The role matrix of the staff websocket, walked for every operation of the registry.

No session -> unauthorized; a role the operation does not name, or a desk the member does not
work at -> forbidden; a role it names -> done. A refusal writes nothing: the log's last seq
and every table stay as they were. Real server on port 0, real websocket clients.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from display_server.server import DisplayServer
from display_server.staff import STAFF_PATH
from queue_core import commands, registration
from queue_core.importer import import_appointments
from queue_core.operations import BY_NAME, OPERATIONS, Operation, Role, Scope
from queue_core.replay import current_tables
from queue_core.staff import add_staff
from queue_core.store import Store
from tests.server.conftest import Feed, open_feed

HOST = "host:root"
PASSWORD = "correct horse 42"
# One account per role; the desk-scoped roles work at nk1 (internal medicine, queue nk-pt).
ACCOUNTS: dict[Role, tuple[str, tuple[str, ...]]] = {
    Role.DESK: ("nurse", ("nk1",)),
    Role.TRIAGE: ("triage", ()),
    Role.ADMIN: ("admin", ()),
    Role.INTEGRATION: ("his", ("nk1",)),
    Role.SCREEN: ("tv", ()),
}
OTHER_DESK = ("surgeon", ("wk1",))  # a desk role at another department's desk
Setup = Callable[[Store, Path], dict[str, Any]]


def _waiting(store: Store, _: Path) -> dict[str, Any]:
    registration.issue_ticket(store, "nk-pt", HOST, name="张三丰")
    return {"number": "A001"}


def _in_room(store: Store, tmp: Path) -> dict[str, Any]:
    args = _waiting(store, tmp)
    commands.call_next(store, "nk1", HOST)
    return args


def _then(first: Setup, step: Callable[[Store], object]) -> Setup:
    def setup(store: Store, tmp: Path) -> dict[str, Any]:
        args = first(store, tmp)
        step(store)
        return args

    return setup


def _nothing(store: Store, tmp: Path) -> dict[str, Any]:
    return {}


def _registered(store: Store, tmp: Path) -> dict[str, Any]:
    csv = tmp / "his.csv"
    csv.write_text("external_id,name,queue,slot_start\nHIS1,李四,nk-pt,09:30\n", encoding="utf-8")
    import_appointments(store, csv, HOST)
    return {"number": "A001"}


# What each operation needs to succeed: the state before it and its arguments. Which roles may
# run it comes from the registry alone.
SETUPS: dict[str, tuple[Setup, dict[str, Any]]] = {
    "call_next": (_waiting, {"desk": "nk1"}),
    "call_ticket": (_waiting, {"desk": "nk1", "reason": "chest pain"}),
    "recall": (_in_room, {"desk": "nk1"}),
    "finish": (_in_room, {"desk": "nk1"}),
    "skip": (_in_room, {"desk": "nk1"}),
    "send_away": (_in_room, {"desk": "nk1"}),
    "requeue": (_then(_in_room, lambda s: commands.skip(s, "nk1", HOST)), {}),
    "come_back": (_then(_in_room, lambda s: commands.send_away(s, "nk1", HOST)), {}),
    "transfer": (_waiting, {"to": "nk2"}),
    "pause": (_nothing, {"desk": "nk1"}),
    "resume": (_then(_nothing, lambda s: commands.pause(s, "nk1", HOST)), {"desk": "nk1"}),
    "reopen": (
        _then(_in_room, lambda s: commands.finish(s, "nk1", HOST)),
        {"desk": "nk1", "reason": "finished too soon"},
    ),
    "undo_away": (
        _then(_in_room, lambda s: commands.send_away(s, "nk1", HOST)),
        {"reason": "wrong key"},
    ),
    "issue": (_nothing, {"queue": "nk-pt", "name": "王五"}),
    "check_in": (_registered, {}),
    "set_priority": (_waiting, {"priority": "elderly"}),
    "cancel": (_waiting, {"reason": "left"}),
    "uncancel": (
        _then(_waiting, lambda s: commands.cancel(s, "A001", "left", HOST)),
        {"reason": "came back"},
    ),
    "his_book": (
        _nothing,
        {"external_id": "HIS2", "name": "王五", "queue": "nk-pt", "slot_start": "10:00"},
    ),
    "his_cancel": (_registered, {"external_id": "HIS1", "reason": "退费"}),
    "his_check_in": (_registered, {"external_id": "HIS1"}),
}


def _prepare(store: Store, tmp: Path, op: Operation) -> dict[str, Any]:
    setup, args = SETUPS[op.name]
    made = setup(store, tmp)
    for role, (name, desks) in (*ACCOUNTS.items(), (Role.DESK, OTHER_DESK)):
        add_staff(store, name, role.value, desks, PASSWORD, HOST)
    wanted = {a.name for a in op.args}
    return {k: v for k, v in {**made, **args}.items() if k in wanted}


async def _staff(app: DisplayServer, name: str | None) -> Feed:
    feed = await open_feed(app, STAFF_PATH)
    if name is not None:
        await feed.send({"type": "login", "user": name, "password": PASSWORD})
        assert (await feed.next())["type"] == "session"
    return feed


async def _command(feed: Feed, op: Operation, args: dict[str, Any]) -> dict[str, Any]:
    await feed.send({"type": "command", "id": uuid.uuid4().hex, "op": op.name, "args": args})
    return await feed.next()


def _written(store: Store) -> tuple[int, Any]:
    with store.read() as conn:
        return store.last_seq(), current_tables(conn)


def test_every_operation_has_a_scenario() -> None:
    assert set(SETUPS) == set(BY_NAME)


@pytest.mark.parametrize("op", OPERATIONS, ids=[op.name for op in OPERATIONS])
async def test_refused_without_session_wrong_role_or_desk_writing_nothing(
    store: Store, server: DisplayServer, tmp_path: Path, op: Operation
) -> None:
    args = _prepare(store, tmp_path, op)
    anonymous = await _staff(server, None)
    before = _written(store)
    assert (await _command(anonymous, op, args))["code"] == "unauthorized"
    refused = [ACCOUNTS[r][0] for r in Role if r not in op.roles]
    if op.scope is not Scope.NONE and Role.DESK in op.roles:
        refused.append(OTHER_DESK[0])
    for name in refused:
        feed = await _staff(server, name)
        before = _written(store)  # the login itself is audited
        answer = await _command(feed, op, args)
        assert (answer["type"], answer.get("code")) == ("error", "forbidden"), (name, answer)
        assert _written(store) == before, name
    assert (await _command(anonymous, op, args))["code"] == "unauthorized"  # still serving


@pytest.mark.parametrize(
    ("op", "role"),
    [(op, role) for op in OPERATIONS for role in sorted(op.roles)],
    ids=[f"{op.name}-{role.value}" for op in OPERATIONS for role in sorted(op.roles)],
)
async def test_a_role_the_operation_names_runs_it_as_the_member(
    store: Store, server: DisplayServer, tmp_path: Path, op: Operation, role: Role
) -> None:
    args = _prepare(store, tmp_path, op)
    name = ACCOUNTS[role][0]
    feed = await _staff(server, name)
    seq = store.last_seq()
    answer = await _command(feed, op, args)
    assert answer["type"] == "result" and answer["ok"] is True, answer
    appended = store.events_since(seq)
    assert appended and {e.actor for e in appended} == {f"staff:{name}"}
