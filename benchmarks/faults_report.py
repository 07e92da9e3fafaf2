"""The database fault scenarios at full length (crash, contention, long day) and their rows.

The scenarios and their checks are in tests/scenarios/; the tests play them short.

    python -m benchmarks.faults_report [--quick]
"""

from __future__ import annotations

import argparse

from benchmarks.report import (
    Blocks,
    Part,
    Table,
    machine_line,
    median_ms,
    percentile_ms,
    show_blocks,
)
from tests.scenarios import contention, desk_crash, long_day


def crash_rows(r: desk_crash.CrashResult) -> list[Part]:
    columns = (
        "kills",
        "inside a transaction",
        "during COMMIT",
        "commands completed",
        "events",
        "calls",
        "events seen by the reader",
        "holes seen",
        "violations",
        "seconds",
    )
    row = (
        f"{r.kills:,}",
        f"{r.in_transaction:,}",
        f"{r.in_commit:,}",
        f"{r.commands_done:,}",
        f"{r.events:,}",
        f"{r.calls:,}",
        f"{r.reader_events:,}",
        f"{r.reader_holes}",
        f"{len(r.violations)}",
        f"{r.seconds:.0f}",
    )
    return [Table(columns, [row]), *problems(r.violations)]


def contention_rows(results: list[contention.Contention]) -> list[Part]:
    columns = (
        "desks",
        "seconds",
        "desk commands",
        "server writes",
        "errors",
        "p50 ms",
        "p99 ms",
        "max ms",
        "shares",
        "log violations",
    )
    rows = []
    for r in results:
        total = sum(w.commands for w in r.workers)
        server = next(w for w in r.workers if w.name == "server")
        latencies = r.desk_latencies
        rows.append(
            (
                f"{r.desks}",
                f"{r.seconds:.0f}",
                f"{len(latencies):,}",
                f"{server.commands:,}",
                f"{len(r.errors)}",
                f"{median_ms(latencies):.2f}",
                f"{percentile_ms(latencies, 0.99):.2f}",
                f"{max(latencies) * 1000:.1f}",
                " / ".join(f"{w.commands / total:.0%}" for w in r.workers),
                f"{len(r.log_violations)}",
            )
        )
    errors = [f"`{e.splitlines()[-1]}`" for r in results for e in r.errors]
    return [Table(columns, rows, left={"shares"}), *problems(errors)]


def day_rows(r: long_day.DayResult) -> list[Part]:
    counted = ", ".join(f"{name} {count:,}" for name, count in r.stats.done.most_common())
    refused = ", ".join(f"{n} {c}" for n, c in r.stats.refused.most_common()) or "none"
    columns = (
        "events",
        "checkpoints",
        "boards equal",
        "phone views checked",
        "mismatches",
        "wall seconds for the day",
    )
    row = (
        f"{r.stats.events:,}",
        f"{r.checkpoints}",
        f"{r.boards_equal}",
        f"{r.views_checked:,}",
        f"{len(r.problems)}",
        f"{r.seconds:.1f}",
    )
    return [
        f"Commands applied: {counted}. Refused by the rules (and left unchanged): {refused}.",
        Table(columns, [row]),
        *problems(r.problems),
    ]


def problems(found: list[str]) -> list[Part]:
    """The first few problems, listed under the table that counts them."""
    return ["\n".join(f"- {p}" for p in found[:10])] if found else []


def blocks(quick: bool = False) -> Blocks:
    """Every scenario, full length unless `quick` (a smoke run of a few seconds each)."""
    machine = machine_line(quick)
    crash = desk_crash.run(20) if quick else desk_crash.run()
    contended = contention.run(3.0, (4,)) if quick else contention.run()
    day = long_day.run(walk_ins=100) if quick else long_day.run()
    return {
        "faults-machine": [machine],
        "faults-crash": crash_rows(crash),
        "faults-contention": contention_rows(contended),
        "faults-day": day_rows(day),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="short smoke run, print only")
    show_blocks(blocks(parser.parse_args().quick))
