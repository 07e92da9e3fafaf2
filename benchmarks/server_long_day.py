"""The long day through the display server at full length, and its block of docs/benchmarks.md.

The scenario and its checks are tests/scenarios/server_day.py.

    python -m benchmarks.server_long_day [--quick] [--output docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import unquote

from benchmarks.report import DOC, machine_line, write_block
from tests.scenarios.server_day import FULL, SHORT, DayRun, run


def markdown(result: DayRun) -> str:
    plan = result.plan
    done = sum(result.stats.done.values())
    mismatches = len(result.problems)
    screens = "`, `".join(unquote(path) for path in plan.screens)
    return "\n".join(
        [
            "## Long day through the display server: phones coming and going (goal: 0 mismatches)",
            "",
            f"`clinic_day.py`'s sample day ({plan.walk_ins} walk-ins, 200 appointments, 07:30 to "
            f"18:00 in {plan.step_minutes:g}-minute steps, {done:,} commands) played against a "
            "`clinic-queue serve` process, on today's date since the server reads the wall "
            f"clock. {plan.processes} client process(es) open patients' links "
            "`/ws/ticket/<token>` and close them again (a reopen resumes with `?since=`); "
            f"{len(plan.screens)} screens stay open (`{screens}`). Every "
            "simulated hour the day pauses until the server has sent the newest event and every "
            "open client has answered a ping; then each open phone's last `ticket`/`pos`/"
            "`state`/`called` (state, patients ahead, desk and room when called) must equal "
            "`queue_core.patient`'s view of the board, and each screen's last `board` must "
            "equal `public_board` cut to its filters. At closing every link ever opened is "
            "reopened with its `since` and checked, the board rebuilt from the event log must "
            "equal the tables' and the file passes the crash scenario's checks.",
            "",
            "| events | phone connections opened / closed | tickets with a phone | most open "
            "at once | reconnects not asked for | messages to phones / screens | checkpoints "
            "| phone views / screen boards checked | mismatches | day wall s | run wall s |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {result.stats.events:,} | {result.opened:,} / {result.closed:,} "
            f"| {result.tickets:,} | {result.peak_open:,} | {result.reconnects} "
            f"| {result.phone_frames:,} / {result.screen_frames:,} | {result.checkpoints} "
            f"| {result.phone_views:,} / {result.screen_boards:,} | {mismatches} "
            f"| {result.day_seconds:.1f} | {result.wall_seconds:.1f} |",
            *(
                ["", "Played twice: midnight passed during the first run."]
                if result.restarted_at_midnight
                else []
            ),
            *([""] + [f"- {p}" for p in result.problems[:10]] if result.problems else []),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="short smoke run, print only")
    parser.add_argument("--output", type=Path, default=DOC, help="the document to update")
    args = parser.parse_args(argv)
    machine = machine_line()
    result = run(SHORT if args.quick else FULL)
    block = "\n\n".join(
        [
            markdown(result),
            machine + (" Quick smoke run: a short day." if args.quick else ""),
            "Reproduce with `python -m benchmarks.server_long_day` (also part of `make bench`; "
            "`--quick` for a smoke run that prints instead of writing).",
        ]
    )
    if args.quick:
        print(block)
    else:
        write_block("server-day", block, args.output)
        print(f"Wrote {args.output}")
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
