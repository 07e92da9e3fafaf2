"""A consultation room's console: the patient in the room, who is next and why, one key each."""

from __future__ import annotations

from datetime import datetime

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive

from queue_core import commands
from queue_core.config import ClinicConfig
from queue_core.console_view import DeskView, Json, minutes_since
from queue_core.errors import QueueError
from queue_core.masking import mask_name
from queue_core.model import Ticket
from queue_core.rules import Placed
from queue_core.store import parse_iso
from queue_tui.backend import Backend
from queue_tui.bindings import DESK_KEYS, textual_bindings
from queue_tui.correcting import ask_correction
from queue_tui.i18n import localized, t
from queue_tui.messages import CommandDone, DeskRead, ScreensRead
from queue_tui.names import queue_name, target_name
from queue_tui.reach import Reach
from queue_tui.screens.choose import ChooseDialog
from queue_tui.screens.confirm import ConfirmDialog
from queue_tui.screens.console import Clock, ConsoleScreen, Outcome
from queue_tui.screens.help import HelpScreen
from queue_tui.screens.reason import ReasonDialog
from queue_tui.screens.search import SearchDialog
from queue_tui.widgets.current import CurrentPanel
from queue_tui.widgets.header import StatusHeader
from queue_tui.widgets.keybar import KeyBar
from queue_tui.widgets.tickets import Row, TicketTable

# A call-next this soon after the desk's last call asks first: the patient just called has had
# no time to come in, so a second press is a double tap or a held key, not the next patient.
CALL_AGAIN_SECONDS = 5.0
REACH_LOOK_SECONDS = 1.0  # how often the desk reads the server's file of connected screens


