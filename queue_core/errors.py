"""Refusals a nurse can read: every one carries a single line that the CLI and TUI show as is."""

from __future__ import annotations


class QueueError(Exception):
    """Base class: the clinic's rules (or the data) refuse the action; exit code 1 on the CLI."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TicketNotFound(QueueError):
    def __init__(self, number: str) -> None:
        super().__init__(f"No ticket {number} today.")


class DeskNotFound(QueueError):
    def __init__(self, desk: str) -> None:
        super().__init__(f"No desk called {desk!r} in this clinic's configuration.")


class QueueNotFound(QueueError):
    def __init__(self, queue: str) -> None:
        super().__init__(f"No queue called {queue!r} in this clinic's configuration.")


class NobodyWaiting(QueueError):
    def __init__(self, desk: str) -> None:
        super().__init__(f"Nobody is waiting for desk {desk}.")


class NoCurrentPatient(QueueError):
    def __init__(self, desk: str) -> None:
        super().__init__(f"Desk {desk} has no patient called at the moment.")


class DeskPaused(QueueError):
    def __init__(self, desk: str) -> None:
        super().__init__(f"Desk {desk} is paused; resume it before calling patients.")


class ReasonRequired(QueueError):
    def __init__(self, action: str) -> None:
        super().__init__(f"A reason is required to {action}.")


class InvalidState(QueueError):
    """The ticket exists but is not in a state that allows the action."""


class NotEligible(QueueError):
    """The ticket cannot be served at this desk (other queue, or pinned to another desk)."""


class UnknownPriority(QueueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"No priority class called {name!r} in this clinic's configuration.")


class StoreBusy(QueueError):
    def __init__(self) -> None:
        super().__init__("The queue database stayed busy too long; nothing was changed, try again.")


class NotInitialised(QueueError):
    def __init__(self, path: str) -> None:
        super().__init__(f"{path} is not a clinic-queue database yet; run 'clinic-queue init'.")


class NotADatabase(NotInitialised):
    """The path is a directory or a file SQLite cannot read: usage, not the clinic's rules."""

    def __init__(self, path: str, detail: str) -> None:
        QueueError.__init__(self, f"{path} cannot be used as a queue database ({detail}).")


class ConfigError(Exception):
    """A bad configuration file: exit code 2, message names every bad key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class ImportRejected(QueueError):
    """An import found bad rows; nothing was written. Every problem keeps its line number."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        count = len(problems)
        super().__init__(
            f"{source}: {count} bad row{'s' if count != 1 else ''}, nothing imported: "
            + "; ".join(problems)
        )
