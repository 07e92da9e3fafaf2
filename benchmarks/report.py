"""Where results go: the machine they were taken on, and our marked block of docs/benchmarks.md.

Other benchmarks own other blocks of the same file, so only the text between our markers is
ever replaced.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
INTRO = (
    "# Benchmarks\n\n"
    "Figures measured on a real machine by the scripts in `benchmarks/` (`make bench`).\n"
    "Each section is written by its own script between its markers; the rest is left alone.\n"
)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_line() -> str:
    """Figures mean little without the machine, and a shared machine's load at the time."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}; "
        f"load average before the run {load}. Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC."
    )


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: with few samples it reports a real observed value."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def percentile_ms(samples: list[float], fraction: float) -> float:
    return percentile(samples, fraction) * 1000


def verdict(ok: bool) -> str:
    """How a goals section marks a goal: a miss stands out."""
    return "met" if ok else "**missed**"


def replace_block(text: str, name: str, block: str) -> str:
    """`text` with the block between `name`'s markers replaced (appended if they are absent)."""
    begin, end_marker = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    body = f"{begin}\n{block.rstrip()}\n{end_marker}"
    start, end = text.find(begin), text.find(end_marker)
    if start == -1 or end == -1 or end < start:
        return text.rstrip() + "\n\n" + body + "\n"
    return text[:start] + body + text[end + len(end_marker) :]


def write_block(name: str, block: str, doc: Path = DOC) -> None:
    """Each script owns one named block of docs/benchmarks.md; the rest is left alone."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else INTRO
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(replace_block(text, name, block), encoding="utf-8")