class DeskScreen(ConsoleScreen):
    CSS_PATH = "desk.tcss"
    BINDINGS = textual_bindings(DESK_KEYS)  # type: ignore[assignment]

    snapshot: reactive[DeskView | None] = reactive(None, init=False, always_update=True)

    def __init__(self, backend: Backend, desk_id: str, clock: Clock) -> None:
        super().__init__(backend, clock)
        self.desk_id = desk_id
        self._own_call: tuple[str, datetime] | None = None  # the number, when it was called
        self.reach = Reach(backend.config, desk_id)
        self.watcher = backend.follow_desk(
            desk_id,
            lambda snapshot: self.post_message(DeskRead(snapshot)),
            self.report_read_failure,
        )

    def compose(self) -> ComposeResult:
        yield StatusHeader().data_bind(DeskScreen.lang)
        with Horizontal(id="main"):
            yield CurrentPanel(id="current").data_bind(DeskScreen.lang)
            yield TicketTable(id="waiting")
        with Horizontal(id="side-lists"):
            yield TicketTable(id="missed")
            yield TicketTable(id="away")
        yield KeyBar(DESK_KEYS).data_bind(DeskScreen.lang)

    def on_mount(self) -> None:
        self.start_console()
        self._look_at_screens()
        self.set_interval(REACH_LOOK_SECONDS, self._look_at_screens)
        self._show_header()
        self._show_lists()
        self.query_one("#waiting", TicketTable).focus()

    # -- data in ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="reach")
    def _look_at_screens(self) -> None:
        try:
            self.post_message(ScreensRead(self.backend.screens()))
        except QueueError:
            return  # the watcher reports the database away; the next look reads again

    def on_screens_read(self, message: ScreensRead) -> None:
        self.reach.status = message.status
        self._show_reach()

    def _show_reach(self) -> None:
        header = self.query_one(StatusHeader)
        header.warning = self.reach.warning(self.snapshot, self.now, self.lang)

    def on_desk_read(self, message: DeskRead) -> None:
        self.snapshot = message.snapshot
        self.mark_live()

    def watch_snapshot(self) -> None:
        self._show_reach()
        self._show_header()
        self._show_current()
        self._show_lists()

    def watch_lang(self) -> None:
        if self.is_mounted:
            self._show_reach()
            self._show_header()
            self._show_lists()

    def watch_now(self, before: datetime, after: datetime) -> None:
        if not self.is_mounted:
            return
        self._show_reach()
        if (before.hour, before.minute) != (after.hour, after.minute):
            self._show_lists()

    # -- showing ---------------------------------------------------------------------------

    def _show_header(self) -> None:
        desk = self.backend.config.desk(self.desk_id)
        if desk is None:
            return
        lang = self.lang
        header = self.query_one(StatusHeader)
        header.heading = localized(desk, lang)
        paused = self.snapshot.paused if self.snapshot else False
        header.detail = "  ".join(
            [
                t(lang, "header.room", room=desk.room),
                t(lang, "header.queues", queues=", ".join(self._queue_names(desk.queues))),
                t(lang, "header.paused" if paused else "header.open"),
            ]
        )
        header.set_class(paused, "-paused")

    def _queue_names(self, queue_ids: tuple[str, ...]) -> list[str]:
        names = []
        for queue_id in queue_ids:
            queue = self.backend.config.queue(queue_id)
            if queue is not None:
                names.append(localized(queue, self.lang))
        return names

    def _show_current(self) -> None:
        panel = self.query_one(CurrentPanel)
        snapshot = self.snapshot
        panel.ticket = snapshot.current if snapshot else None
        panel.receipts = snapshot.receipts if snapshot else 0
        panel.unspoken = snapshot.unspoken if snapshot else 0

    def _show_lists(self) -> None:
        lang, snapshot, now = self.lang, self.snapshot, self.now
        line = snapshot.line if snapshot else []
        missed = snapshot.missed if snapshot else []
        away = snapshot.away if snapshot else []
        waiting = self.query_one("#waiting", TicketTable)
        waiting.title = t(lang, "list.waiting", count=len(line))
        waiting.column_titles = tuple(
            t(lang, f"col.{c}") for c in ("pos", "number", "name", "reason", "wait", "eta")
        )
        estimates = snapshot.estimates if snapshot else {}
        waiting.ticket_rows = tuple(
            Row(
                p.ticket.number,
                (
                    str(i + 1),
                    p.ticket.number,
                    p.ticket.name,
                    self._reason(p),
                    self._minutes(p.ticket, now),
                    self._eta(estimates.get(p.ticket.id)),
                ),
            )
            for i, p in enumerate(line)
        )
        for table_id, title_key, tickets in (
            ("#missed", "list.missed", missed),
            ("#away", "list.away", away),
        ):
            table = self.query_one(table_id, TicketTable)
            table.title = t(lang, title_key, count=len(tickets))
            table.column_titles = tuple(t(lang, f"col.{c}") for c in ("number", "name", "wait"))
            table.ticket_rows = tuple(
                Row(tk.number, (tk.number, tk.name, self._minutes(tk, now))) for tk in tickets
            )

    def _minutes(self, ticket: Ticket, now: datetime) -> str:
        return t(self.lang, "minutes", minutes=minutes_since(ticket.checked_in_at, now))

    def _eta(self, estimate: tuple[int, int] | None) -> str:
        """The range the patient's phone shows, so the nurse can answer "how long still?"."""
        if estimate is None:
            return "—"
        lo, hi = estimate
        return t(self.lang, "eta.soon" if lo <= 0 else "eta.range", lo=lo, hi=hi)

    def _reason(self, placed: Placed) -> str:
        """Why this patient stands here: the rules' placement, priority class, pinning."""
        lang, ticket = self.lang, placed.ticket
        cls = self.backend.config.priority(ticket.priority) if ticket.priority else None
        cls_name = localized(cls, lang) if cls else ""
        slot = ""
        if ticket.slot_start:
            slot = parse_iso(ticket.slot_start).astimezone(self.backend.config.tz).strftime("%H:%M")
        parts = [t(lang, f"placement.{placed.reason.value}", slot=slot, cls=cls_name)]
        if cls_name and placed.reason.value != "priority":
            parts.append(cls_name)
        if ticket.pinned_desk == self.desk_id:
            parts.append(t(lang, "reason.pinned"))
        return " · ".join(parts)

    # -- selection -------------------------------------------------------------------------

    def _selected(self, table_id: str) -> str | None:
        return self.query_one(table_id, TicketTable).selected_number

    def _focused_selection(self) -> str | None:
        """The highlighted ticket of the focused list (the waiting list when none is focused)."""
        focused = self.focused
        if isinstance(focused, TicketTable):
            return focused.selected_number
        return self._selected("#waiting")

    def _shown(self) -> list[Ticket]:
        snapshot = self.snapshot
        if snapshot is None:
            return []
        shown = [*(p.ticket for p in snapshot.line), *snapshot.missed, *snapshot.away]
        if snapshot.current is not None:
            shown.append(snapshot.current)
        return shown

    def _queue_of(self, number: str) -> str | None:
        """The queue of a ticket this desk shows: transferring it there would change nothing."""
        return next((ticket.queue for ticket in self._shown() if ticket.number == number), None)

    def _names(self) -> dict[str, str]:
        """The names of the tickets this desk shows: an action's answer carries numbers only."""
        return {ticket.number: ticket.name for ticket in self._shown()}

    def _current_number(self) -> str | None:
        current = self.snapshot.current if self.snapshot else None
        return current.number if current else None

    # -- actions ---------------------------------------------------------------------------

    @work
    async def action_call_next(self) -> None:
        if self.command_pending():
            return
        just_called = self._just_called()
        if just_called is not None:
            question = t(self.lang, "confirm.call_again", number=just_called)
            if not await self.app.push_screen_wait(ConfirmDialog(question, self.lang)):
                return
        backend, desk, names = self.backend, self.desk_id, self._names()
        self.run_command(
            lambda: _said_call(
                backend.config, desk, names, backend.run("call_next", {"desk": desk})
            )
        )

    def _just_called(self) -> str | None:
        """The patient this desk called less than CALL_AGAIN_SECONDS ago: by the read model, or
        by this console's own call before the read model has caught up with it."""
        calls = [self._own_call] if self._own_call else []
        current = self.snapshot.current if self.snapshot else None
        if current is not None and current.called_at is not None:
            calls.append((current.number, parse_iso(current.called_at)))
        now = self.clock()
        recent = [n for n, at in calls if (now - at).total_seconds() < CALL_AGAIN_SECONDS]
        return recent[0] if recent else None

    def on_command_done(self, message: CommandDone) -> None:
        """Any other outcome (finish, skip, tests...) means the patient is no longer in the room."""
        called = message.text_key == "done.call"
        self._own_call = (message.values["number"], self.clock()) if called else None

    def _run_op(self, op: str, done_key: str, args: Json) -> None:
        """An action whose outcome is the ticket it acted on."""
        backend = self.backend
        self.run_command(lambda: _said(done_key, backend.run(op, args)))

    def action_recall(self) -> None:
        self._run_op("recall", "done.recall", {"desk": self.desk_id})

    def action_finish(self) -> None:
        self._run_op("finish", "done.finish", {"desk": self.desk_id})

    @work
    async def action_skip(self) -> None:
        number = self._current_number()
        if number is not None:
            question = t(self.lang, "confirm.skip", number=number)
            if not await self.app.push_screen_wait(ConfirmDialog(question, self.lang)):
                return
        self._run_op("skip", "done.skip", {"desk": self.desk_id})

    def action_requeue(self) -> None:
        number = self._selected("#missed")
        if number is None:
            self._tell("none.missed")
            return
        self._run_op("requeue", "done.requeue", {"number": number})

    def action_send_away(self) -> None:
        """Only the patient in the room, as `s`, `r` and `d`: the core refuses an empty room."""
        self._run_op("send_away", "done.away", {"desk": self.desk_id})

    def action_come_back(self) -> None:
        number = self._selected("#away")
        if number is None:
            self._tell("none.away")
            return
        self._run_op("come_back", "done.back", {"number": number})

    @work
    async def action_transfer(self) -> None:
        number = self._current_number() or self._focused_selection()
        if number is None:
            self._tell("none.selected")
            return
        config, lang = self.backend.config, self.lang
        own_queue = self._queue_of(number)
        choices: list[tuple[commands.TransferTarget, str]] = [
            (
                commands.ToQueue(q.id),
                t(lang, "transfer.queue", name=localized(q, lang)),
            )
            for q in config.queues
            if q.id != own_queue
        ] + [
            (
                commands.ToDesk(d.id),
                t(lang, "transfer.desk", name=localized(d, lang), room=d.room),
            )
            for d in config.desks
            if d.id != self.desk_id
        ]
        title = t(lang, "transfer.title", number=number)
        target = await self.app.push_screen_wait(ChooseDialog(title, choices))
        if not target:
            return
        backend = self.backend
        to = target_name(config, target, lang)
        kind = "desk" if isinstance(target, commands.ToDesk) else "queue"
        args = {"number": number, "to": f"{kind}:{target.id}"}

        def move() -> Outcome:
            ticket = backend.run("transfer", args)["ticket"]
            return CommandDone("done.transfer", {"number": ticket["number"], "to": to})

        self.run_command(move)

    @work
    async def action_call_ticket(self) -> None:
        number = self._focused_selection()
        if number is None:
            self._tell("none.selected")
            return
        prompt = t(self.lang, "reason.call", number=number)
        reason = await self.app.push_screen_wait(ReasonDialog(prompt, self.lang))
        if reason is None:
            return
        backend, desk, names = self.backend, self.desk_id, self._names()
        args = {"desk": desk, "number": number, "reason": reason}

        def call() -> Outcome:
            return _said_call(backend.config, desk, names, backend.run("call_ticket", args))

        self.run_command(call)

    def action_pause(self) -> None:
        backend, desk = self.backend, self.desk_id
        paused = self.snapshot.paused if self.snapshot else False

        def toggle() -> Outcome:
            op = "resume" if paused else "pause"
            backend.run(op, {"desk": desk})
            return CommandDone(f"done.{op}", {})

        self.run_command(toggle)

    @work
    async def action_correct(self) -> None:
        away = self._selected("#away")
        room_empty = self._current_number() is None
        chosen = await ask_correction(self.app, self.lang, room_empty, away)
        if chosen is not None:
            backend, desk = self.backend, self.desk_id
            self.run_command(lambda: chosen.run(backend, desk))

    @work
    async def action_search(self) -> None:
        text = await self.app.push_screen_wait(SearchDialog(t(self.lang, "search.title")))
        if not text:
            return
        needle = text.upper()
        for table in self.query(TicketTable):
            for row in table.ticket_rows:
                if row.number == needle or text in " ".join(row.cells):
                    table.select(row.number)
                    table.focus()
                    return
        self._search_elsewhere(text)

    def _search_elsewhere(self, text: str) -> None:
        """Not in this desk's lists: say where the ticket is, so the nurse can act on it. A
        command like any other: a server that cannot be reached refuses it, saying why."""
        self.run_command(lambda: self._where(text))

    def _where(self, text: str) -> CommandDone:
        found = self.backend.find(text)
        if not found:
            return CommandDone("none.found", {"text": text})
        ticket = found[0]
        return CommandDone(
            "found.elsewhere",
            {
                "number": ticket.number,
                "state": t(self.lang, f"state.{ticket.state.value}"),
                "queue": queue_name(self.backend.config, ticket.queue, self.lang),
            },
        )

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(DESK_KEYS, self.lang))

    def _tell(self, key: str) -> None:
        self.tell(t(self.lang, key), severity="warning")


def _said(key: str, result: Json) -> Outcome:
    return CommandDone(key, {"number": result["ticket"]["number"]})


def _said_call(config: ClinicConfig, desk_id: str, names: dict[str, str], done: Json) -> Outcome:
    """The call, and the visit it ended when there was one: the nurse hears of both."""
    called = _called(config, desk_id, names, done["called"])
    if done["finished"] is None:
        return CommandDone("done.call", called)
    return CommandDone("done.call_after", {**called, "finished": done["finished"]["number"]})


def _called(
    config: ClinicConfig, desk_id: str, names: dict[str, str], ticket: Json
) -> dict[str, str]:
    desk = config.desk(desk_id)
    return {
        "number": ticket["number"],
        "name": mask_name(names.get(ticket["number"], "")),
        "room": desk.room if desk else desk_id,
    }
