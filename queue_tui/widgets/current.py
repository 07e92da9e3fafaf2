"""The patient in the room: a number readable across it, and what the nurse must know."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Digits, Static

from queue_core.console_view import minutes_since
from queue_core.model import Ticket
from queue_core.store import parse_iso
from queue_core.text import printable
from queue_tui.i18n import DEFAULT_LANG, Lang, t


class CurrentPanel(Vertical):
    ticket: reactive[Ticket | None] = reactive(None)
    receipts: reactive[int] = reactive(0)
    unspoken: reactive[int] = reactive(0)  # of `receipts`, screens that could not say the call
    lang: reactive[Lang] = reactive(DEFAULT_LANG)

    def compose(self) -> ComposeResult:
        yield Digits("", id="current-number")
        yield Static("", id="current-details")

    def watch_ticket(self) -> None:
        self._show()

    def watch_receipts(self) -> None:
        self._show()

    def watch_unspoken(self) -> None:
        self._show()

    def watch_lang(self) -> None:
        self.border_title = t(self.lang, "current.title")
        self._show()

    def _show(self) -> None:
        if not self.is_mounted:
            return
        self.query_one("#current-number", Digits).update(self.ticket.number if self.ticket else "")
        self.query_one("#current-details", Static).update(self._details())
        self.set_class(self.ticket is None, "-empty")

    def _details(self) -> Text:
        ticket, lang = self.ticket, self.lang
        if ticket is None:
            return Text(t(lang, "current.none"), style="dim")
        text = Text()
        text.append(printable(ticket.name) or "—", style="bold")  # never the terminal's escapes
        called = parse_iso(ticket.called_at) if ticket.called_at else None
        if called is not None:
            waited = minutes_since(ticket.checked_in_at, called)
            text.append("\n" + t(lang, "current.waited", minutes=waited))
        if ticket.recalls:
            text.append("\n" + t(lang, "current.recalls", count=ticket.recalls), style="bold")
        if self.unspoken:
            spoken = self.receipts - self.unspoken
            line = t(lang, "current.unspoken", spoken=spoken, unspoken=self.unspoken)
            text.append("\n" + line, style="bold yellow")
        elif self.receipts:
            text.append("\n" + t(lang, "current.receipts", count=self.receipts), style="green")
        if ticket.presence:
            text.append("\n" + t(lang, f"presence.{ticket.presence}"), style="bold cyan")
        return text

    def on_mount(self) -> None:
        self.border_title = t(self.lang, "current.title")
        self._show()
