"""Refusals a nurse can read: one English line for the CLI, plus a code and its parameters so
a console can say the same in the nurse's language."""

from __future__ import annotations

from typing import ClassVar


class QueueError(Exception):
    """Base class: the clinic's rules (or the data) refuse the action; exit code 1 on the CLI."""

    def __init__(self, message: str, code: str = "refused", **params: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.params = params


class TicketNotFound(QueueError):
    def __init__(self, number: str) -> None:
        super().__init__(f"No ticket {number} today.", "ticket_not_found", number=number)


class DeskNotFound(QueueError):
    def __init__(self, desk: str) -> None:
        super().__init__(
            f"No desk called {desk!r} in this clinic's configuration.", "desk_not_found", desk=desk
        )


class QueueNotFound(QueueError):
    def __init__(self, queue: str) -> None:
        super().__init__(
            f"No queue called {queue!r} in this clinic's configuration.",
            "queue_not_found",
            queue=queue,
        )


class NobodyWaiting(QueueError):
    def __init__(self, desk: str) -> None:
        super().__init__(f"Nobody is waiting for desk {desk}.", "nobody_waiting", desk=desk)


class NoCurrentPatient(QueueError):
    def __init__(self, desk: str) -> None:
        super().__init__(
            f"Desk {desk} has no patient called at the moment.", "no_current_patient", desk=desk
        )


class DeskPaused(QueueError):
    def __init__(self, desk: str) -> None:
        super().__init__(
            f"Desk {desk} is paused; resume it before calling patients.", "desk_paused", desk=desk
        )


class ReasonRequired(QueueError):
    """`action` is a code (`call_out_of_turn`, `cancel`) so consoles can translate it."""

    _ACTIONS: ClassVar[dict[str, str]] = {
        "call_out_of_turn": "call a patient out of turn",
        "cancel": "cancel a ticket",
        "reopen": "reopen a visit",
        "uncancel": "take back a cancel",
        "undo_away": "take back a send-for-tests",
    }

    def __init__(self, action: str) -> None:
        super().__init__(
            f"A reason is required to {self._ACTIONS.get(action, action)}.",
            "reason_required",
            action=action,
        )


class InvalidState(QueueError):
    """The ticket (or desk) exists but is not in a state that allows the action."""

    def __init__(self, message: str, code: str = "invalid_state", **params: str) -> None:
        super().__init__(message, code, **params)


class NotEligible(QueueError):
    """The ticket cannot be served at this desk (other queue, or pinned to another desk)."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message, "not_eligible", **params)


class UnknownPriority(QueueError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"No priority class called {name!r} in this clinic's configuration.",
            "unknown_priority",
            name=name,
        )


class QueueClosed(QueueError):
    """The day's queue was closed (by hand, or at the clinic's closing time)."""

    def __init__(self, day: str) -> None:
        super().__init__(
            f"The queue of {day} is closed; new tickets join the next day's queue.",
            "queue_closed",
            day=day,
        )


class DayNotClosable(QueueError):
    def __init__(self, day: str) -> None:
        super().__init__(
            f"{day} is still to come: only today and earlier days can be closed.",
            "day_not_closable",
            day=day,
        )


class ScreenNotRegistered(QueueError):
    """Receipts count only from the screens of the clinic file's `[[screens]]`."""

    def __init__(self, screen: str) -> None:
        super().__init__(
            f"No screen {screen!r} is registered in this clinic's configuration.",
            "screen_not_registered",
            screen=screen,
        )


class ReceiptRefused(QueueError):
    """A receipt that must not count: not a call, not today's, not shown on that screen, or no
    longer its desk's current call. Nothing is recorded."""

    def __init__(self, call_seq: int, why: str) -> None:
        super().__init__(f"Event {call_seq} {why}.", "receipt_refused", call_seq=str(call_seq))


class PresenceTooSoon(QueueError):
    def __init__(self, number: str, seconds: float) -> None:
        super().__init__(
            f"{number}'s presence changed less than {seconds:g} s ago; try again shortly.",
            "presence_too_soon",
            number=number,
        )


class StoreBusy(QueueError):
    def __init__(self) -> None:
        super().__init__(
            "The queue database stayed busy too long; nothing was changed, try again.", "busy"
        )


