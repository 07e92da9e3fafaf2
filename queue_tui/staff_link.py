"""A console's side of the staff protocol (docs/staff-api.md), without sockets: fed the frames
the server sent, the connection's comings and goings and the time, it says which frames to
send and what the console may show. The websocket client around it only moves bytes, so this
part is tested without a network, as websockets tests its own protocol core."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from queue_core.console_view import DeskView, Json, OutboxView, TriageView
from queue_core.errors import QueueError
from queue_core.view_delta import applied

# Seconds before each new attempt after a drop: quick for a blip, then no faster than a nurse
# would notice, so a restarting server is not hammered by every desk at once.
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
ANSWERS = ("found", "slip")  # the server's answers to questions, each carrying its id


class LinkState(StrEnum):
    CONNECTING = "connecting"  # a socket is open, the session not yet confirmed
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"  # dropped; the next attempt is due at `retry_at`
    OFFLINE = "offline"  # no attempt will mend it (a refused login, a closed session)


class Offline(QueueError):
    """A key pressed while the console cannot reach the server: refused, and why."""

    def __init__(self, why: str) -> None:
        super().__init__(f"Not connected to the queue server: {why}", "offline", why=why)


@dataclass
class Outcome:
    """What the server answered to one command: its value, or the core's refusal."""

    value: Json | None = None
    error: QueueError | None = None


