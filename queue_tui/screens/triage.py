"""The department's triage desk: issue walk-ins, check in appointments, mark priority, cancel."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from queue_core.console_view import Json, Slip, TriageView
from queue_core.errors import TextRefused
from queue_core.text import clean_name, phone_last4
from queue_tui.backend import Backend
from queue_tui.bindings import TRIAGE_KEYS, textual_bindings
from queue_tui.correcting import uncancel
from queue_tui.i18n import localized, refusal, t
from queue_tui.messages import CommandDone, SlipPrinted, SlipReady, TriageRead
from queue_tui.names import priority_name
from queue_tui.printing import print_slip
from queue_tui.screens.choose import ChooseDialog
from queue_tui.screens.console import Clock, ConsoleScreen, Outcome
from queue_tui.screens.help import HelpScreen
from queue_tui.screens.reason import ReasonDialog
from queue_tui.screens.slip import SlipScreen
from queue_tui.widgets.header import StatusHeader
from queue_tui.widgets.keybar import KeyBar
from queue_tui.widgets.tickets import Row, TicketTable


class TriageScreen(ConsoleScreen):
    CSS_PATH = "triage.tcss"
    BINDINGS = textual_bindings(TRIAGE_KEYS)  # type: ignore[assignment]

    snapshot: reactive[TriageView | None] = reactive(None, init=False, always_update=True)

    def __init__(self, backend: Backend, clock: Clock) -> None:
        super().__init__(backend, clock)
        self.search_text = ""  # read by the watcher thread; a str swap is atomic
        self.last_slip: Slip | None = None
        self.watcher = backend.follow_triage(
            lambda: self.search_text,
            lambda snapshot: self.post_message(TriageRead(snapshot)),
            self.report_read_failure,
        )

    def compose(self) -> ComposeResult:
        config = self.backend.config
        yield StatusHeader().data_bind(TriageScreen.lang)
        # Every slip's QR code is a dead link on a phone while this shows, so it stays shown.
        yield Static(id="address-warning")
        with Horizontal(id="body"):
            with Vertical(id="issue-form"):
                yield Label(id="queue-label")
                yield Select([(q.id, q.id) for q in config.queues], id="queue", compact=True)
                yield Label(id="name-label")
                yield Input(id="name", compact=True)
                yield Label(id="phone-label")
                yield Input(id="phone", compact=True, restrict=r"[0-9 +-]*")
                yield Label(id="priority-label")
                yield Select([(p.id, p.id) for p in config.priorities], id="priority", compact=True)
                yield Label(id="desk-label")
                yield Select([(d.id, d.id) for d in config.desks], id="desk", compact=True)
                yield Button("", id="issue", variant="primary", compact=True)
            with Vertical(id="find-pane"):
                yield Static(id="counts")
                yield Label(id="find-label")
                yield Input(id="find", compact=True)
                yield TicketTable(id="found")
        yield KeyBar(TRIAGE_KEYS).data_bind(TriageScreen.lang)

    def on_mount(self) -> None:
        self.start_console()
        self._show_labels()
        self._show_found()
        self.query_one("#queue", Select).focus()

    # -- data in ---------------------------------------------------------------------------

    def on_triage_read(self, message: TriageRead) -> None:
        self.snapshot = message.snapshot
        self.mark_live()

    def watch_snapshot(self) -> None:
        self._show_found()

    def watch_lang(self) -> None:
        if self.is_mounted:
            self._show_labels()
            self._show_found()

    # -- showing ---------------------------------------------------------------------------

    def _show_labels(self) -> None:
        lang, config = self.lang, self.backend.config
        header = self.query_one(StatusHeader)
        header.heading = t(lang, "triage.title", clinic=config.name)
        header.detail = ""
        warning = self.query_one("#address-warning", Static)
        warning.display = self.backend.address.loopback
        warning.update(Text(t(lang, "triage.loopback", url=self.backend.address.base)))  # no markup
        for field in ("queue", "name", "phone", "priority", "desk"):
            self.query_one(f"#{field}-label", Label).update(t(lang, f"triage.{field}"))
        self.query_one("#find-label", Label).update(t(lang, "triage.find"))
        self.query_one("#issue", Button).label = f"{t(lang, 'key.issue')} (F2)"
        self.query_one("#issue-form").border_title = t(lang, "triage.issue")
        for select_id, prompt in (
            ("#queue", "triage.choose"),
            ("#priority", "triage.optional"),
            ("#desk", "triage.optional"),
        ):
            self.query_one(select_id, Select).prompt = t(lang, prompt)
        self.query_one("#queue", Select).set_options(
            [(localized(q, lang), q.id) for q in config.queues]
        )
        self.query_one("#priority", Select).set_options(
            [(localized(p, lang), p.id) for p in config.priorities]
        )
        self.query_one("#desk", Select).set_options(
            [(f"{localized(d, lang)} ({d.room})", d.id) for d in config.desks]
        )

    def _show_found(self) -> None:
        lang, snapshot, config = self.lang, self.snapshot, self.backend.config
        counts = snapshot.queues if snapshot else []
        self.query_one("#counts", Static).update(
            "   ".join(
                t(
                    lang,
                    "triage.waiting",
                    name=localized(c.config, lang),
                    count=c.waiting,
                )
                for c in counts
            )
        )
        table = self.query_one("#found", TicketTable)
        table.title = t(lang, "triage.results")
        table.column_titles = tuple(
            t(lang, f"col.{c}") for c in ("number", "name", "queue", "state", "phone")
        )
        found = snapshot.found if snapshot else []
        rows = []
        for ticket in found:
            queue = config.queue(ticket.queue)
            queue_name = localized(queue, lang) if queue else ticket.queue
            state = t(lang, f"state.{ticket.state.value}")
            if ticket.priority and (cls := config.priority(ticket.priority)):
                state += " · " + localized(cls, lang)
            if snapshot is not None and ticket.number in snapshot.by_phone:
                state += " · " + t(lang, "triage.by_phone")
            rows.append(
                Row(
                    ticket.number,
                    (ticket.number, ticket.name, queue_name, state, ticket.phone_last4),
                )
            )
        table.ticket_rows = tuple(rows)

    # -- searching -------------------------------------------------------------------------

    @on(Input.Changed, "#find")
    def _search(self, event: Input.Changed) -> None:
        self.search_text = event.value.strip()
        self.watcher.again()

    @on(Input.Submitted, "#find")
    def _search_done(self) -> None:
        self.query_one("#found", TicketTable).focus()

    def _selected(self) -> str | None:
        number = self.query_one("#found", TicketTable).selected_number
        if number is None:
            self.tell(t(self.lang, "none.selected"), severity="warning")
        return number

    # -- actions ---------------------------------------------------------------------------

    @on(Button.Pressed, "#issue")
    @on(Input.Submitted, "#name")
    def action_issue(self) -> None:
        queue = _chosen(self.query_one("#queue", Select))
        if queue is None:
            self.tell(t(self.lang, "triage.pick_queue"), severity="warning")
            self.query_one("#queue", Select).focus()
            return
        name_input, phone_input = self.query_one("#name", Input), self.query_one("#phone", Input)
        name, phone = name_input.value, phone_input.value
        try:  # here, so that the form keeps what was typed to be corrected
            clean_name(name)
            phone_last4(phone)
        except TextRefused as exc:
            self.tell(refusal(self.lang, exc), title=t(self.lang, "refused"), severity="warning")
            return
        priority = _chosen(self.query_one("#priority", Select))
        desk = _chosen(self.query_one("#desk", Select))
        self._issue_slip(
            "issue",
            {"queue": queue, "name": name, "phone": phone, "priority": priority, "desk": desk},
        )
        name_input.value = phone_input.value = ""
        self.query_one("#priority", Select).clear()
        self.query_one("#desk", Select).clear()

    def action_find(self) -> None:
        self.query_one("#find", Input).focus()

    @on(DataTable.RowSelected, "#found")
    def action_check_in(self) -> None:
        number = self._selected()
        if number is None:
            return
        self._issue_slip("check_in", {"number": number})

    def _issue_slip(self, op: str, args: Json) -> None:
        """Issue or check in, then read the line once more for the slip's "how many ahead"."""
        backend = self.backend

        def issue() -> SlipReady:
            number = backend.run(op, args)["ticket"]["number"]
            return SlipReady(backend.slip(number))

        self.run_command(issue)

    @work
    async def on_slip_ready(self, message: SlipReady) -> None:
        self.last_slip = message.slip
        if await self.app.push_screen_wait(SlipScreen(message.slip, self.lang)):
            self.action_print_slip()

    def action_print_slip(self) -> None:
        slip, directory, lang = self.last_slip, self.backend.print_dir, self.lang
        if slip is None:
            self.tell(t(lang, "none.selected"), severity="warning")
            return

        self.run_command(lambda: SlipPrinted(print_slip(slip, directory, lang)))

    def on_slip_printed(self, message: SlipPrinted) -> None:
        printed = message.printed
        severity: SeverityLevel = "warning" if printed.failed else "information"
        self.tell(printed.text(self.lang), severity=severity, timeout=8 if printed.failed else 4)

    @work
    async def action_priority(self) -> None:
        number = self._selected()
        if number is None:
            return
        choices = [(p.id, localized(p, self.lang)) for p in self.backend.config.priorities]
        choices.append(("-", t(self.lang, "priority.clear")))
        title = t(self.lang, "priority.title", number=number)
        chosen = await self.app.push_screen_wait(ChooseDialog(title, choices))
        if chosen is None:
            return
        cls = None if chosen == "-" else chosen
        backend, lang = self.backend, self.lang

        def mark() -> Outcome:
            ticket = backend.run("set_priority", {"number": number, "priority": cls})["ticket"]
            return CommandDone(
                "done.priority",
                {
                    "number": ticket["number"],
                    "cls": priority_name(backend.config, ticket["priority"], lang),
                },
            )

        self.run_command(mark)

    @work
    async def action_cancel(self) -> None:
        number = self._selected()
        if number is None:
            return
        prompt = t(self.lang, "reason.cancel", number=number)
        reason = await self.app.push_screen_wait(ReasonDialog(prompt, self.lang))
        if reason is None:
            return
        backend = self.backend
        args = {"number": number, "reason": reason}
        self.run_command(
            lambda: CommandDone(
                "done.cancel", {"number": backend.run("cancel", args)["ticket"]["number"]}
            )
        )

    @work
    async def action_uncancel(self) -> None:
        number = self._selected()
        if number is None:
            return
        prompt = t(self.lang, "reason.uncancel", number=number)
        reason = await self.app.push_screen_wait(ReasonDialog(prompt, self.lang))
        if reason is None:
            return
        backend = self.backend
        self.run_command(lambda: uncancel(backend, number, reason))

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(TRIAGE_KEYS, self.lang))


def _chosen(select: Select[str]) -> str | None:
    value = select.value
    return value if isinstance(value, str) else None
