"""Run every core benchmark and write the results into our block of docs/benchmarks.md.

`--quick` is a short smoke run (well under a minute) that prints the block instead of writing
it, so committed figures always come from a full run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks import (
    call_latency,
    cli_start,
    commit_floor,
    desk_refresh,
    desk_throughput,
    faults_report,
)
from benchmarks.report import DOC, machine_line, verdict, write_block
from benchmarks.server_long_day import main as server_day_main
from benchmarks.server_run import main as server_main

THROUGHPUT_GOAL = 2_000
LATENCY_GOAL_MS = 5.0
START_GOAL_MS = 300.0


def verdicts(
    throughput: list[desk_throughput.Throughput],
    latency: list[call_latency.Latency],
    start: list[cli_start.Start],
    floor: commit_floor.Floor,
    refresh: desk_refresh.Refresh,
) -> str:
    """Each goal, met or not, from the figures just measured."""
    four = next(t for t in throughput if t.processes == 4)
    largest = latency[-1]
    status = next(s for s in start if s.what.startswith("clinic-queue status ("))

    errors = sum(t.errors for t in throughput)
    return "\n".join(
        [
            "### Goals",
            "",
            f"- Desk commands: {four.per_second:,.0f}/s with 4 processes "
            f"({four.per_second / THROUGHPUT_GOAL:.0%} of {THROUGHPUT_GOAL:,}/s): "
            f"{verdict(four.per_second >= THROUGHPUT_GOAL)}; "
            f"errors {errors}: {verdict(errors == 0)}.",
            f"- Call next with {largest.waiting:,} waiting: median {largest.median_ms:.2f} ms "
            f"(goal {LATENCY_GOAL_MS:.0f} ms): {verdict(largest.median_ms <= LATENCY_GOAL_MS)}.",
            f"- `status` cold start: median {status.median_ms:.0f} ms "
            f"(goal well under {START_GOAL_MS:.0f} ms): "
            f"{verdict(status.median_ms < START_GOAL_MS)}.",
            f"- Desk refresh with {refresh.waiting} waiting: p99 {refresh.p99_ms:.1f} ms "
            f"(goal {desk_refresh.GOAL_P99_MS:.0f} ms): "
            f"{verdict(refresh.p99_ms <= desk_refresh.GOAL_P99_MS)}.",
            "",
            "Why desk throughput does not grow with processes: SQLite lets one writer in at a "
            "time, so all desks share one ceiling of 1 / (time a command holds the write lock). "
            f"The cheapest write already costs {floor.median_ms:.2f} ms, nearly all of it the "
            "fsync that `synchronous=FULL` does on every commit so that a number printed on a "
            f"ticket survives a power cut: a ceiling of {floor.ceiling_per_second:,.0f}/s before "
            "any queue work. An issue / call / finish command adds reading the head of the line "
            "and writing the ticket, the desk and the event. Waiting desks queue at the writer "
            "gate (a `flock` on `<db>.lock`) and are woken as soon as the holder commits, so "
            "every desk gets its share (the 'fewest by one desk' column); each hand-over between "
            "processes costs a wake-up, which is why 4 processes do not beat 1. No command was "
            "refused.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short smoke run, print only")
    parser.add_argument("--output", type=Path, default=DOC, help="the document to update")
    parser.add_argument(
        "--only", choices=("core", "faults", "server"), help="run one group of benchmarks"
    )
    args = parser.parse_args(argv)
    if args.only in (None, "core"):
        run_core(args.quick, args.output)
    if args.only in (None, "faults"):
        run_faults(args.quick, args.output)
    if args.only in (None, "server"):
        quick = ["--quick"] if args.quick else []
        server_main(["--output", str(args.output), *quick])
        server_day_main(["--output", str(args.output), *quick])
    return 0


def run_core(quick: bool, output: Path) -> None:
    machine = machine_line()
    floor = commit_floor.run(quick)
    throughput = desk_throughput.run(quick)
    latency = call_latency.run(quick)
    start = cli_start.run(quick)
    refresh = desk_refresh.run(quick)
    block = "\n\n".join(
        [
            "## Core: queue engine and CLI",
            machine + (" Quick smoke run: few samples." if quick else ""),
            "Reproduce with `make bench` (`python -m benchmarks.run_all`).",
            desk_throughput.markdown(throughput),
            commit_floor.markdown(floor),
            call_latency.markdown(latency),
            cli_start.markdown(start),
            desk_refresh.markdown(refresh),
            verdicts(throughput, latency, start, floor, refresh),
        ]
    )
    if quick:
        print(block)
    else:
        write_block("core", block, output)
        print(f"Wrote the core block of {output}")


def run_faults(quick: bool, output: Path) -> None:
    faults = faults_report.block(quick)
    if quick:
        print(faults)
    else:
        write_block("faults-db", faults, output)
        print(f"Wrote the faults block of {output}")


if __name__ == "__main__":
    sys.exit(main())
