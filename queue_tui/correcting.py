"""The desk's `u` key and the triage desk's F9: take back a mistake (queue_core/corrections.py).
The nurse picks which, names the ticket where the console cannot know it, and gives the reason
the log keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.app import App

from queue_core.model import TicketState
from queue_tui.backend import Backend
from queue_tui.i18n import Lang, t
from queue_tui.messages import CommandDone
from queue_tui.screens.choose import ChooseDialog
from queue_tui.screens.reason import ReasonDialog
from queue_tui.screens.search import SearchDialog

Kind = Literal["reopen", "undo_away", "uncancel"]


@dataclass(frozen=True)
class Correction:
    kind: Kind
    number: str  # empty for a reopen: the desk's last finished visit, whoever it was
    reason: str

    def run(self, backend: Backend, desk_id: str) -> CommandDone:
        """On a worker thread: one transaction, and what the nurse is told of it."""
        if self.kind == "reopen":
            ticket = backend.run("reopen", {"desk": desk_id, "reason": self.reason})["ticket"]
            desk = backend.config.desk(desk_id)
            return CommandDone(
                "done.reopen", {"number": ticket["number"], "room": desk.room if desk else desk_id}
            )
        if self.kind == "undo_away":
            args = {"number": self.number, "reason": self.reason}
            ticket = backend.run("undo_away", args)["ticket"]
            where = "room" if ticket["state"] == TicketState.CALLED.value else "line"
            return CommandDone(f"done.undo_away.{where}", {"number": ticket["number"]})
        return uncancel(backend, self.number, self.reason)


def uncancel(backend: Backend, number: str, reason: str) -> CommandDone:
    """On a worker thread: a cancel taken back, and where the ticket is now."""
    ticket = backend.run("uncancel", {"number": number, "reason": reason})["ticket"]
    return CommandDone(f"done.uncancel.{ticket['state']}", {"number": ticket["number"]})


async def ask_correction(
    app: App[None], lang: Lang, room_empty: bool, away: str | None
) -> Correction | None:
    """What to take back, asked in dialogs; None when the nurse backs out of any of them.
    A visit can be reopened only into an empty room, so it is offered only then."""
    choices: list[tuple[Kind, str]] = []
    if room_empty:
        choices.append(("reopen", t(lang, "correct.reopen")))
    if away is not None:
        choices.append(("undo_away", t(lang, "correct.undo_away", number=away)))
    choices.append(("uncancel", t(lang, "correct.uncancel")))
    kind = await app.push_screen_wait(ChooseDialog(t(lang, "correct.title"), choices))
    if kind is None:
        return None
    number = away if kind == "undo_away" and away is not None else ""
    if kind == "uncancel":
        typed = await app.push_screen_wait(SearchDialog(t(lang, "correct.which")))
        if not typed:
            return None
        number = typed.upper()
    prompt = t(lang, f"reason.{kind}", number=number)
    reason = await app.push_screen_wait(ReasonDialog(prompt, lang))
    return None if reason is None else Correction(kind, number, reason)
