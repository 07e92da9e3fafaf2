"""The one table of keys: screens bind from it; the key bar and help screen are drawn from it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

from queue_tui.i18n import Lang, t


@dataclass(frozen=True)
class Key:
    """One action: its id (also its i18n key `key.<id>`), the keys that fire it, its action."""

    id: str
    keys: str  # comma-separated, as Textual's Binding takes them
    action: str
    label: str  # what the key bar prints for the keys

    def description(self, lang: Lang) -> str:
        return t(lang, f"key.{self.id}")

    @property
    def help_keys(self) -> str:
        """Every key that fires it, as printed on the keyboard: "n, space"."""
        names = {"slash": "/", "question_mark": "?", "ctrl+q": "^q", "tab": "Tab"}
        return ", ".join(
            names.get(k, k.upper() if k[0] == "f" and k[1:].isdigit() else k)
            for k in self.keys.split(",")
        )


DESK_KEYS: tuple[Key, ...] = (
    Key("call_next", "n,space", "call_next", "n"),
    Key("recall", "r", "recall", "r"),
    Key("skip", "s", "skip", "s"),
    Key("requeue", "q", "requeue", "q"),
    Key("finish", "d", "finish", "d"),
    Key("send_away", "a", "send_away", "a"),
    Key("come_back", "b", "come_back", "b"),
    Key("transfer", "t", "transfer", "t"),
    Key("call_ticket", "c", "call_ticket", "c"),
    Key("pause", "p", "pause", "p"),
    Key("correct", "u", "correct", "u"),
    Key("search", "slash", "search", "/"),
    Key("next_list", "tab", "app.focus_next", "Tab"),
    Key("language", "l", "app.switch_language", "l"),
    Key("help", "question_mark", "help", "?"),
    Key("quit", "ctrl+q", "app.quit", "^q"),
)

# Letters would be typed into the form's fields, so the triage desk uses function keys.
TRIAGE_KEYS: tuple[Key, ...] = (
    Key("issue", "f2", "issue", "F2"),
    Key("find", "f3", "find", "F3"),
    Key("check_in", "f4", "check_in", "F4"),
    Key("priority", "f5", "priority", "F5"),
    Key("cancel", "f6", "cancel", "F6"),
    Key("uncancel", "f9", "uncancel", "F9"),
    Key("print", "f7", "print_slip", "F7"),
    Key("language", "f8", "app.switch_language", "F8"),
    Key("help", "f1", "help", "F1"),
    Key("quit", "ctrl+q", "app.quit", "^q"),
)


# The head of department's report screen (`clinic-queue report --tui`): it only reads.
REPORT_KEYS: tuple[Key, ...] = (
    Key("refresh_report", "r", "refresh_report", "r"),
    Key("quit", "q,ctrl+q", "quit_report", "q"),
)


def textual_bindings(table: tuple[Key, ...]) -> list[Binding]:
    """`show=False`: the key bar draws them, in the console's current language."""
    return [
        Binding(k.keys, k.action, k.description("en"), show=False, id=k.id, priority=True)
        for k in table
    ]
