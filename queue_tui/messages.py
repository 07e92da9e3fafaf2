"""Every custom Message of the consoles: what worker threads tell the UI thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from queue_core.errors import QueueError

if TYPE_CHECKING:
    from queue_core.console_view import DeskView, OutboxView, Slip, TriageView
    from queue_core.screen_status import ScreenStatus
    from queue_tui.printing import Printed
    from queue_tui.remote import RemoteBackend


class DeskRead(Message):
    """A fresh snapshot of the desk's part of the board."""

    def __init__(self, snapshot: DeskView) -> None:
        super().__init__()
        self.snapshot = snapshot


class TriageRead(Message):
    """A fresh snapshot for the triage desk: queue counts and the current search."""

    def __init__(self, snapshot: TriageView) -> None:
        super().__init__()
        self.snapshot = snapshot


class ScreensRead(Message):
    """The display server's file of connected screens, or None when there is none to read."""

    def __init__(self, status: ScreenStatus | None) -> None:
        super().__init__()
        self.status = status


class OutboxRead(Message):
    """The notifications' backlog, or None when this console does not show it."""

    def __init__(self, view: OutboxView | None) -> None:
        super().__init__()
        self.view = view


class ReadFailed(Message):
    """The database could not be read, or is no longer the file the console opened: the live
    indicator turns stale, or shows the file's fault for as long as it lasts."""

    def __init__(self, problem: QueueError | str) -> None:
        super().__init__()
        self.problem = problem


class CommandDone(Message):
    """A command committed; `text_key` and `values` say what happened, in either language."""

    def __init__(self, text_key: str, values: dict[str, str]) -> None:
        super().__init__()
        self.text_key = text_key
        self.values = values


class CommandRefused(Message):
    """The core refused a command (or the database did): its one-line message, for a toast."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class SlipReady(Message):
    """A ticket was issued or checked in: the slip as the patient gets it."""

    def __init__(self, slip: Slip) -> None:
        super().__init__()
        self.slip = slip


class SlipPrinted(Message):
    """A slip was saved and, with a printer configured, sent to it: what became of each."""

    def __init__(self, printed: Printed) -> None:
        super().__init__()
        self.printed = printed


class LoggedIn(Message):
    """The server granted a session and sent the first view: the console can open."""

    def __init__(self, backend: RemoteBackend) -> None:
        super().__init__()
        self.backend = backend


class LoginFailed(Message):
    """The first connection ended without a view: the server's refusal or the network's."""

    def __init__(self, why: str) -> None:
        super().__init__()
        self.why = why
