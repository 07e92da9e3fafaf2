"""A console on another PC: the staff websocket (docs/staff-api.md) behind the same Backend as
the database host's consoles. One thread owns the socket and feeds StaffLink; the screens'
workers wait for their answers, never the UI thread."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.sync.client import ClientConnection, connect

from queue_core.address import FROM_CONFIG, PublicAddress
from queue_core.config import ClinicConfig
from queue_core.console_view import DeskView, Json, OutboxView, Slip, TriageView
from queue_core.errors import QueueError
from queue_core.model import Ticket
from queue_core.screen_status import ScreenStatus
from queue_tui.backend import Backend, Fail, Follower
from queue_tui.staff_link import LinkState, Offline, StaffLink

STAFF_PATH = "/ws/staff/v1"
OPEN_TIMEOUT_SECONDS = 5.0
LOOK_SECONDS = 0.1  # how often the socket's thread looks up from a quiet socket to stop


def staff_url(server: str) -> str:
    """`https://host:port` as typed by the nurse -> the staff websocket's address."""
    parts = urlsplit(server if "://" in server else f"http://{server}")
    scheme = {"https": "wss", "http": "ws", "wss": "wss", "ws": "ws"}.get(parts.scheme)
    if scheme is None or not parts.hostname:
        raise QueueError(f"Not a server address: {server!r} (e.g. https://queue.clinic.lan)")
    return urlunsplit((scheme, parts.netloc, STAFF_PATH, "", ""))


class RemoteBackend(Backend):
    def __init__(self, server: str, link: StaffLink, print_dir: Path) -> None:
        self.url = staff_url(server)
        self.server = server
        self.link = link
        self.actor = f"staff:{link.user}"
        self._print_dir = print_dir
        self.changed = threading.Condition()
        self._stopped = threading.Event()
        self._socket: ClientConnection | None = None
        self.lost_at = time.monotonic()
        self._thread = threading.Thread(target=self._serve, name="staff-link", daemon=True)

    # -- the socket's thread ----------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        socket = self._socket
        if socket is not None:
            socket.close()
        self._thread.join()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                with connect(self.url, open_timeout=OPEN_TIMEOUT_SECONDS) as socket:
                    self._socket = socket
                    self._talk(socket)
                why = "the server closed the connection"
            except (OSError, WebSocketException, TimeoutError) as exc:
                why = str(exc) or type(exc).__name__
            finally:
                self._socket = None
            with self.changed:
                self.link.lost(why, time.monotonic())
                self.lost_at = time.monotonic()
                self.changed.notify_all()
                while not self._stopped.is_set() and (
                    self.link.state is LinkState.OFFLINE or self.link.retry_in(time.monotonic()) > 0
                ):
                    self.changed.wait(LOOK_SECONDS)

    def _talk(self, socket: ClientConnection) -> None:
        with self.changed:
            frames = self.link.opened()
        self._send(socket, frames)
        while not self._stopped.is_set():
            try:
                text = socket.recv(timeout=LOOK_SECONDS)
            except TimeoutError:
                continue
            except ConnectionClosed:
                return
            with self.changed:
                frames = self.link.received(json.loads(text))
                self.changed.notify_all()
            self._send(socket, frames)

    @staticmethod
    def _send(socket: ClientConnection, frames: list[Json]) -> None:
        for frame in frames:
            socket.send(json.dumps(frame, ensure_ascii=False))

    # -- what the screens ask ---------------------------------------------------------------

    def wait_for_view(self, until: Callable[[], bool]) -> None:
        """On a worker thread: until the first view came or the link went offline."""
        with self.changed:
            while not (self.link.view is not None or self.link.state is LinkState.OFFLINE):
                if until():
                    return
                self.changed.wait(LOOK_SECONDS)

    @property
    def config(self) -> ClinicConfig:
        view = self.link.view
        if view is None:
            raise Offline(self.link.why or "no view from the server yet")
        return view.config

    @property
    def address(self) -> PublicAddress:
        config = self.config
        return PublicAddress((config.public_url or self.server).rstrip("/"), FROM_CONFIG)

    @property
    def print_dir(self) -> Path:
        return self._print_dir

    def run(self, op: str, args: dict[str, Any]) -> Json:
        """Sent once; after a drop StaffLink sends it again with the same key, so the wait
        lasts until the server's one answer, however many times the network broke."""
        with self.changed:
            key, frames = self.link.command(op, args)
        return self._awaited(key, frames)

    def _awaited(self, key: str, frames: list[Json]) -> Json:
        self._try_send(frames)
        with self.changed:
            while (outcome := self.link.answer(key)) is None:
                if self._stopped.is_set():
                    raise Offline("the console is closing")
                self.changed.wait(LOOK_SECONDS)
        if outcome.error is not None:
            raise outcome.error
        return outcome.value or {}

    def slip(self, number: str) -> Slip:
        """The server's slip, linked to the address this console's phones reach it by."""
        with self.changed:
            key, frames = self.link.ask("slip", number=number)
        answer = self._awaited(key, frames)
        made = Slip.from_json(answer["slip"])
        return dataclasses.replace(made, url=self.address.link(str(answer["token"])))

    def find(self, text: str) -> list[Ticket]:
        with self.changed:
            key, frames = self.link.ask("find", text=text)
        return [Ticket.from_row(row) for row in self._awaited(key, frames)["tickets"]]

    def screens(self) -> ScreenStatus | None:
        """The screens the server sees, as of its last view; while it cannot be reached, none:
        the desk warns that nobody may see its calls, which is then true."""
        with self.changed:
            shown, state = self.link.screens, self.link.state
        if shown is None or state is not LinkState.CONNECTED:
            return None
        return ScreenStatus(time.time(), dict(shown))

    def outbox(self) -> OutboxView | None:
        """As of the server's last view: admins' views carry it."""
        with self.changed:
            return self.link.outbox

    def follow_desk(
        self, desk_id: str, deliver: Callable[[DeskView], object], fail: Fail
    ) -> Follower:
        def desk(view: DeskView | TriageView) -> None:
            if isinstance(view, DeskView):
                deliver(view)

        return RemoteFollower(self, desk, fail)

    def follow_triage(
        self, search: Callable[[], str], deliver: Callable[[TriageView], object], fail: Fail
    ) -> Follower:
        def rewatch() -> None:
            self.watch({"type": "watch", "view": "triage", "search": search()})

        def triage(view: DeskView | TriageView) -> None:
            if isinstance(view, TriageView):
                deliver(view)

        return RemoteFollower(self, triage, fail, ask=rewatch)

    def watch(self, frame: Json) -> None:
        """A new question (the triage desk's search): asked now, and again after a reconnect."""
        with self.changed:
            self.link.watch = frame
            connected = self.link.state is LinkState.CONNECTED
        if connected:
            self._try_send([frame])

    def _try_send(self, frames: list[Json]) -> None:
        """From a worker: a send that fails is not lost, the reconnect sends it again."""
        socket = self._socket
        if socket is not None:
            with contextlib.suppress(OSError, WebSocketException):
                self._send(socket, frames)


