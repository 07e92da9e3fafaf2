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
    """y or Enter confirms, Esc goes back. No key of the desk's own answers: a nurse reaching
    for `n` or space to call the next patient must not take it as "no", nor press a button
    with it, so the buttons take no focus (a click still presses them)."""

    CSS_PATH = "confirm.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "yes", id="confirm.yes"),
        Binding("escape", "answer(False)", "no", id="confirm.no"),
    ]

    def __init__(self, question: str, lang: Lang) -> None:
        super().__init__()
        self.question = question
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="question")
            with Horizontal(id="buttons"):
                yes = Button(t(self.lang, "confirm.yes"), id="yes", variant="warning")
                no = Button(t(self.lang, "confirm.no"), id="no")
                yes.can_focus = no.can_focus = False
                yield yes
                yield no

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
