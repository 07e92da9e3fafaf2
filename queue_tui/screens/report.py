"""The head of department's report: the same tables and charts as `clinic-queue report`.

The report is built by `queue_core.insight` in a worker thread (it reads a whole day's log),
then drawn as one table per section; `r` builds it again from the log as it is now.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table as RichTable
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from queue_core.errors import QueueError
from queue_core.insight.reader import Days, make_report
from queue_core.insight.report import Report
from queue_core.insight.tables import Table, charts, tables
from queue_core.store import Store
from queue_core.text import printable
from queue_tui.bindings import REPORT_KEYS, textual_bindings
from queue_tui.i18n import Lang, t
from queue_tui.widgets.keybar import KeyBar


def _rich(table: Table) -> RichTable:
    shown = RichTable(title=table.title, title_justify="left", show_edge=False, expand=False)
    for column in table.columns:
        shown.add_column(column, overflow="fold")
    for row in table.rows:
        shown.add_row(*(Text(printable(c)) for c in row))
    return shown


class ReportScreen(Screen[None]):
    CSS_PATH = "report.tcss"
    BINDINGS: ClassVar[list[BindingType]] = list(textual_bindings(REPORT_KEYS))

    def __init__(
        self,
        store: Store,
        days: Days,
        queue: str | None = None,
        desk: str | None = None,
        lang: Lang = "zh",
    ) -> None:
        super().__init__()
        self.store, self.days, self.queue, self.desk, self.lang = store, days, queue, desk, lang

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="report-title")
        loading = Static(t(self.lang, "report.loading"), id="report-status")
        yield VerticalScroll(loading, id="report-body")
        keys = KeyBar(REPORT_KEYS, id="report-keys")
        keys.lang = self.lang
        yield keys

    def _title(self) -> str:
        span = (
            self.days.first
            if self.days.first == self.days.last
            else (f"{self.days.first} – {self.days.last}")
        )
        scope = " ".join(v for v in (self.queue, self.desk) if v)
        return printable(f"{t(self.lang, 'report.title')}  {span}  {scope}".rstrip())

    def on_mount(self) -> None:
        self.action_refresh_report()

    def action_refresh_report(self) -> None:
        self.query_one("#report-status", Static).update(t(self.lang, "report.loading"))
        self._build()

    @work(thread=True, exclusive=True)
    def _build(self) -> None:
        try:
            report = make_report(self.store, self.days, self.queue, self.desk)
        except QueueError as exc:
            self.app.call_from_thread(self._failed, exc.message)
            return
        self.app.call_from_thread(self.call_later, self._show, report)

    def _failed(self, message: str) -> None:
        self.query_one("#report-status", Static).update(Text(printable(message)))

    async def _show(self, report: Report) -> None:
        body = self.query_one("#report-body", VerticalScroll)
        await body.remove_children()
        fair = report.fairness
        summary = t(self.lang, "report.fairness").format(
            overtakes=len(fair.overtakes), flagged=len(fair.flagged)
        )
        widgets = [Static(Text(summary), id="report-status")]
        widgets += [
            Static(_rich(table), classes="report-table")
            for table in tables(report, self.store.config)
            if table.rows
        ]
        widgets.append(Static(Text("\n".join(charts(report))), classes="report-chart"))
        await body.mount_all(widgets)

    def action_quit_report(self) -> None:
        self.app.exit()
