"""Every key of the console with what it does, from the same table as the key bar."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from queue_tui.bindings import Key
from queue_tui.i18n import Lang, t


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,f1,q", "close", "close", id="help.close")
    ]

    def __init__(self, table: tuple[Key, ...], lang: Lang) -> None:
        super().__init__()
        self.table = table
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = t(self.lang, "help.title")
            yield Static(self._lines(), id="keys")

    def _lines(self) -> Text:
        """One line per key, the keys padded to the widest so the descriptions line up."""
        shown = [(f" {key.help_keys} ", key.description(self.lang)) for key in self.table]
        width = max(cell_len(keys) for keys, _ in shown)
        text = Text(no_wrap=True)
        for index, (keys, description) in enumerate(shown):
            if index:
                text.append("\n")
            text.append(keys, style="bold reverse")
            text.append(" " * (width - cell_len(keys) + 2) + description)
        return text

    def action_close(self) -> None:
        self.dismiss(None)
