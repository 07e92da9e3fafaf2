"""Everything a console does against the queue, behind one interface: read what it shows,
follow the changes, run an action by name. The screens never know where the queue lives."""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from queue_core.address import PublicAddress, public_address
from queue_core.config import ClinicConfig
from queue_core.console_view import (
    DeskView,
    Json,
    OutboxView,
    Slip,
    TriageView,
    read_desk,
    read_outbox,
    read_triage,
    slip_of,
)
from queue_core.errors import QueueError
from queue_core.model import Ticket
from queue_core.operations import BY_NAME
from queue_core.registration import find_tickets
from queue_core.screen_status import ScreenStatus, read_status
from queue_core.slips import slip_dir
from queue_core.store import Store
from queue_tui.watch import Watcher

Fail = Callable[[QueueError | str], object]


class Follower(Protocol):
    """Runs on a worker thread until stopped, delivering each new view."""

    @property
    def failing(self) -> bool: ...

    def run(self, cancelled: Callable[[], bool]) -> None: ...

    def again(self) -> None: ...

    def stop(self) -> None: ...

    def seconds_since_ok(self) -> float: ...

    def connection(self) -> tuple[str, dict[str, str]] | None:
        """What the header says of the way to the queue (a catalogue key and its values), or
        None when there is nothing to say beyond how fresh the data is."""


class Backend(ABC):
    actor: str

    @property
    @abstractmethod
    def config(self) -> ClinicConfig:
        """The clinic's configuration as this console may know it (console_view.config_to_json)."""

    @property
    @abstractmethod
    def address(self) -> PublicAddress:
        """Where patients' phones reach the display server: the slips' links."""

    @property
    @abstractmethod
    def print_dir(self) -> Path:
        """Where this console saves the slips it prints."""

    @abstractmethod
    def follow_desk(
        self, desk_id: str, deliver: Callable[[DeskView], object], fail: Fail
    ) -> Follower: ...

    @abstractmethod
    def follow_triage(
        self, search: Callable[[], str], deliver: Callable[[TriageView], object], fail: Fail
    ) -> Follower: ...

    @abstractmethod
    def run(self, op: str, args: dict[str, Any]) -> Json:
        """On a worker thread: one operation of queue_core/operations.py, its JSON result; a
        refusal raises QueueError."""

    @abstractmethod
    def slip(self, number: str) -> Slip:
        """On a worker thread: the slip of a ticket just issued or checked in."""

    @abstractmethod
    def find(self, text: str) -> list[Ticket]:
        """On a worker thread: today's tickets by number, name or phone (registration.py)."""

    @abstractmethod
    def screens(self) -> ScreenStatus | None:
        """On a worker thread: which screens the display server last saw (screen_status.py)."""

    @abstractmethod
    def outbox(self) -> OutboxView | None:
        """On a worker thread: the notifications' backlog, for an admin (None: not shown)."""


class LocalBackend(Backend):
    """On the database host, or beside the server on PostgreSQL: the console reads and writes
    the queue's database itself."""

    def __init__(
        self,
        store: Store,
        actor: str,
        address: PublicAddress | None = None,
        print_dir: Path | None = None,
    ) -> None:
        self.store = store
        self.actor = actor
        self._address = address or public_address(store.config)
        self._print_dir = print_dir or slip_dir(store.path)

    @property
    def config(self) -> ClinicConfig:
        return self.store.config

    @property
    def address(self) -> PublicAddress:
        return self._address

    @property
    def print_dir(self) -> Path:
        return self._print_dir

    def follow_desk(
        self, desk_id: str, deliver: Callable[[DeskView], object], fail: Fail
    ) -> Follower:
        return Watcher(self.store, lambda line: read_desk(line, desk_id), deliver, fail)

    def follow_triage(
        self, search: Callable[[], str], deliver: Callable[[TriageView], object], fail: Fail
    ) -> Follower:
        store = self.store
        return Watcher(store, lambda line: read_triage(line, store, search()), deliver, fail)

    def run(self, op: str, args: dict[str, Any]) -> Json:
        operation = BY_NAME.get(op)
        if operation is None:
            raise QueueError(f"No operation called {op!r}.", "unknown_op", op=op)
        try:
            return operation.run(self.store, operation.parse(args), self.actor)
        except (sqlite3.Error, self.store.backend.database_error) as exc:
            raise QueueError(str(exc), "database") from exc

    def slip(self, number: str) -> Slip:
        return slip_of(self.store, number, self._address)[0]

    def find(self, text: str) -> list[Ticket]:
        return find_tickets(self.store, text)

    def screens(self) -> ScreenStatus | None:
        return read_status(self.store)

    def outbox(self) -> OutboxView | None:
        """A console on the database host counts as an admin's."""
        return read_outbox(self.store)
