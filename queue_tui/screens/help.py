"""Every key of the console with what it does, from the same table as the key bar."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
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
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold reverse")
        grid.add_column()
        for key in self.table:
            keys = key.keys.replace("slash", "/").replace("question_mark", "?")
            grid.add_row(f" {keys} ", key.description(self.lang))
        with Vertical(id="dialog") as dialog:
            dialog.border_title = t(self.lang, "help.title")
            yield Static(grid)

    def action_close(self) -> None:
        self.dismiss(None)
