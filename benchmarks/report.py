"""Where results go: the machine they were taken on, and the rows of docs/benchmarks.md.

The doc is prose written by hand; each script gives only its rows (tables and lines of
figures) for named blocks, and `write_blocks` replaces the text between each block's markers,
`<!-- name:begin -->` and `<!-- name:end -->`. What a figure means is said in the prose.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Table:
    """Rows of cells under named columns; figures are right-aligned, the `left` columns not."""

    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    left: Collection[str] = ()


Part = Table | str  # a table, or one line of figures
Blocks = Mapping[str, Sequence[Part]]  # block name -> its parts, in order


def render(parts: Sequence[Part]) -> str:
    """Markdown for the parts, a blank line between each."""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        rule = "|" + "|".join("---" if c in part.left else "---:" for c in part.columns) + "|"
        lines = ["| " + " | ".join(cells) + " |" for cells in (part.columns, *part.rows)]
        out.append("\n".join([lines[0], rule, *lines[1:]]))
    return "\n\n".join(out)


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:begin -->", f"<!-- {name}:end -->"


def replace_block(text: str, name: str, block: str) -> str:
    """`text` with the block between `name`'s markers replaced; the prose around stays."""
    begin, end = _markers(name)
    start, stop = text.find(begin), text.find(end)
    if start == -1 or stop < start:
        raise KeyError(f"docs/benchmarks.md has no place for {name!r}: add {begin} ... {end}")
    return f"{text[:start]}{begin}\n{block.rstrip()}\n{text[stop:]}"


def fill(text: str, blocks: Blocks) -> str:
    """Every block in its place; a block without one fails before anything is written."""
    for name, parts in blocks.items():
        text = replace_block(text, name, render(parts))
    return text


def write_blocks(blocks: Blocks, doc: Path = DOC) -> None:
    doc.write_text(fill(doc.read_text(encoding="utf-8"), blocks), encoding="utf-8")
    print(f"Wrote {', '.join(blocks)} in {doc}")


def show_blocks(blocks: Blocks, doc: Path = DOC) -> None:
    """A quick run's rows, printed under their block names, not written: quick figures are not
    for the doc. Each block must still have its place there."""
    fill(doc.read_text(encoding="utf-8"), blocks)
    for name, parts in blocks.items():
        print(f"<!-- {name} -->\n{render(parts)}\n")


def block_main(
    report: Callable[[bool], Blocks], description: str | None, argv: list[str] | None
) -> int:
    """The command line of a benchmark that writes blocks: `--quick` prints, else it writes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="short smoke run, print only")
    quick = parser.parse_args(argv).quick
    (show_blocks if quick else write_blocks)(report(quick))
    return 0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_line(quick: bool = False) -> str:
    """Figures mean little without the machine, and a shared machine's load at the time."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}; "
        f"load average before the run {load}. Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC."
        + (" Quick smoke run: short and few samples." if quick else "")
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
