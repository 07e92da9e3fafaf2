"""The report as tables of text: the one layout the terminal, CSV and the console share.

Cells hold the stored text as it is (a reason is free text from a desk); each output makes
it safe its own way: `printable` for a terminal, `spreadsheet_safe` for CSV.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from queue_core.config import ClinicConfig
from queue_core.insight.fairness import Why
from queue_core.insight.report import Listed, Report, Row
from queue_core.insight.stats import Stats

BAR_WIDTH = 40


@dataclass(frozen=True)
class Table:
    name: str  # the section's id, as CSV's first column names it
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]


ROW_COLUMNS = (
    "patients",
    "seen",
    "wait median",
    "wait p90",
    "visit median",
    "missed",
    "came back",
    "no-show",
    "recalls/call",
    "pause min",
    "transfers",
    "cancels",
)


def figure(value: float | None) -> str:
    return shown(value, 1)


def shown(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _row_cells(row: Row) -> list[str]:
    per_call = row.recalls_per_call
    return [
        row.key,
        str(row.patients),
        str(row.seen),
        figure(row.wait.median),
        figure(row.wait.p90),
        figure(row.visit.median),
        str(row.missed),
        str(row.came_back),
        str(row.no_show),
        "—" if per_call is None else f"{per_call:.2f}",
        figure(row.pause_minutes),
        str(row.transfers),
        str(row.cancels),
    ]


def _at(at: str, config: ClinicConfig) -> str:
    return f"{datetime.fromisoformat(at).astimezone(config.tz):%Y-%m-%d %H:%M}"


def _listed(items: Sequence[Listed], config: ClinicConfig) -> list[list[str]]:
    return [[_at(i.at, config), i.ticket, i.desk, i.queue, i.actor, i.reason] for i in items]


def tables(report: Report, config: ClinicConfig) -> list[Table]:
    """Every section of the report, in the order it is shown."""
    fair = report.fairness
    whys = [w.value for w in Why]
    per_class = fair.per_class()
    per_desk = fair.per_desk()
    return [
        Table("total", "All patients", ("", *ROW_COLUMNS), [_row_cells(report.total)]),
        Table("queue", "By queue", ("queue", *ROW_COLUMNS), [_row_cells(r) for r in report.queues]),
        Table("desk", "By desk", ("desk", *ROW_COLUMNS), [_row_cells(r) for r in report.desks]),
        Table(
            "hour",
            "By hour of arrival",
            ("hour", *ROW_COLUMNS),
            [_row_cells(r) for r in report.hours],
        ),
        Table(
            "out_of_turn",
            "Out-of-turn calls",
            ("at", "ticket", "desk", "queue", "by", "reason"),
            _listed(report.out_of_turn, config),
        ),
        Table(
            "cancel",
            "Cancels",
            ("at", "ticket", "desk", "queue", "by", "reason"),
            _listed(report.cancels, config),
        ),
        Table(
            "transfer",
            "Transfers",
            ("at", "ticket", "from", "to", "by", "reason"),
            [
                [_at(i.at, config), i.ticket, i.from_queue, i.to, i.actor, i.reason]
                for i in report.transfers
            ],
        ),
        Table(
            "fair_class",
            "Fairness: later arrivals called first, by the overtaken patient's class",
            ("class", *whys),
            [[k, *(str(c[Why(w)]) for w in whys)] for k, c in per_class.items()],
        ),
        Table(
            "fair_desk",
            "Fairness: overtakes made by each desk's calls",
            ("desk", *whys),
            [[k, *(str(c[Why(w)]) for w in whys)] for k, c in sorted(per_desk.items())],
        ),
        Table(
            "fair_ticket",
            "Fairness: tickets overtaken",
            ("ticket", "overtaken", "why"),
            [
                [n, str(sum(c.values())), ", ".join(f"{w} {k}" for w, k in c.items())]
                for n, c in report.overtaken.items()
            ],
        ),
        Table(
            "flagged",
            "Fairness: overtakes no rule explains",
            ("at", "ticket", "by", "desk", "actor"),
            [[_at(o.at, config), o.number, o.by, o.desk, o.actor] for o in fair.flagged],
        ),
    ]


_FORMULA = re.compile(r"^\s*[=+\-@\t\r]")


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @, tab or CR first, also after
    spaces) gets a leading ' so it is shown as text. Figures are never negative, and "—"
    stands for none: no number loses its meaning."""
    return f"'{cell}" if _FORMULA.match(cell) else cell


def stats_line(stats: Stats) -> str:
    return f"median {figure(stats.median)} min, p90 {figure(stats.p90)} min (n={stats.count})"


def bars(
    title: str, rows: Sequence[tuple[str, float | None]], unit: str, digits: int = 1
) -> list[str]:
    """A horizontal bar per label, scaled to the largest value: drawn with block characters,
    as few categories (hours, desks) need no plotting library."""
    top = max((v for _, v in rows if v is not None), default=0.0)
    width = max((len(label) for label, _ in rows), default=0)
    lines = [title]
    for label, value in rows:
        length = round(BAR_WIDTH * value / top) if value and top else 0
        lines.append(
            f"  {label:<{width}} {'█' * length}{' ' if length else ''}{shown(value, digits)} {unit}"
        )
    if not rows:
        lines.append("  (nobody)")
    return lines


def charts(report: Report) -> list[str]:
    """Waiting by hour of arrival, and the load of each desk."""
    by_hour = [(r.key, r.wait.median) for r in report.hours]
    load = [(r.key, float(r.seen)) for r in report.desks]
    return [
        *bars("Waiting by hour of arrival (median minutes)", by_hour, "min"),
        "",
        *bars("Load by desk (consultations ended)", load, "seen", digits=0),
    ]
