"""What the desk and triage screens share: the watcher, the live indicator, running commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual import work
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from queue_core.console_view import OutboxView, minutes_since
from queue_core.errors import DatabaseUnreachable, FileFault, NoPrimary, QueueError
from queue_core.text import printable
from queue_tui.backend import Backend, Follower
from queue_tui.i18n import DEFAULT_LANG, Lang, refusal, t
from queue_tui.messages import CommandDone, CommandRefused, OutboxRead, ReadFailed
from queue_tui.widgets.header import TROUBLE, StatusHeader

Clock = Callable[[], datetime]
Outcome = Message  # what a command's worker posts back: usually a CommandDone
OUTBOX_LOOK_SECONDS = 5.0  # the backlog of notifications: an admin's glance, not a feed
STALE_AFTER_SECONDS = 1.0  # ten looks missed: the data on screen can no longer be trusted
FAULT_SHOWN_SECONDS = 24 * 3600.0  # a file fault's message stays until someone mends it


class ConsoleScreen(Screen[None]):
    lang: reactive[Lang] = reactive(DEFAULT_LANG)
    now: reactive[datetime] = reactive(datetime.min, init=False)

    def __init__(self, backend: Backend, clock: Clock) -> None:
        super().__init__()
        self.outbox: OutboxView | None = None
        self.backend = backend
        self.clock = clock
        self._command: Worker[None] | None = None  # the command in flight, if any

    watcher: Follower  # set by each screen: what it reads when the queue changes

    def start_console(self) -> None:
        """The clock, the live indicator and the watcher: called first by each screen's
        on_mount. Not a handler itself: Textual calls the on_mount of every class in the
        MRO, so a base handler also reached through super() would start two watchers."""
        self.now = self.clock()
        self.tick()
        self.set_interval(0.25, self.tick)
        self.run_worker(self._watch, thread=True, group="watch", name="watch")
        self._look_at_outbox()
        self.set_interval(OUTBOX_LOOK_SECONDS, self._look_at_outbox)

    @work(thread=True, exclusive=True, group="outbox")
    def _look_at_outbox(self) -> None:
        try:
            self.post_message(OutboxRead(self.backend.outbox()))
        except QueueError:
            return  # the watcher reports what is wrong with the file

    def on_outbox_read(self, message: OutboxRead) -> None:
        self.outbox = message.view
        self._show_backlog()

    def _show_backlog(self) -> None:
        view = self.outbox
        header = self.query_one(StatusHeader)
        if view is None or not view.count:
            header.backlog = ""
            return
        minutes = minutes_since(view.oldest, self.clock())
        header.backlog = t(self.lang, "header.backlog", count=view.count, minutes=minutes)

    def on_unmount(self) -> None:
        self.watcher.stop()

    def _watch(self) -> None:
        worker = get_current_worker()
        self.watcher.run(lambda: worker.is_cancelled)

    def tick(self) -> None:
        """The clock, and the live indicator: stale once reads have stopped succeeding."""
        self.now = self.clock()
        header = self.query_one(StatusHeader)
        header.clock = self.now.astimezone(self.backend.config.tz).strftime("%H:%M:%S")
        trouble = self.watcher.connection()
        header.link = printable(t(self.lang, trouble[0], **trouble[1])) if trouble else ""
        if header.live in ("fault", "away") and self.watcher.failing:
            return  # the fault says more than the age
        age = self.watcher.seconds_since_ok()
        if age > STALE_AFTER_SECONDS:
            header.live = "stale"
            header.stale_seconds = int(age)
        elif header.live in TROUBLE:
            header.live = "live"

    def mark_live(self) -> None:
        if self.watcher.seconds_since_ok() <= STALE_AFTER_SECONDS:
            self.query_one(StatusHeader).live = "live"

    def report_read_failure(self, problem: QueueError | str) -> None:
        """Called on the watcher's thread, once for each new problem."""
        self.post_message(ReadFailed(problem))

    def tell(
        self,
        message: str,
        *,
        severity: SeverityLevel = "information",
        timeout: float = 4,
        title: str = "",
    ) -> None:
        """A toast shows its text as data: a refusal may quote what was typed or stored, and
        neither markup nor a terminal's escapes in it may take effect."""
        self.notify(
            printable(message), title=title, severity=severity, timeout=timeout, markup=False
        )

    def on_read_failed(self, message: ReadFailed) -> None:
        """A file fault (deleted, replaced, damaged) stays in the header and its message on
        screen until it is mended: no retry on this side mends it. A database server away is
        in the header until the watcher reads again, which it keeps trying; so is a failover
        under way, no primary taking writes yet."""
        problem = message.problem
        if isinstance(problem, str):
            self.query_one(StatusHeader).live = "stale"
            self.tell(problem, severity="error")
            return
        if isinstance(problem, DatabaseUnreachable | NoPrimary):
            self.query_one(StatusHeader).live = "away"
            self.tell(refusal(self.lang, problem), severity="error")
            return
        lasting = isinstance(problem, FileFault)
        self.query_one(StatusHeader).live = "fault" if lasting else "stale"
        timeout = FAULT_SHOWN_SECONDS if lasting else 4
        self.tell(refusal(self.lang, problem), severity="error", timeout=timeout)

    def command_pending(self) -> bool:
        return self._command is not None

    def run_command(self, action: Callable[[], Outcome]) -> None:
        """Every command runs on a worker thread; the UI thread never waits on the database.
        A press while one is in flight is ignored: a double tap or a held key's auto-repeat
        would otherwise run the command again on what the first one just changed."""
        if self.command_pending():
            return
        self._command = self.run_worker(lambda: self._run(action), thread=True, group="commands")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Posted after the command's outcome, so the outcome is shown before the next press."""
        finished = (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)
        if event.worker is self._command and event.state in finished:
            self._command = None

    def _run(self, action: Callable[[], Outcome]) -> None:
        try:
            outcome = action()
        except QueueError as exc:
            self.post_message(CommandRefused(refusal(self.lang, exc)))
        else:
            self.post_message(outcome)

    def on_command_done(self, message: CommandDone) -> None:
        self.tell(t(self.lang, message.text_key, **message.values))

    def on_command_refused(self, message: CommandRefused) -> None:
        self.tell(message.message, title=t(self.lang, "refused"), severity="warning", timeout=6)
