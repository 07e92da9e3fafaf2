"""The footer, drawn from the bindings table in the console's language."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from queue_tui.bindings import Key
from queue_tui.i18n import DEFAULT_LANG, Lang


class KeyBar(Widget):
    lang: reactive[Lang] = reactive(DEFAULT_LANG)

    def __init__(self, table: tuple[Key, ...], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.table = table

    def render(self) -> Text:
        text = Text(no_wrap=False, overflow="fold")
        for key in self.table:
            text.append(f" {key.label} ", style="reverse bold")
            text.append(f" {key.description(self.lang)}  ")
        return text