@dataclass
class StaffLink:
    """One console's session. Not thread-safe: its owner serialises the calls."""

    user: str
    password: str  # kept until the first session is granted, then forgotten
    watch: Json  # the watch frame: which view this console follows
    device: str = ""
    state: LinkState = LinkState.CONNECTING
    why: str = ""  # the last reason the link is not connected
    token: str | None = None  # in memory only: a restarted console logs in again
    retry_at: float = 0.0
    attempts: int = 0
    view: DeskView | TriageView | None = None  # the newest view, decoded as it came
    view_seq: int = -1
    screens: dict[str, int] | None = None  # with a desk's view: screens showing it, by desk
    outbox: OutboxView | None = None  # with an admin's view: the notifications' backlog
    # Commands sent and not yet answered, by key, in the order they were made: after a drop
    # each goes again with the same key, and the server answers it without running it twice.
    pending: dict[str, Json] = field(default_factory=dict)
    answers: dict[str, Outcome] = field(default_factory=dict)
    finding: set[str] = field(default_factory=set)  # questions asked, not yet answered

    # -- the connection -------------------------------------------------------------------

    def opened(self) -> list[Json]:
        """A socket is open: prove who this is, with the session or the password."""
        self.state = LinkState.CONNECTING
        if self.token is not None:
            return [{"type": "auth", "token": self.token}]
        login: Json = {"type": "login", "user": self.user, "password": self.password}
        if self.device:
            login["device"] = self.device
        return [login]

    def lost(self, why: str, now: float) -> None:
        """The socket closed or could not open; a later attempt is due unless offline for good."""
        if self.state is LinkState.OFFLINE:
            return
        self.state = LinkState.RECONNECTING
        self.why = why
        delay = BACKOFF_SECONDS[min(self.attempts, len(BACKOFF_SECONDS) - 1)]
        self.attempts += 1
        self.retry_at = now + delay
        self._unanswered(Offline(why))

    def _unanswered(self, problem: QueueError) -> None:
        """A search is only a question: after a drop it is refused, the nurse asks again."""
        for key in self.finding:
            self.answers[key] = Outcome(error=problem)
        self.finding.clear()

    def retry_in(self, now: float) -> float:
        return max(0.0, self.retry_at - now)

    # -- frames in ------------------------------------------------------------------------

    def received(self, frame: Json) -> list[Json]:
        """One frame from the server; the frames to send in answer."""
        kind = frame.get("type")
        if kind == "session":
            return self._session(frame)
        if kind == "view":
            seq = int(frame["seq"])
            if seq >= self.view_seq:
                data = frame["data"]
                whole = DeskView if frame["view"] == "desk" else TriageView
                self.view, self.view_seq = whole.from_json(data), seq
                self._screens(frame)
            return []
        if kind == "delta":
            return self._delta(frame)
        if kind == "result":
            self._answered(frame)
            return []
        if kind in ANSWERS:
            key = str(frame["id"])
            if key in self.finding:
                self.finding.discard(key)
                self.answers[key] = Outcome(value=frame)
            return []
        if kind == "error":
            self._refused(frame)
        return []

    def _delta(self, frame: Json) -> list[Json]:
        """The changes since the desk view held; a console holding another view (a frame lost
        or a view it could not read) asks for the whole one again."""
        if not isinstance(self.view, DeskView) or frame["base"] != self.view_seq:
            return [self.watch]
        seq = int(frame["seq"])
        self.view, self.view_seq = applied(self.view, seq, frame["data"]), seq
        self._screens(frame)
        return []

    def _screens(self, frame: Json) -> None:
        """What a view or delta carries beside the view: the screens, the outbox's backlog."""
        shown = frame.get("screens")
        self.screens = None if shown is None else {k: int(v) for k, v in shown.items()}
        backlog = frame.get("outbox")
        self.outbox = None if backlog is None else OutboxView.from_json(backlog)

    def _session(self, frame: Json) -> list[Json]:
        self.token = str(frame["token"])
        self.password = ""
        self.state, self.why, self.attempts = LinkState.CONNECTED, "", 0
        again = [
            {"type": "command", "id": key, "op": c["op"], "args": c["args"]}
            for key, c in self.pending.items()
        ]
        return [self.watch, *again]

    def _answered(self, frame: Json) -> None:
        key = str(frame["id"])
        if self.pending.pop(key, None) is None:
            return  # an answer to a command sent twice: the first answer stands
        if frame.get("ok"):
            self.answers[key] = Outcome(value=frame.get("value") or {})
            return
        error: dict[str, Any] = dict(frame.get("error") or {})
        code = str(error.pop("code", "refused"))
        message = str(error.pop("message", code))
        params = {k: str(v) for k, v in error.items()}
        self.answers[key] = Outcome(error=QueueError(message, code, **params))

    def _refused(self, frame: Json) -> None:
        """A protocol error. One answering a command (it carries the command's id) refuses
        that command only; a lost session, a refused login or a view this member may not
        watch ends the link until someone logs in again; the others leave it as it was."""
        code, message = str(frame.get("code", "")), str(frame.get("message", ""))
        key = str(frame.get("id", ""))
        if (key in self.pending or key in self.finding) and code != "unauthorized":
            self.pending.pop(key, None)
            self.finding.discard(key)
            self.answers[key] = Outcome(error=QueueError(message or code, code))
            return
        if code in ("unauthorized", "login_failed", "forbidden", "rate_limited"):
            self.token = None
            self.state, self.why = LinkState.OFFLINE, message or code
            for key in list(self.pending):
                self.answers[key] = Outcome(error=Offline(self.why))
            self.pending.clear()
            self._unanswered(Offline(self.why))

    # -- commands out ---------------------------------------------------------------------

    def command(self, op: str, args: Json) -> tuple[str, list[Json]]:
        """A new command's key and the frames that send it; refused unless connected."""
        if self.state is not LinkState.CONNECTED:
            raise Offline(self.why or self.state.value)
        key = uuid.uuid4().hex
        self.pending[key] = {"op": op, "args": args}
        return key, [{"type": "command", "id": key, "op": op, "args": args}]

    def ask(self, kind: str, **fields: str) -> tuple[str, list[Json]]:
        """A question (`find`, `slip`): its key and the frame that asks it."""
        if self.state is not LinkState.CONNECTED:
            raise Offline(self.why or self.state.value)
        key = uuid.uuid4().hex
        self.finding.add(key)
        return key, [{"type": kind, "id": key, **fields}]

    def answer(self, key: str) -> Outcome | None:
        """The command's answer once it came (and forgotten then), None while it is awaited."""
        return self.answers.pop(key, None)
