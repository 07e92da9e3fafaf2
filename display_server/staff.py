"""The staff websocket, `/ws/staff/v1` (docs/staff-api.md): log in, then run the operations of
queue_core/operations.py with an idempotency key each.

Frames are validated here and answered as messages; the connection's only state is its
session. Every database call runs on the server's write thread (display_server/write_queue.py),
so a desk's command never holds up the feeds, and the session is checked again with each
command in the same turn: a reset password or a disabled account stops the next key.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from display_server.feeds import Hub
from display_server.login_limit import LoginLimit
from display_server.notify import Notifier
from display_server.protocol import encode
from display_server.write_queue import WriteQueue
from queue_core.address import public_address
from queue_core.console_view import OutboxView, read_desk, slip_of, triage_found, triage_view
from queue_core.errors import QueueError
from queue_core.idempotency import KEY, run_once
from queue_core.operations import BY_NAME, DESK_SCOPED, Role, allowed
from queue_core.registration import find_tickets
from queue_core.staff import Session, as_typed, login, logout, session_of
from queue_core.store import Store
from queue_core.view_delta import NO_BASE, DeskFrames

STAFF_PATH = "/ws/staff/v1"
Message = dict[str, Any]
Frame = tuple[Message, str]  # a message and its text on the wire
_TEXT_LIMIT = 256  # a name, password, device or token longer than this is a bad message


class BadFrame(Exception):
    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.key = key  # the command's id, when the frame was a command with a string id


def error(code: str, message: str, **extra: Any) -> Message:
    return {"type": "error", "code": code, "message": message, **extra}


def parse(frame: str | bytes) -> Message:
    """One client frame: a JSON object with a known `type` and its fields as strings."""
    if not isinstance(frame, str):
        raise BadFrame("Only JSON text frames are accepted.")
    try:
        data = json.loads(frame)
        json.dumps(data, ensure_ascii=False).encode()  # a lone surrogate is not text
    except (ValueError, RecursionError, UnicodeEncodeError):
        raise BadFrame("Not valid JSON text.") from None
    if not isinstance(data, dict):
        raise BadFrame("A message is a JSON object with a type.")
    needs = _FIELDS.get(data.get("type"))  # type: ignore[arg-type]
    if needs is None:
        raise BadFrame(f"Unknown message type; expected one of {tuple(_FIELDS)}.")
    key = data.get("id") if data["type"] in _KEYED else None
    key = key if isinstance(key, str) and len(key) <= _TEXT_LIMIT else None
    for name in needs:
        value = data.get(name)
        if not isinstance(value, str) or len(value) > _TEXT_LIMIT:
            raise BadFrame(f"{name!r} must be a string of at most {_TEXT_LIMIT} characters.", key)
    if "device" in data and not isinstance(data["device"], str):
        raise BadFrame("'device' must be a string.")
    if data["type"] == "watch" and data["view"] not in ("desk", "triage"):
        raise BadFrame("'view' must be 'desk' or 'triage'.")
    for name in ("desk", "search"):
        if name in data and not isinstance(data[name], str):
            raise BadFrame(f"{name!r} must be a string.")
    if data["type"] in _KEYED and not KEY.fullmatch(data["id"]):
        raise BadFrame("'id' must be 32 lowercase hex digits (a uuid4's hex).", key)
    return data


_KEYED = ("command", "find", "slip")  # the frames whose answer carries their id
_FIELDS: dict[str, tuple[str, ...]] = {
    "watch": ("view",),
    "login": ("user", "password"),
    "auth": ("token",),
    "logout": (),
    "command": ("id", "op"),
    "find": ("id", "text"),
    "slip": ("id", "number"),
    "ping": (),
}


def session_message(session: Session, token: str) -> Message:
    account = session.account
    return {
        "type": "session",
        "token": token,
        "user": account.name,
        "role": account.role.value,
        "desks": list(account.desks),
        "expires": session.expires,
    }


@dataclass
class StaffApi:
    """What every staff connection shares: the writing store, its thread, the login limit."""

    store: Store
    writes: WriteQueue
    hub: Hub
    notifier: Notifier | None = None  # its backlog is shown to admins' consoles
    limit: LoginLimit = field(default_factory=LoginLimit)

    # Per desk: its frames as of the line and seq last read. Every console watching a desk
    # (and the call button and the HIS workstation beside it) shares one reading per change.
    _desks: dict[str, tuple[object, int, DeskFrames]] = field(default_factory=dict)
    # Per desk: the frames of its latest view already encoded, by base and screens.
    _messages: dict[str, tuple[int, dict[tuple[int | None, int], Frame]]] = field(
        default_factory=dict
    )

    def desk_frames(self, desk: str) -> DeskFrames:
        hub = self.hub
        line, seq = hub.line, hub.seq  # the line changes in place: its seq says when
        known = self._desks.get(desk)
        if known is not None and known[0] is line and known[1] == seq:
            return known[2]
        frames = known[2] if known is not None else DeskFrames()
        frames.update(read_desk(line, desk))
        self._desks[desk] = (line, seq, frames)
        return frames

    def desk_message(self, desk: str, frames: DeskFrames, base: int | None, screens: int) -> Frame:
        """A desk's delta from `base` (None: its whole view), built and encoded once for
        every console that holds the same view."""
        memo = self._messages.get(desk)
        if memo is None or memo[0] != frames.seq:
            memo = self._messages[desk] = (frames.seq, {})
        known = memo[1].get((base, screens))
        if known is None:
            message: Message = {"type": "view", "view": "desk", "seq": frames.seq}
            if base is None:
                message["data"] = frames.whole()
            else:
                changes = frames.changes if base == frames.base else {}
                message.update(type="delta", base=base, data=changes)
            message["screens"] = {desk: screens}
            known = memo[1][base, screens] = (message, encode(message))
        return known

    def link(self, address: str) -> StaffLink:
        return StaffLink(self, as_typed(address))


@dataclass
class StaffLink:
    """One staff connection: its session token, once logged in."""

    api: StaffApi
    address: str
    token: str | None = None
    watching: Message | None = None  # the watch frame this connection follows
    shown: Any = None  # the triage view last sent without its seq; for a desk, its screens
    sent: int = NO_BASE  # the seq of the desk view last sent
    admin: bool = False  # the member watching is an admin: the outbox's backlog goes along
    outbox_sent: Any = None  # the backlog last sent to an admin
    triage_sent: Frame | None = None  # the triage view last sent

    async def view(self) -> Frame | None:
        """The watched view (`_view`), with the outbox's backlog for an admin: admins are
        few, so theirs is encoded apart from the frames every console shares. A backlog that
        moved while the view did not goes out on the view as it stands."""
        frame = await self._view()
        notifier = self.api.notifier
        if not self.admin or notifier is None:
            return frame
        status = notifier.status()
        outbox = OutboxView(status.backlog, status.oldest).to_json()
        if frame is None:
            if outbox == self.outbox_sent:
                return None
            frame = self._unchanged()
            if frame is None:
                return None
        self.outbox_sent = outbox
        message = {**frame[0], "outbox": outbox}
        return message, encode(message)

    def _unchanged(self) -> Frame | None:
        """The watched view as last sent: an empty delta on it, or the triage view again."""
        if self.watching is None:
            return None
        if self.watching["view"] != "desk":
            return self.triage_sent
        if self.sent == NO_BASE:
            return None
        desk = self.watching.get("desk", "")
        message: Message = {"type": "delta", "view": "desk", "seq": self.sent, "base": self.sent}
        message.update(data={}, screens={desk: self.shown})
        return message, encode(message)

    async def _view(self) -> Frame | None:
        """The watched view now, or None when it is what was sent last. A desk's view goes
        whole once, then as deltas from the one sent (queue_core/view_delta.py). The triage
        desk's search reads the database: on the write thread, as every database call here."""
        if self.watching is None:
            return None
        if self.watching["view"] == "desk":
            return self._desk_view(self.watching.get("desk", ""))
        hub = self.api.hub
        search, store = self.watching.get("search", ""), self.api.store
        found = await self.api.writes.run(lambda: triage_found(store, search))
        data = triage_view(hub.line, search, found).to_json()
        same = {k: v for k, v in data.items() if k != "seq"}
        if same == self.shown:
            return None
        self.shown = same
        message = {"type": "view", "view": "triage", "seq": hub.seq, "data": data}
        self.triage_sent = message, encode(message)
        return self.triage_sent

    def _desk_view(self, desk: str) -> Frame | None:
        hub = self.api.hub
        try:
            frames = self.api.desk_frames(desk)
        except LookupError:  # the desk left the configuration: nothing to show of it
            return None
        # The screens showing this desk now, on every server: what a local desk reads.
        screens = hub.screens_everywhere.get(desk, 0)
        sent, self.sent = self.sent, frames.seq
        if sent == frames.seq and screens == self.shown:
            return None
        self.shown = screens
        base = sent if sent != NO_BASE and sent in (frames.seq, frames.base) else None
        return self.api.desk_message(desk, frames, base, screens)

    async def on_frame(self, frame: str | bytes) -> Message:
        try:
            data = parse(frame)
        except BadFrame as exc:
            extra = {} if exc.key is None else {"id": exc.key}
            return error("bad_message", exc.message, **extra)
        try:
            return await self._answer(data)
        except QueueError as exc:  # the store's own refusals (busy, behind, a file fault)
            return error(exc.code, exc.message)

    async def _answer(self, data: Message) -> Message:
        kind = data["type"]
        if kind == "ping":
            return {"type": "pong"}
        if kind == "login":
            return await self._login(data["user"], data["password"], data.get("device", ""))
        if kind == "auth":
            return await self._auth(data["token"])
        if kind == "watch":
            return await self._watch(data)
        if kind == "find":
            return await self._find(data["id"], data["text"])
        if kind == "slip":
            return await self._slip(data["id"], data["number"])
        if kind == "logout":
            token, self.token = self.token, None
            if token is None:
                return error("unauthorized", "Not logged in.")
            await self.api.writes.run(lambda: logout(self.api.store, token))
            return {"type": "logout"}
        return await self._command(data["id"], data["op"], data.get("args", {}))

    async def _login(self, user: str, password: str, device: str) -> Message:
        limit, now = self.api.limit, time.monotonic()
        wait = limit.retry_after(user, self.address, now)
        if wait > 0:
            return error(
                "rate_limited", "Too many failed logins; wait.", retry_after=round(wait, 1)
            )
        store = self.api.store
        try:
            session = await self.api.writes.run(
                lambda: login(store, user, password, self.address, device)
            )
        except QueueError as exc:
            if exc.code == "login_failed":
                limit.failed(user, self.address, time.monotonic())
            return error(exc.code, exc.message)
        limit.succeeded(user)
        self.token = session.token
        return session_message(session, session.token)

    async def _auth(self, token: str) -> Message:
        session = await self.api.writes.run(lambda: session_of(self.api.store, token))
        if session is None:
            self.token = None
            return error("unauthorized", "That session expired or was ended; log in again.")
        self.token = token
        return session_message(session, token)

    async def _watch(self, data: Message) -> Message:
        token = self.token
        session = await self.api.writes.run(
            lambda: session_of(self.api.store, token) if token is not None else None
        )
        if session is None:
            return error("unauthorized", "Log in first.")
        member = session.account.member
        if data["view"] == "desk":
            desk = data.get("desk", "")
            if self.api.store.config.desk(desk) is None:
                return error("bad_message", f"No desk {as_typed(desk)!r}.")
            if member.role not in (Role.ADMIN, *DESK_SCOPED) or (
                member.role is not Role.ADMIN and desk not in member.desks
            ):
                return error("forbidden", "Your role may not watch this desk.")
        elif member.role not in (Role.ADMIN, Role.TRIAGE):
            return error("forbidden", "Your role may not watch the triage desk.")
        self.watching, self.shown, self.sent = data, None, NO_BASE
        self.admin = member.role is Role.ADMIN
        view = await self.view()
        assert view is not None
        return view[0]

    async def _find(self, key: str, text: str) -> Message:
        """Today's tickets by number, name or phone, as a console's own search finds them."""

        def found(store: Store) -> Message:
            tickets = [t.to_row() for t in find_tickets(store, text)]
            return {"type": "found", "id": key, "tickets": tickets}

        return await self._read(key, (Role.ADMIN, Role.TRIAGE, Role.DESK), found)

    async def _slip(self, key: str, number: str) -> Message:
        """A ticket's slip for the triage desk's printer, with the token its link needs."""

        def slip(store: Store) -> Message:
            try:
                made, token = slip_of(store, number, public_address(store.config))
            except QueueError as exc:
                return error(exc.code, exc.message, id=key)
            return {"type": "slip", "id": key, "slip": made.to_json(), "token": token}

        return await self._read(key, (Role.ADMIN, Role.TRIAGE), slip)

    async def _read(
        self, key: str, roles: tuple[Role, ...], answer: Callable[[Store], Message]
    ) -> Message:
        """A question for a member of `roles`, read on the write thread like every database
        call, so a slow search never holds up the feeds; it writes nothing."""
        token, store = self.token, self.api.store

        def in_turn() -> Message:
            session = session_of(store, token) if token is not None else None
            if session is None:
                return error("unauthorized", "Log in first.", id=key)
            if session.account.member.role not in roles:
                return error("forbidden", "Your role may not ask this.", id=key)
            return answer(store)

        return await self.api.writes.run(in_turn)

    async def _command(self, key: str, name: str, raw_args: object) -> Message:
        op = BY_NAME.get(name)
        if op is None:
            return error("unknown_op", f"No operation {as_typed(name)!r}.", id=key)
        token, store = self.token, self.api.store

        def in_turn() -> Message:
            try:  # the session's check too: with the database away, this key is refused
                session = session_of(store, token) if token is not None else None
                if session is None:
                    return error("unauthorized", "Log in first.", id=key)
                member = session.account.member
                forbidden = error("forbidden", f"Your role may not run {op.name} here.", id=key)
                if member.role not in op.roles:
                    return forbidden  # before the arguments: a role learns nothing of other ops
                args = op.parse(raw_args)
                if not allowed(op, member, args, store):
                    return forbidden
                value = run_once(store, key, op, args, session.account)
            except QueueError as exc:
                refusal = {"code": exc.code, "message": exc.message, **exc.params}
                return {"type": "result", "id": key, "ok": False, "error": refusal}
            return {"type": "result", "id": key, "ok": True, "value": value}

        answer = await self.api.writes.run(in_turn)
        if answer.get("ok"):
            self.api.hub.look_now()
        return answer
