"""The HIS's HTTP endpoint, `/api/v1/...` (docs/his-api.md): log in, then book, cancel and
check in appointments and read them back, as the `his_` operations of queue_core/operations.py.

A request is checked in the order the staff websocket checks a command: the session (401),
the role (403, before the arguments, so a role learns nothing of what it may not run), the
arguments (400 naming the field), then the operation itself, on the server's write thread
like every database call, with the session checked again in that same turn.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import unquote

from display_server.http11 import Reply, Request, refusal
from display_server.limits import IPAddress, client_address
from display_server.staff import StaffApi
from queue_core import his_live
from queue_core.errors import QueueError
from queue_core.idempotency import KEY, run_once
from queue_core.operations import BY_NAME, BadArguments, Operation, Role, allowed
from queue_core.staff import login, session_of

PREFIX = "/api/v1"
_APPOINTMENT = re.compile(rf"^{PREFIX}/appointments/([^/]+)(/cancel|/check-in)?$")
_ID_LIMIT = 64  # an external id in a path, before its own checks
_TEXT_LIMIT = 256  # a login's name, password or device
READ_ROLES = frozenset({Role.INTEGRATION, Role.ADMIN})
# The HTTP status of each refusal code the operations raise; any other refusal is 409.
STATUS = {
    "bad_request": 400,
    "bad_args": 400,
    "unauthorized": 401,
    "login_failed": 401,
    "forbidden": 403,
    "not_found": 404,
    "ticket_not_found": 404,
    "rate_limited": 429,
    "busy": 503,
    "writes_behind": 503,
}


def _error(exc: QueueError) -> Reply:
    extra: dict[str, Any] = dict(exc.params)
    if isinstance(exc, his_live.BadRequest):
        extra["problems"] = [{"field": f, "message": m} for f, m in exc.problems]
    status = STATUS.get(exc.code, 409)
    code = "bad_request" if status == 400 else exc.code  # one code for the HIS to handle
    return refusal(status, code, exc.message, **extra)


def _body(request: Request) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadArguments("The body is not JSON text.") from None
    if not isinstance(data, dict):
        raise BadArguments("The body must be a JSON object.")
    return data


def _args(request: Request, external_id: str | None) -> dict[str, Any]:
    body = _body(request)
    if external_id is None:
        return body
    if "external_id" in body:
        raise BadArguments("The appointment's id is in the path.", field="external_id")
    return {**body, "external_id": external_id}


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > _TEXT_LIMIT:
        return None
    return token


class HisApi:
    def __init__(self, staff: StaffApi, proxies: frozenset[IPAddress] = frozenset()) -> None:
        self.staff = staff
        self.proxies = proxies

    async def answer(self, request: Request, peer: str) -> Reply:
        """`peer`: the connection's address; behind a trusted proxy (`CLINIC_QUEUE_PROXIES`)
        the client is the one its X-Forwarded-For names, as on the websockets."""
        forwarded = request.headers.get("x-forwarded-for", "")
        address = client_address(peer, forwarded, self.proxies)
        try:
            return await self._route(request, address)
        except QueueError as exc:
            return _error(exc)

    async def _route(self, request: Request, address: str) -> Reply:
        path, method = request.path, request.method
        if path == f"{PREFIX}/login":
            return await self._login(request, address) if method == "POST" else _not_allowed()
        if path == f"{PREFIX}/appointments":
            if method != "POST":
                return _not_allowed()
            return await self._run(request, BY_NAME["his_book"], None)
        found = _APPOINTMENT.match(path)
        if found is None:
            return refusal(404, "not_found", f"No endpoint {path[:100]!r}.")
        external_id = unquote(found[1])
        if len(external_id) > _ID_LIMIT:
            raise BadArguments("external_id is too long.", field="external_id")
        action = found[2]
        if action is None:
            return await self._read(request, external_id) if method == "GET" else _not_allowed()
        if method != "POST":
            return _not_allowed()
        name = "his_cancel" if action == "/cancel" else "his_check_in"
        return await self._run(request, BY_NAME[name], external_id)

    async def _login(self, request: Request, address: str) -> Reply:
        body = _body(request)
        for field in ("user", "password"):
            value = body.get(field)
            if not isinstance(value, str) or len(value) > _TEXT_LIMIT:
                raise BadArguments(f"{field!r} must be a string.", field=field)
        device = body.get("device", "HIS")
        if not isinstance(device, str):
            raise BadArguments("'device' must be a string.", field="device")
        user, password = body["user"], body["password"]
        limit = self.staff.limit
        wait = limit.retry_after(user, address, time.monotonic())
        if wait > 0:
            seconds = str(max(1, round(wait)))
            reply = refusal(429, "rate_limited", "Too many failed logins; wait.", retry_after=wait)
            return Reply(reply.status, reply.body, (("Retry-After", seconds),))
        store = self.staff.store
        try:
            session = await self.staff.writes.run(
                lambda: login(store, user, password, address, device[:_TEXT_LIMIT])
            )
        except QueueError as exc:
            if exc.code == "login_failed":
                limit.failed(user, address, time.monotonic())
            raise
        limit.succeeded(user)
        account = session.account
        return Reply(
            200,
            {
                "token": session.token,
                "expires": session.expires,
                "user": account.name,
                "role": account.role.value,
            },
        )

    async def _read(self, request: Request, external_id: str) -> Reply:
        token, store = _bearer(request), self.staff.store

        def in_turn() -> Reply:
            session = session_of(store, token) if token is not None else None
            if session is None:
                return _unauthorized()
            if session.account.role not in READ_ROLES:
                return refusal(403, "forbidden", "Your role may not read appointments.")
            ticket = his_live.find(store, external_id)
            return Reply(200, {"appointment": his_live.appointment_json(store, ticket)})

        return await self.staff.writes.run(in_turn)

    async def _run(self, request: Request, op: Operation, external_id: str | None) -> Reply:
        """`op` with the body's fields, and the appointment's id when the path names it."""
        token, store = _bearer(request), self.staff.store
        key = request.headers.get("idempotency-key")
        if key is not None and not KEY.fullmatch(key):
            raise BadArguments(
                "Idempotency-Key must be 32 lowercase hex digits.", field="Idempotency-Key"
            )

        def in_turn() -> Reply:
            session = session_of(store, token) if token is not None else None
            if session is None:
                return _unauthorized()
            member = session.account.member
            forbidden = refusal(403, "forbidden", f"Your role may not run {op.name}.")
            if member.role not in op.roles:
                return forbidden
            args = op.parse(_args(request, external_id))
            if not allowed(op, member, args, store):
                return forbidden
            if key is not None:
                return Reply(200, run_once(store, key, op, args, session.account))
            return Reply(200, op.run(store, args, session.account.actor))

        reply = await self.staff.writes.run(in_turn)
        if reply.status == 200:
            self.staff.hub.look_now()
        return reply


def _unauthorized() -> Reply:
    return Reply(
        401,
        {"error": {"code": "unauthorized", "message": "Log in first: POST /api/v1/login."}},
        (("WWW-Authenticate", 'Bearer realm="clinic-queue"'),),
    )


def _not_allowed() -> Reply:
    return refusal(405, "method_not_allowed", "That method is not served here.")
