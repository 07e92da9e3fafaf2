"""A list of tickets that keeps the nurse's selection across refreshes."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.coordinate import Coordinate
from textual.reactive import reactive
from textual.widgets import DataTable

from queue_core.text import printable


@dataclass(frozen=True)
class Row:
    number: str  # the row key: a number never changes hands within a day
    cells: tuple[str, ...]


class TicketTable(DataTable[Text]):
    column_titles: reactive[tuple[str, ...]] = reactive(())
    ticket_rows: reactive[tuple[Row, ...]] = reactive(())
    title: reactive[str] = reactive("")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def watch_title(self) -> None:
        self._show_title()

    def watch_has_focus(self, _has_focus: bool) -> None:
        super().watch_has_focus(_has_focus)  # the :focus border colour
        self._show_title()

    def on_data_table_row_highlighted(self) -> None:
        self._show_title()

    def _show_title(self) -> None:
        """The list the keys act on, and the ticket they would take, in words on the border: a
        highlight colour alone is lost on a terminal with few colours."""
        selected = self.selected_number
        if not self.has_focus:
            self.border_title = self.title
        elif selected is None:
            self.border_title = f"▶ {self.title}"
        else:
            self.border_title = f"▶ {self.title} · {selected}"

    def watch_column_titles(self) -> None:
        self._rebuild()

    def watch_ticket_rows(self, before: tuple[Row, ...], after: tuple[Row, ...]) -> None:
        """Patch the table in place when the order of the rows that stay is unchanged (the usual
        call, arrival or finish); rebuilding a long table on every change would lag the screen."""
        kept = [row.number for row in before if row.number in {r.number for r in after}]
        fresh = [row.number for row in after]
        if not self.columns or kept != fresh[: len(kept)]:
            self._rebuild()
            return
        for row in before:
            if row.number not in fresh:
                self.remove_row(row.number)
        old = {row.number: row for row in before}
        for index, row in enumerate(after):
            if row.number not in old:
                self.add_row(*_plain(row.cells), key=row.number)
            elif old[row.number].cells != row.cells:
                for column, cell in enumerate(row.cells):
                    if cell != old[row.number].cells[column]:
                        self.update_cell_at(Coordinate(index, column), _cell(cell))
        self._show_title()

    def _rebuild(self) -> None:
        selected = self.selected_number
        self.clear(columns=True)
        if not self.column_titles:
            return
        self.add_columns(*self.column_titles)
        for row in self.ticket_rows:
            self.add_row(*_plain(row.cells), key=row.number)
        if selected is not None:
            self.select(selected)
        self._show_title()

    @property
    def selected_number(self) -> str | None:
        if not self.ticket_rows or self.cursor_row < 0 or self.cursor_row >= self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return key

    def select(self, number: str) -> bool:
        """Put the cursor on `number`; False when it is not in this list."""
        for index, row in enumerate(self.ticket_rows):
            if row.number == number:
                self.move_cursor(row=index)
                return True
        return False


def _cell(text: str) -> Text:
    """Names are data, never markup: `[` in a name must show as typed (and skips a parse).
    Nor are they terminal escapes: a row stored before names were cleaned shows them as
    `\x1b`, where rich would let ESC through to the terminal."""
    return Text(printable(text), end="")


def _plain(cells: tuple[str, ...]) -> list[Text]:
    return [_cell(cell) for cell in cells]
