"""The database fault scenarios (crash, contention, long day) and their block of the docs.

Run by `python -m benchmarks.run_all` after the core block; only the text between our markers
in docs/benchmarks.md is ever replaced.
"""

from __future__ import annotations

from benchmarks import faults_contention, faults_long_day
from benchmarks.report import machine_line
from tests.scenarios import desk_crash


def crash_markdown(result: desk_crash.CrashResult) -> str:
    return "\n".join(
        [
            "### Desk crash: SIGKILL at random points (goal: 0 violations)",
            "",
            "A forked desk process runs random real commands (every desk action, check-ins,",
            "walk-ins, out-of-turn calls, receipts, presence) and is killed 2-30 ms after it",
            "starts; a reader process tails the log throughout. After every kill:",
            "`PRAGMA integrity_check`, seqs 1..N with no hole, replay of the log == tables, no",
            "number given to two tickets or beyond its counter, every call of a ticket that was",
            "waiting (or missed, out of turn with a reason), no ticket current at two desks;",
            "at the end every event the reader saw is in the final log unchanged.",
            "",
            "| kills | inside a transaction | during COMMIT | commands completed | events | calls "
            "| events seen by the reader | holes seen | violations | seconds |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {result.kills:,} | {result.in_transaction:,} | {result.in_commit:,} "
            f"| {result.commands_done:,} "
            f"| {result.events:,} | {result.calls:,} | {result.reader_events:,} "
            f"| {result.reader_holes} | {len(result.violations)} | {result.seconds:.0f} |",
            *([""] + [f"- {v}" for v in result.violations[:10]] if result.violations else []),
        ]
    )


def block(quick: bool = False) -> str:
    """Every scenario, full length unless `quick` (a smoke run of a few seconds each)."""
    machine = machine_line()
    crash = desk_crash.run(20 if quick else desk_crash.KILLS)
    contention = faults_contention.run(quick, desks=(4,) if quick else (4, 8))
    day = faults_long_day.run(walk_ins=100 if quick else 300)
    return "\n\n".join(
        [
            "## Faults: desk crashes, contention, a long day (the database side)",
            machine + (" Quick smoke run: short scenarios." if quick else ""),
            "Reproduce with `make bench`, or one scenario at a time: "
            "`python -m benchmarks.faults_contention`, "
            "`python -m benchmarks.faults_long_day`.",
            crash_markdown(crash),
            faults_contention.markdown(contention),
            faults_long_day.markdown(day),
        ]
    )
