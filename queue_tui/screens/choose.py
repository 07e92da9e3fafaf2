"""Pick one of a few targets (a queue or desk to transfer to, a priority class): with the arrows
and Enter, or at once with the number each of the first nine shows."""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

T = TypeVar("T")


class ChooseDialog(ModalScreen[T | None], Generic[T]):
    """Dismissed with the value of the chosen line, or None."""

    CSS_PATH = "choose.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "back", id="choose.back"),
        *(Binding(str(n), f"pick({n - 1})", str(n), show=False) for n in range(1, 10)),
    ]

    def __init__(self, title: str, choices: list[tuple[T, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="title")
            yield OptionList(
                *(
                    Option(f"{_shortcut(i)}{label}", id=f"choice-{i}")
                    for i, (_, label) in enumerate(self.choices)
                ),
                id="choices",
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index][0])

    def action_pick(self, index: int) -> None:
        if index < len(self.choices):
            self.dismiss(self.choices[index][0])

    def action_back(self) -> None:
        self.dismiss(None)


def _shortcut(index: int) -> str:
    """The number key of the line, as the list shows it; lines past the ninth have none."""
    return f"{index + 1}  " if index < 9 else "   "
