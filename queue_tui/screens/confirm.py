"""Yes or no before an action that cannot simply be undone."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from queue_tui.i18n import Lang, t


class ConfirmDialog(ModalScreen[bool]):
    """y or Enter confirms, Esc goes back. No letter of the desk's keys answers: a nurse
    pressing `n` to call the next patient must not take it as "no" (or as anything)."""

    CSS_PATH = "confirm.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "yes", id="confirm.yes", priority=True),
        Binding("escape", "answer(False)", "no", id="confirm.no", priority=True),
    ]

    def __init__(self, question: str, lang: Lang) -> None:
        super().__init__()
        self.question = question
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="question")
            with Horizontal(id="buttons"):
                yield Button(t(self.lang, "confirm.yes"), id="yes", variant="warning")
                yield Button(t(self.lang, "confirm.no"), id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
