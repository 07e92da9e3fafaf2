"""A reason the audit trail keeps: the dialog will not close with an empty one."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from queue_tui.i18n import Lang, t


class ReasonDialog(ModalScreen[str | None]):
    CSS_PATH = "reason.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "back", id="reason.back")]

    def __init__(self, prompt: str, lang: Lang) -> None:
        super().__init__()
        self.prompt = prompt
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.prompt, id="prompt")
            yield Input(placeholder=t(self.lang, "reason.placeholder"), id="reason")
            yield Label("", id="problem")
            yield Label(f"{t(self.lang, 'reason.ok')}   {t(self.lang, 'reason.back')}", id="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not reason:
            self.query_one("#problem", Label).update(t(self.lang, "reason.required"))
            self.query_one("#dialog").add_class("-refused")
            return
        self.dismiss(reason)

    def action_back(self) -> None:
        self.dismiss(None)
