"""A reason the audit trail keeps: the dialog will not close with an empty one, nor with one
the core would refuse, so that the nurse corrects it instead of typing it again."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from queue_core.errors import TextRefused
from queue_core.text import clean_reason
from queue_tui.i18n import Lang, refusal, t


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
        try:
            reason = clean_reason(event.value)
        except TextRefused as exc:
            self._refuse(refusal(self.lang, exc))
            return
        if not reason:
            self._refuse(t(self.lang, "reason.required"))
            return
        self.dismiss(reason)

    def _refuse(self, problem: str) -> None:
        self.query_one("#problem", Label).update(Text(problem))
        self.query_one("#dialog").add_class("-refused")

    def action_back(self) -> None:
        self.dismiss(None)
