"""The top line: who this console is, the clock, and whether what it shows is fresh."""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from queue_tui.i18n import DEFAULT_LANG, Lang, t

Liveness = Literal["connecting", "live", "stale", "fault", "away"]
TROUBLE: tuple[Liveness, ...] = ("stale", "fault", "away")  # what the data on screen cannot be


class StatusHeader(Widget):
    heading: reactive[str] = reactive("")
    detail: reactive[str] = reactive("")
    clock: reactive[str] = reactive("")
    live: reactive[Liveness] = reactive("connecting")
    stale_seconds: reactive[int] = reactive(0)
    warning: reactive[str] = reactive("")  # e.g. that no screen shows this desk's calls
    link: reactive[str] = reactive("")  # a console over the network: its connection's trouble
    backlog: reactive[str] = reactive("")  # for an admin: notifications still to deliver
    lang: reactive[Lang] = reactive(DEFAULT_LANG)

    def watch_live(self, live: Liveness) -> None:
        self.set_class(live in TROUBLE or bool(self.link), "-stale")

    def watch_link(self, link: str) -> None:
        self.set_class(self.live in TROUBLE or bool(link), "-stale")

    def render(self) -> Text:
        if self.link:
            state = self.link
        elif self.live == "stale":
            state = t(self.lang, "header.stale", seconds=self.stale_seconds)
        else:
            state = t(self.lang, f"header.{self.live}")
        left = Text.assemble((self.heading, "bold"), "  ", self.detail)
        right = Text.assemble((state, "bold"), "  ", self.clock)
        if self.backlog:
            right = Text.assemble(self.backlog, "  ", right)
        if self.warning:
            right = Text.assemble((self.warning, "bold reverse"), "  ", right)
        # On a narrow terminal the room's details give way: the warnings and the clock stay.
        left.truncate(max(0, self.size.width - right.cell_len - 1), overflow="ellipsis")
        gap = max(1, self.size.width - left.cell_len - right.cell_len)
        return Text.assemble(left, " " * gap, right)