class RemoteFollower:
    """Delivers each view the server pushed; says when the link is down, once per reason."""

    def __init__(
        self,
        backend: RemoteBackend,
        deliver: Callable[[DeskView | TriageView], object],
        fail: Fail,
        ask: Callable[[], None] = lambda: None,
    ) -> None:
        self.backend = backend
        self.ask = ask
        self.deliver = deliver
        self.fail = fail
        self._stopped = threading.Event()
        self._told = ""

    @property
    def failing(self) -> bool:
        return self.backend.link.state is not LinkState.CONNECTED

    def run(self, cancelled: Callable[[], bool]) -> None:
        backend, seen = self.backend, -1
        while not (cancelled() or self._stopped.is_set()):
            with backend.changed:
                backend.changed.wait(LOOK_SECONDS)
                link = backend.link
                view, seq, why = link.view, link.view_seq, link.why
                state = link.state
            if view is not None and seq != seen:
                seen = seq
                self.deliver(view)
            if state is not LinkState.CONNECTED and why and why != self._told:
                self._told = why
                self.fail(Offline(why))
            elif state is LinkState.CONNECTED:
                self._told = ""

    def again(self) -> None:
        """The question changed (the triage desk's search): the server answers with a view."""
        self.ask()

    def stop(self) -> None:
        self._stopped.set()

    def seconds_since_ok(self) -> float:
        if self.backend.link.state is LinkState.CONNECTED:
            return 0.0
        return time.monotonic() - self.backend.lost_at

    def connection(self) -> tuple[str, dict[str, str]] | None:
        link = self.backend.link
        if link.state is LinkState.RECONNECTING:
            seconds = math.ceil(link.retry_in(time.monotonic()))
            return "link.reconnecting", {"seconds": str(seconds), "why": link.why}
        if link.state is LinkState.OFFLINE:
            return "link.offline", {"why": link.why}
        return None
