"""`clinic-queue report`: the days chosen, the report built, printed as a table, CSV or JSON."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from typing import TextIO

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from queue_core.config import ClinicConfig
from queue_core.insight.reader import Days
from queue_core.insight.report import Report, as_json
from queue_core.insight.tables import Table, charts, spreadsheet_safe, tables
from queue_core.text import printable

FORMATS = ("table", "csv", "json")


class BadRange(ValueError):
    """A day, or a range of days, the command cannot use: its message is the line shown."""


def _day(text: str, option: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise BadRange(f"clinic-queue: {option} {text!r} is not a day (YYYY-MM-DD)") from None


def choose_days(day: str | None, first: str | None, last: str | None, today: str) -> Days:
    """`--day D`, or `--from D --to D`; `--from` alone runs to today, `--to` alone is that day,
    and nothing given is today."""
    if day is not None and (first is not None or last is not None):
        raise BadRange("clinic-queue: give --day, or --from and --to, not both")
    if day is not None:
        one = _day(day, "--day")
        return Days(one, one)
    start = _day(first, "--from") if first is not None else None
    end = _day(last, "--to") if last is not None else None
    days = Days(start or end or today, end or today)
    if days.first > days.last:
        raise BadRange(f"clinic-queue: --from {days.first} is after --to {days.last}")
    return days


def write_csv(report: Report, config: ClinicConfig, out: TextIO) -> None:
    """One header and rows per section, the section's name in the first column."""
    writer = csv.writer(out)
    for table in tables(report, config):
        writer.writerow([spreadsheet_safe(c) for c in ("section", *table.columns)])
        for row in table.rows:
            writer.writerow([spreadsheet_safe(c) for c in (table.name, *row)])


def write_json(report: Report, config: ClinicConfig, out: TextIO) -> None:
    json.dump(as_json(report, config), out, ensure_ascii=False, indent=2)
    out.write("\n")


def _rich(table: Table) -> RichTable:
    shown = RichTable(title=table.title, title_justify="left", show_edge=False)
    for column in table.columns:
        shown.add_column(column, overflow="fold")
    for row in table.rows:
        shown.add_row(*(Text(printable(c)) for c in row))
    return shown


def write_table(report: Report, config: ClinicConfig, out: TextIO) -> None:
    console = Console(file=out, width=160 if not out.isatty() else None, highlight=False)
    head = f"{config.name} — {report.first}" + (
        f" to {report.last}" if report.last != report.first else ""
    )
    scope = " ".join(f"{k} {v}" for k, v in (("queue", report.queue), ("desk", report.desk)) if v)
    console.print(Text(printable(f"{head} {scope}".strip())))
    for table in tables(report, config):
        if table.rows:
            console.print(_rich(table))
            console.print()
    for line in charts(report):
        console.print(Text(line))
    flagged = len(report.fairness.flagged)
    console.print(
        Text(f"\nFairness: {len(report.fairness.overtakes)} overtakes, {flagged} flagged.")
    )


def write(report: Report, config: ClinicConfig, form: str, out: TextIO | None = None) -> None:
    writer = {"table": write_table, "csv": write_csv, "json": write_json}[form]
    writer(report, config, out or sys.stdout)
