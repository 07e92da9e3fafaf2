"""A QR code a phone camera can read off the screen."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from queue_tui.qr import QR_STYLE, qr_lines


class QrCode(Widget):
    data: reactive[str] = reactive("", layout=True)

    def render(self) -> Text:
        if not self.data:
            return Text()
        return Text("\n".join(qr_lines(self.data)), style=QR_STYLE, no_wrap=True)
