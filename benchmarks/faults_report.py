"""The database fault scenarios (crash, contention, long day) and their block of the docs.

Run by `python -m benchmarks.run_all` after the core block; only the text between our markers
in docs/benchmarks.md is ever replaced.
"""

from __future__ import annotations

from benchmarks import faults_contention, faults_crash, faults_long_day
from benchmarks.report import machine_line


def block(quick: bool = False) -> str:
    """Every scenario, full length unless `quick` (a smoke run of a few seconds each)."""
    machine = machine_line()
    crash = faults_crash.run(20 if quick else faults_crash.KILLS)
    contention = faults_contention.run(quick, desks=(4,) if quick else (4, 8))
    day = faults_long_day.run(walk_ins=100 if quick else 300)
    return "\n\n".join(
        [
            "## Faults: desk crashes, contention, a long day (the database side)",
            machine + (" Quick smoke run: short scenarios." if quick else ""),
            "Reproduce with `make bench`, or one scenario at a time: "
            "`python -m benchmarks.faults_crash`, `python -m benchmarks.faults_contention`, "
            "`python -m benchmarks.faults_long_day`.",
            faults_crash.markdown(crash),
            faults_contention.markdown(contention),
            faults_long_day.markdown(day),
        ]
    )
