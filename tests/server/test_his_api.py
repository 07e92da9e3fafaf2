"""The HIS API over real HTTP on a real server (port 0): its role matrix, every bad field, the
same request twice, and bytes that are no request at all. A refusal writes nothing: the log's
last seq and every table stay as they were."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from display_server.server import DisplayServer, serve
from queue_core.importer import import_appointments
from queue_core.operations import Role
from queue_core.replay import current_tables
from queue_core.staff import add_staff
from queue_core.store import Store
from tests.pg import on_both_stores
from tests.server.conftest import WAIT_S

HOST = "host:root"
PASSWORD = "correct horse 42"
ACCOUNTS = {
    Role.DESK: ("nurse", ("nk1",)),
    Role.TRIAGE: ("triage", ()),
    Role.ADMIN: ("admin", ()),
    Role.INTEGRATION: ("his", ("nk1",)),
    Role.SCREEN: ("tv", ()),
}
ALLOWED = (Role.INTEGRATION, Role.ADMIN)
BOOKING = {"external_id": "HIS2", "name": "王五", "queue": "nk-pt", "slot_start": "10:00"}
Answer = tuple[int, dict[str, str], dict[str, Any]]


@pytest.fixture
async def api(store: Store, tmp_path: Path) -> AsyncIterator[DisplayServer]:
    csv = tmp_path / "his.csv"
    csv.write_text("external_id,name,queue,slot_start\nHIS1,李四,nk-pt,09:30\n", encoding="utf-8")
    import_appointments(store, csv, HOST)
    for role, (name, desks) in ACCOUNTS.items():
        add_staff(store, name, role.value, desks, PASSWORD, HOST)
    async with serve(store, "127.0.0.1", 0, api_port=0) as app:
        yield app


async def raw(app: DisplayServer, data: bytes) -> bytes:
    assert app.api_server is not None
    port = app.api_server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), WAIT_S)
    writer.close()
    return answer


async def request(
    app: DisplayServer,
    method: str,
    path: str,
    body: object = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    lines = [f"{method} {path} HTTP/1.1", "Host: his", f"Content-Length: {len(payload)}"]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    answer = await raw(app, ("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
    head, _, rest = answer.partition(b"\r\n\r\n")
    status_line, *fields = head.decode().split("\r\n")
    found = dict(f.split(": ", 1) for f in fields)
    assert int(found["Content-Length"]) == len(rest)
    return int(status_line.split(" ")[1]), found, json.loads(rest)


async def token_of(app: DisplayServer, role: Role) -> str:
    status, _, body = await request(
        app, "POST", "/api/v1/login", {"user": ACCOUNTS[role][0], "password": PASSWORD}
    )
    assert status == 200, body
    token: str = body["token"]
    return token


def written(store: Store) -> tuple[int, Any]:
    with store.read() as conn:
        return store.last_seq(), current_tables(conn)


# Every endpoint, with what it needs to succeed on the fixture's day.
ENDPOINTS = [
    ("POST", "/api/v1/appointments", BOOKING),
    ("POST", "/api/v1/appointments/HIS1/cancel", {"reason": "退费"}),
    ("POST", "/api/v1/appointments/HIS1/check-in", {}),
    ("GET", "/api/v1/appointments/HIS1", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
async def test_every_endpoint_refuses_no_session_and_other_roles_writing_nothing(
    api: DisplayServer, store: Store, method: str, path: str, body: object
) -> None:
    tokens = {role: await token_of(api, role) for role in Role if role not in ALLOWED}
    before = written(store)
    status, headers, answer = await request(api, method, path, body)
    assert (status, answer["error"]["code"]) == (401, "unauthorized")
    assert headers["WWW-Authenticate"].startswith("Bearer")
    status, _, answer = await request(api, method, path, body, token="not-a-session")
    assert status == 401
    for role, token in tokens.items():
        status, _, answer = await request(api, method, path, body, token)
        assert (status, answer["error"]["code"]) == (403, "forbidden"), role
    assert written(store) == before


@pytest.mark.parametrize("role", ALLOWED)
@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
async def test_the_integration_and_admin_roles_are_served(
    api: DisplayServer, store: Store, method: str, path: str, body: object, role: Role
) -> None:
    token = await token_of(api, role)
    seq = store.last_seq()
    status, _, answer = await request(api, method, path, body, token)
    assert status == 200, answer
    appended = store.events_since(seq)
    if method == "GET":
        assert not appended and answer["appointment"]["state"] == "registered"
    else:
        assert appended and {e.actor for e in appended} == {f"staff:{ACCOUNTS[role][0]}"}


@on_both_stores
async def test_a_booking_twice_changes_nothing_the_second_time_and_says_so(
    api: DisplayServer, store: Store
) -> None:
    token = await token_of(api, Role.INTEGRATION)
    status, _, first = await request(api, "POST", "/api/v1/appointments", BOOKING, token)
    assert (status, first["result"]) == (200, "added")
    link = first["appointment"]["link"]
    assert link.startswith("http://127.0.0.1:8765/t/")
    before = written(store)
    status, _, again = await request(api, "POST", "/api/v1/appointments", BOOKING, token)
    assert (status, again["result"]) == (200, "unchanged")
    assert again["appointment"]["link"] == link
    assert written(store) == before
    _, _, read = await request(api, "GET", "/api/v1/appointments/HIS2", None, token)
    assert read["appointment"] == again["appointment"]


@on_both_stores
async def test_an_idempotency_key_answers_a_retry_with_the_first_answer(
    api: DisplayServer, store: Store
) -> None:
    token = await token_of(api, Role.INTEGRATION)
    key = {"Idempotency-Key": "0123456789abcdef0123456789abcdef"}
    path = "/api/v1/appointments/HIS1/check-in"
    status, _, first = await request(api, "POST", path, {}, token, key)
    assert (status, first["result"]) == (200, "checked_in")
    before = written(store)
    status, _, again = await request(api, "POST", path, {}, token, key)
    assert (status, again) == (200, first)
    assert written(store) == before
    status, _, bad = await request(api, "POST", path, {}, token, {"Idempotency-Key": "x"})
    assert (status, bad["error"]["field"]) == (400, "Idempotency-Key")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"queue": "nope"}, "queue"),
        ({"name": ""}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"name": "\u202e\u200b"}, "name"),
        ({"slot_start": "10:10"}, "slot_start"),
        ({"slot_start": "soon"}, "slot_start"),
        ({"slot_start": "2062-01-01 10:00"}, "slot_start"),
        ({"phone": "12"}, "phone"),
        ({"phone": 13800001234}, "phone"),
        ({"priority": "vip"}, "priority"),
        ({"desk": "nowhere"}, "desk"),
        ({"desk": "wk1"}, "desk"),
        ({"external_id": ""}, "external_id"),
        ({"external_id": 7}, "external_id"),
        ({"external_id": None}, "external_id"),
        ({"queue": None}, "queue"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_a_bad_field_is_400_naming_it_and_writes_nothing(
    api: DisplayServer, store: Store, change: dict[str, object], field: str
) -> None:
    token = await token_of(api, Role.INTEGRATION)
    before = written(store)
    body = {k: v for k, v in {**BOOKING, **change}.items() if v is not None}
    status, _, answer = await request(api, "POST", "/api/v1/appointments", body, token)
    assert status == 400, answer
    assert answer["error"]["field"] == field and answer["error"]["message"]
    assert written(store) == before


async def test_refusals_of_the_rules_and_unknown_ids_write_nothing(
    api: DisplayServer, store: Store
) -> None:
    token = await token_of(api, Role.INTEGRATION)
    before = written(store)
    status, _, answer = await request(
        api, "POST", "/api/v1/appointments/NOPE/cancel", {"reason": "x"}, token
    )
    assert (status, answer["error"]["code"]) == (404, "not_found")
    cancel = "/api/v1/appointments/HIS1/cancel"
    status, _, answer = await request(api, "POST", cancel, {}, token)
    assert (status, answer["error"]["field"]) == (400, "reason")
    for reason in (" ", "x" * 201, 7, "\u202e"):
        status, _, answer = await request(api, "POST", cancel, {"reason": reason}, token)
        assert (status, answer["error"]["field"]) == (400, "reason"), reason
    status, _, answer = await request(
        api, "POST", cancel, {"reason": "x", "external_id": "HIS9"}, token
    )
    assert (status, answer["error"]["field"]) == (400, "external_id")
    assert written(store) == before


async def test_a_patient_with_the_doctor_keeps_their_visit_against_a_refund(
    api: DisplayServer, store: Store
) -> None:
    token = await token_of(api, Role.INTEGRATION)
    await request(api, "POST", "/api/v1/appointments/HIS1/check-in", {}, token)
    from queue_core import commands

    commands.call_next(store, "nk1", HOST)
    before = written(store)
    status, _, answer = await request(
        api, "POST", "/api/v1/appointments/HIS1/cancel", {"reason": "退费"}, token
    )
    assert (status, answer["error"]["code"]) == (409, "kept")
    assert "not here" in answer["error"]["detail"]
    assert written(store) == before


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"POST /api/v1/appointments HTTP/1.1\r\nContent-Length: 3\r\n\r\n{x}", 401),
        (b"POST /api/v1/appointments HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411),
        (b"POST /api/v1/appointments HTTP/1.1\r\nContent-Length: 999999\r\n\r\n", 413),
        (b"POST /api/v1/appointments HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (b"GET /api/v1/appointments HTTP/1.1\r\n\r\n", 405),
        (b"GET /nothing HTTP/1.1\r\n\r\n", 404),
        (b"GET /api/v1/x HTTP/1.1\r\nX: " + b"a" * 20_000 + b"\r\n\r\n", 431),
        (b"GET /api/v1/x HTTP/1.1\r\n\xff\xfe: x\r\n\r\n", 400),
    ],
)
async def test_bytes_that_are_no_good_request_get_a_status_and_the_server_serves_on(
    api: DisplayServer, store: Store, data: bytes, status: int
) -> None:
    before = written(store)
    answer = await raw(api, data)
    assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer[:80]
    assert written(store) == before
    assert await token_of(api, Role.INTEGRATION)


async def test_bad_json_and_a_non_object_body_are_400(api: DisplayServer) -> None:
    token = await token_of(api, Role.INTEGRATION)
    for body in (b"{x}", b"[1]", b"\xff"):
        data = (
            b"POST /api/v1/appointments HTTP/1.1\r\nAuthorization: Bearer "
            + token.encode()
            + b"\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )
        assert (await raw(api, data)).startswith(b"HTTP/1.1 400 ")


async def test_a_wrong_password_is_401_and_a_flood_of_them_429(api: DisplayServer) -> None:
    wrong = {"user": "his", "password": "wrong password"}
    statuses = [(await request(api, "POST", "/api/v1/login", wrong))[0] for _ in range(6)]
    assert statuses[0] == 401 and statuses[-1] == 429
    status, headers, answer = await request(api, "POST", "/api/v1/login", wrong)
    assert status == 429 and int(headers["Retry-After"]) >= 1
    assert answer["error"]["code"] == "rate_limited"
    status, _, answer = await request(api, "POST", "/api/v1/login", {"user": "his"})
    assert (status, answer["error"]["field"]) == (400, "password")


async def test_a_client_that_expects_100_continue_is_told_to_send_its_body(
    api: DisplayServer,
) -> None:
    assert api.api_server is not None
    port = api.api_server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = json.dumps({"user": "his", "password": PASSWORD}).encode()
    writer.write(
        b"POST /api/v1/login HTTP/1.1\r\nExpect: 100-continue\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT_S)
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    writer.write(body)
    answer = await asyncio.wait_for(reader.read(), WAIT_S)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 200 ")
