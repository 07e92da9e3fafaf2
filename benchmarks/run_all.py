"""Run every benchmark and write their rows into docs/benchmarks.md.

`--quick` is a short smoke run that prints the rows instead of writing them, so committed
figures always come from a full run.
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
    estimates,
    faults_report,
    his_api,
    notify_delivery,
    postgres_serve,
    postgres_store,
    purge_cost,
    report_time,
    server_pair,
    simulated_day,
    staff_load,
    staff_roundtrip,
    voice,
)
from benchmarks.import_sync import main as import_main
from benchmarks.report import DOC, Blocks, Part, machine_line, show_blocks, verdict, write_blocks
from benchmarks.server_long_day import main as server_day_main
from benchmarks.server_run import main as server_main

THROUGHPUT_GOAL = 2_000
LATENCY_GOAL_MS = 5.0
START_GOAL_MS = 300.0


def goals(
    throughput: list[desk_throughput.Throughput],
    latency: list[call_latency.Latency],
    start: list[cli_start.Start],
    refresh: desk_refresh.Refresh,
) -> list[Part]:
    """Each goal, met or not, from the figures just measured."""
    four = next(t for t in throughput if t.processes == 4)
    largest = latency[-1]
    status = next(s for s in start if s.what.startswith("clinic-queue status ("))
    errors = sum(t.errors for t in throughput)
    lines = [
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
    ]
    return ["\n".join(lines)]


def core(quick: bool) -> Blocks:
    machine = machine_line(quick)
    floor = commit_floor.run(quick)
    throughput = desk_throughput.run(quick)
    latency = call_latency.run(quick)
    start = cli_start.run(quick)
    refresh = desk_refresh.run(quick)
    return {
        "core-machine": [machine],
        **desk_throughput.blocks(throughput),
        **commit_floor.blocks(floor),
        **call_latency.blocks(latency),
        **cli_start.blocks(start),
        **desk_refresh.blocks(refresh),
        "core-goals": goals(throughput, latency, start, refresh),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short smoke run, print only")
    parser.add_argument("--output", type=Path, default=DOC, help="the document to update")
    parser.add_argument(
        "--only",
        choices=(
            "core",
            "estimates",
            "faults",
            "his",
            "import",
            "notify",
            "pair",
            "postgres",
            "postgres-serve",
            "purge",
            "report",
            "server",
            "simulate",
            "staff",
            "staff-load",
            "voice",
        ),
        help="run one group of benchmarks",
    )
    args = parser.parse_args(argv)
    groups = (
        ("core", core),
        ("faults", faults_report.blocks),
        ("postgres", postgres_store.report),
        ("postgres-serve", postgres_serve.report),
        ("purge", purge_cost.report),
        ("simulate", simulated_day.report),
        ("report", report_time.report),
        ("estimates", estimates.report),
        ("staff", staff_roundtrip.report),
        ("staff-load", staff_load.report),
        ("his", his_api.report),
        ("voice", voice.report),
        ("notify", notify_delivery.report),
        ("pair", server_pair.report),
    )
    for group, measure in groups:
        if args.only in (None, group):
            blocks = measure(args.quick)
            if args.quick:
                show_blocks(blocks, args.output)
            else:
                write_blocks(blocks, args.output)
    quick = ["--quick"] if args.quick else []
    if args.only in (None, "import"):
        import_main(["--output", str(args.output), *quick])
    if args.only in (None, "server"):
        server_main(["--output", str(args.output), *quick])
        server_day_main(["--output", str(args.output), *quick])
    return 0


if __name__ == "__main__":
    sys.exit(main())
