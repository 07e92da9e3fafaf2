"""The footer, drawn from the bindings table in the console's language."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from queue_tui.bindings import Key
from queue_tui.i18n import DEFAULT_LANG, Lang

MAX_LINES = 2  # the lists above keep the rest of a 24-line terminal
GAP = " "


class KeyBar(Widget):
    """Every key when they fit in MAX_LINES; otherwise the last ones of the table (the rarest)
    give way, and the help key, which lists them all, always stays."""

    lang: reactive[Lang] = reactive(DEFAULT_LANG)

    def __init__(self, table: tuple[Key, ...], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.table = table

    def render(self) -> Text:
        return Text("\n").join(self._fitted(self.size.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._fitted(width))

    def _fitted(self, width: int) -> list[Text]:
        shown = list(self.table)
        lines = self._lines(shown, width)
        while len(lines) > MAX_LINES and len(shown) > 1:
            rarest = next(k for k in reversed(shown) if k.id != "help")
            shown.remove(rarest)
            lines = self._lines(shown, width)
        return lines

    def _lines(self, keys: list[Key], width: int) -> list[Text]:
        """Whole entries per line: a key is never on one line and its meaning on the next."""
        lines = [Text(no_wrap=True)]
        for key in keys:
            entry = Text.assemble((f" {key.label} ", "reverse bold"), key.description(self.lang))
            line = lines[-1]
            if line.cell_len and line.cell_len + len(GAP) + entry.cell_len > width:
                lines.append(Text(no_wrap=True))
                line = lines[-1]
            if line.cell_len:
                line.append(GAP)
            line.append_text(entry)
        return lines
