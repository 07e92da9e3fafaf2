"""The long day through the display server at full length, and its block of docs/benchmarks.md.

The scenario and its checks are tests/scenarios/server_day.py.

    python -m benchmarks.server_long_day [--quick] [--output docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import unquote

from benchmarks.report import DOC, Blocks, Table, machine_line, show_blocks, write_blocks
from tests.scenarios.server_day import FULL, SHORT, DayRun, run


def blocks(result: DayRun, machine: str) -> Blocks:
    plan = result.plan
    done = sum(result.stats.done.values())
    screens = "`, `".join(unquote(path) for path in plan.screens)
    columns = (
        "events",
        "phone connections opened / closed",
        "tickets with a phone",
        "most open at once",
        "reconnects not asked for",
        "messages to phones / screens",
        "checkpoints",
        "phone views / screen boards checked",
        "mismatches",
        "day wall s",
        "run wall s",
    )
    row = (
        f"{result.stats.events:,}",
        f"{result.opened:,} / {result.closed:,}",
        f"{result.tickets:,}",
        f"{result.peak_open:,}",
        f"{result.reconnects}",
        f"{result.phone_frames:,} / {result.screen_frames:,}",
        f"{result.checkpoints}",
        f"{result.phone_views:,} / {result.screen_boards:,}",
        f"{len(result.problems)}",
        f"{result.day_seconds:.1f}",
        f"{result.wall_seconds:.1f}",
    )
    midnight = ["Played twice: midnight passed during the first run."]
    listed = "\n".join(f"- {p}" for p in result.problems[:10])
    return {
        "server-day-machine": [machine],
        "server-day": [
            f"{plan.walk_ins} walk-ins and 200 appointments in {plan.step_minutes:g}-minute "
            f"steps, {done:,} commands; {plan.processes} client process(es); "
            f"{len(plan.screens)} screens: `{screens}`.",
            Table(columns, [row]),
            *(midnight if result.restarted_at_midnight else []),
            *([listed] if result.problems else []),
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="short smoke run, print only")
    parser.add_argument("--output", type=Path, default=DOC, help="the document to update")
    args = parser.parse_args(argv)
    machine = machine_line(args.quick)
    result = run(SHORT if args.quick else FULL)
    if args.quick:
        show_blocks(blocks(result, machine), args.output)
    else:
        write_blocks(blocks(result, machine), args.output)
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