class NotCompacted(QueueError):
    """A purge erased what was due, but the file could not be rewritten without the old bytes
    (disk full, a read-only file; on PostgreSQL, a role that may not vacuum every table): they
    stay in it until a purge compacts it."""

    def __init__(self, detail: str, what: str = "the file") -> None:
        super().__init__(
            "The personal data due was erased from the tables and the log, but"
            f" {what} could not be compacted ({detail}): the old bytes stay in"
            f" {'it' if what == 'the file' else 'them'} until 'clinic-queue purge' runs again.",
            "not_compacted",
        )


class SlipsNotRemoved(QueueError):
    """A purge erased the data due from the file, but the slip files of those days stayed."""

    def __init__(self, directory: str, detail: str) -> None:
        super().__init__(
            f"The personal data due was erased from the file, but the slips in {directory}"
            f" could not be removed ({detail}); fix the folder's permissions and run"
            " 'clinic-queue purge' again.",
            "slips_not_removed",
            path=directory,
        )


class BackupFailed(QueueError):
    """A copy of the queue file could not be made or did not check out; none was kept."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Backup failed: {detail}", "backup_failed")


class RestoreFailed(QueueError):
    """A backup could not be put in place of the queue file; what is in place says `detail`."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Restore failed: {detail}", "restore_failed")


class FileInUse(QueueError):
    """The queue file is open in a process (the server, a desk, a command): it is not replaced
    under it."""

    def __init__(self, path: str, pid: int) -> None:
        who = f"process {pid}" if pid > 0 else "another process"
        super().__init__(
            f"{path} is open in {who} (the display server, a desk or another command); stop"
            " every one of them first. Nothing was changed.",
            "file_in_use",
            path=path,
        )


class NotInitialised(QueueError):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path} is not a clinic-queue database yet; run 'clinic-queue init'.",
            "not_initialised",
            path=path,
        )


class NotADatabase(NotInitialised):
    """The path is a directory or a file SQLite cannot read: usage, not the clinic's rules."""

    def __init__(self, path: str, detail: str) -> None:
        QueueError.__init__(
            self,
            f"{path} cannot be used as a queue database ({detail}).",
            "not_a_database",
            path=path,
        )


class FileFault(QueueError):
    """The database file or its disk cannot be used as it is (damaged, read-only, full, deleted
    or replaced under the process): no retry mends it, someone must. Exit code 2 on the CLI."""


class DatabaseUnreachable(FileFault):
    def __init__(self, location: str, detail: str) -> None:
        super().__init__(
            f"The queue database at {location} cannot be reached ({detail}); nothing was"
            " changed. Check that the database server is running, then try again.",
            "database_unreachable",
            location=location,
        )


class NoPrimary(FileFault):
    """The address reached a standby: it reads, it takes no write (docs/scaling.md)."""

    def __init__(self, location: str) -> None:
        super().__init__(
            f"The queue database at {location} takes no writes now: it is a standby, and no"
            " primary is up (a failover may be under way); nothing was changed. Try again in a"
            " moment.",
            "no_primary",
            location=location,
        )


class FileOnly(FileFault):
    """What works on the SQLite file alone, asked of a clinic in PostgreSQL (docs/scaling.md)."""

    def __init__(self, what: str, location: str) -> None:
        super().__init__(
            f"{what} works on an SQLite file only, not yet on {location}; nothing was done"
            " (see docs/scaling.md).",
            "file_only",
            what=what,
        )


class DatabaseCorrupt(FileFault):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(
            f"{path} is damaged ({detail}); nothing was changed. Stop the desks and the server"
            " and restore the latest backup: clinic-queue restore BACKUP (docs/operations.md).",
            "database_corrupt",
            path=path,
        )


class ReadOnlyDatabase(FileFault):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path} is read-only for this user; nothing was changed. Whoever writes needs"
            " write access to it, its folder and the files next to it (docs/operations.md).",
            "read_only",
            path=path,
        )


class DiskFull(FileFault):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"The disk holding {path} is full; nothing was changed. Free space on it, then"
            " try again.",
            "disk_full",
            path=path,
        )


class DiskFailure(FileFault):
    """An I/O error of the disk itself (or a limit on the file's size)."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(
            f"{path} could not be written or read ({detail}); nothing was changed. Check the"
            " disk and the system log.",
            "disk_failure",
            path=path,
        )


class WalMissing(FileFault):
    """The -wal was deleted while other processes still have the database open."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path}-wal, the database's log of recent commits, is missing while other"
            " processes have the database open; nothing was changed. Close every desk and stop"
            " the server normally (never kill them): the last to close writes the log back.",
            "wal_missing",
            path=path,
        )


