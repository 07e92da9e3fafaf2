"""A QR code a phone camera can read off the screen."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from queue_tui.qr import QR_STYLE, qr_lines


class QrCode(Widget):
    """Sized by its code, not by what is left beside it: a container of `width: auto` must
    make room for every module, or the code is cut off (or drawn outside the dialog)."""

    data: reactive[str] = reactive("", layout=True)

    def _lines(self) -> list[str]:
        return qr_lines(self.data) if self.data else []

    def get_content_width(self, container: Size, viewport: Size) -> int:
        lines = self._lines()
        return len(lines[0]) if lines else 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines())

    def render(self) -> Text:
        return Text("\n".join(self._lines()), style=QR_STYLE, no_wrap=True)
