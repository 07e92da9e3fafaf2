"""The ticket as the patient gets it, with the QR code of their phone page to scan right away."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Digits, Static

from queue_core.console_view import Slip
from queue_tui.i18n import Lang, localized, t
from queue_tui.widgets.qrcode import QrCode


class SlipScreen(ModalScreen[bool]):
    """Dismissed with True when the nurse asks for it to be printed."""

    CSS_PATH = "slip.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p,f7", "print", "print", id="slip.print"),
        Binding("escape,enter", "close", "close", id="slip.close"),
    ]

    def __init__(self, slip: Slip, lang: Lang) -> None:
        super().__init__()
        self.slip = slip
        self.lang = lang

    def compose(self) -> ComposeResult:
        slip, lang = self.slip, self.lang
        queue_name = localized(slip.queue, lang)
        facts = Text()
        facts.append(queue_name + "\n", style="bold")
        if slip.masked_name:
            facts.append(slip.masked_name + "\n")
        facts.append(t(lang, "slip.rooms", rooms=", ".join(slip.rooms)) + "\n")
        facts.append(t(lang, "slip.ahead", ahead=slip.ahead) + "\n", style="bold")
        facts.append(slip.issued_at.strftime("%H:%M") + "\n\n")
        facts.append(t(lang, "slip.scan") + "\n", style="dim")
        facts.append(t(lang, "slip.printed"), style="dim")
        with Horizontal(id="dialog") as dialog:
            dialog.border_title = t(lang, "slip.title")
            with Vertical(id="facts"):
                yield Digits(slip.number, id="slip-number")
                yield Static(facts, id="slip-facts")
            qr = QrCode(id="slip-qr")
            qr.data = slip.url
            yield qr

    def action_print(self) -> None:
        self.dismiss(True)

    def action_close(self) -> None:
        self.dismiss(False)