class FileReplaced(FileFault):
    """What is at the database's path (or its -wal's) is no longer the file this process
    opened: its writes would reach no other process, or be lost at the next start."""

    def __init__(self, path: str, what: str) -> None:
        super().__init__(
            f"{what} since this process opened it; nothing was changed. Close this program"
            " and tell the administrator (docs/operations.md, the file replaced).",
            "file_replaced",
            path=path,
        )


class HardLinked(FileFault):
    """SQLite names a database's -wal and -shm after the path it was opened by: through two
    links to one file, writers keep two logs of it and damage it."""

    def __init__(self, path: str, links: int) -> None:
        super().__init__(
            f"{path} has {links} hard links; nothing was changed. A queue database must have one"
            " name: remove the other links (a symbolic link is fine) (docs/operations.md).",
            "hard_linked",
            path=path,
            links=str(links),
        )


class RowConflict(QueueError):
    """A row would take a unique value another row holds. It is refused, never written over
    the other row: the command's transaction rolls back and nothing changes."""

    def __init__(self, message: str, code: str = "row_conflict", **params: str) -> None:
        super().__init__(message, code, **params)


class NumberTaken(RowConflict):
    """A new ticket's number is already held by another ticket of that day (a queue's prefix
    changed to one another queue used that day): a number never changes hands within a day."""

    def __init__(self, number: str, day: str) -> None:
        super().__init__(
            f"Ticket number {number} of {day} is already held by another ticket;"
            " nothing was changed.",
            "number_taken",
            number=number,
            day=day,
        )


class ConfigurationBlocked(QueueError):
    """`init` with a configuration that would orphan open tickets or give a number out twice.
    Nothing is applied; the message names every blocker on a line of its own, so they can all
    be dealt with before the next try (or the change waits until the day is closed)."""

    def __init__(self, blockers: list[str]) -> None:
        self.blockers = blockers
        super().__init__(
            "The new configuration was not applied: it would orphan open tickets or give a"
            " number out twice. Deal with these first, or apply it after the day is closed:\n"
            + "\n".join(f"  {b}" for b in blockers),
            "configuration_blocked",
        )


class ForeignDatabase(NotADatabase):
    """A SQLite file of something else: `init` never adds the queue's tables to it."""

    def __init__(self, path: str, tables: list[str]) -> None:
        shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
        QueueError.__init__(
            self,
            f"{path} is a SQLite database of something else (tables: {shown});"
            " clinic-queue will not use it. Give init a new or empty file.",
            "foreign_database",
            path=path,
        )


class ConfigError(Exception):
    """A bad configuration file: exit code 2, message names every bad key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class ImportRejected(QueueError):
    """A HIS file refused as a whole (unreadable, not text, no rows, a missing column); nothing
    was written. Refused rows are told apart, each with its line (`his_sync.RowsRefused`)."""

    def __init__(self, source: str, problem: str) -> None:
        self.problem = problem
        super().__init__(
            f"{source}: {problem}; nothing imported.", "import_rejected", source=source
        )


class TextRefused(QueueError):
    """A name, reason or actor from outside that cannot be stored as given; nothing was changed.

    `problem` says what is wrong in the words a refused import row uses ("name is longer than 64
    characters"); `field` names the text, so a console can say it in the nurse's language.
    """

    def __init__(self, problem: str, code: str, field: str, **params: str) -> None:
        self.problem = problem
        super().__init__(f"The {problem}; nothing was changed.", code, field=field, **params)


class TextTooLong(TextRefused):
    def __init__(self, field: str, limit: int) -> None:
        super().__init__(
            f"{field} is longer than {limit} characters", "text_too_long", field, limit=str(limit)
        )


class NotText(TextRefused):
    """A lone surrogate: a JSON escape or an undecodable argument, never a character."""

    def __init__(self, field: str, char: str) -> None:
        point = f"U+{ord(char):04X}"
        super().__init__(
            f"{field} holds {point}, which is not a character", "not_text", field, point=point
        )


class NoActor(TextRefused):
    """Every event says who acted: an actor that is empty once cleaned would say nobody."""

    def __init__(self) -> None:
        super().__init__("actor is empty", "no_actor", "actor")


class BadPhone(TextRefused):
    def __init__(self, phone: str) -> None:
        super().__init__(f"phone {phone!r} has fewer than 4 digits", "bad_phone", "phone")
