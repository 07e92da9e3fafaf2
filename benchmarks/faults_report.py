"""The database fault scenarios (crash, contention, long day) and their block of the docs.

Run by `python -m benchmarks.run_all` after the core block; only the text between our markers
in docs/benchmarks.md is ever replaced.
"""

from __future__ import annotations

from benchmarks.report import machine_line, median_ms, percentile_ms
from tests.scenarios import contention, desk_crash, long_day


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


def contention_markdown(results: list[contention.Contention]) -> str:
    lines = [
        "### Contention: desks and the server writing at full speed (goal: 0 errors)",
        "",
        "Each desk process loops issue -> call next -> recall -> finish; one more process",
        "writes call receipts (20 screens) and presence (phones) as fast as it can. Latency is",
        "per desk command, waiting for the writer gate included; share is each process's part",
        "of all commands (desks first, the server last). Writers queue at a `flock` on",
        "`<db>.lock` before `BEGIN IMMEDIATE` (`queue_core/writer_gate.py`): with SQLite's busy",
        "handler alone a desk that has just committed wins again, and others wait for seconds.",
        "",
        "| desks | seconds | desk commands | server writes | errors | p50 ms | p99 ms | max ms "
        "| shares | log violations |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        total = sum(w.commands for w in r.workers)
        server = next(w for w in r.workers if w.name == "server")
        shares = " / ".join(f"{w.commands / total:.0%}" for w in r.workers)
        latencies = r.desk_latencies
        lines.append(
            f"| {r.desks} | {r.seconds:.0f} | {len(latencies):,} | {server.commands:,} "
            f"| {len(r.errors)} | {median_ms(latencies):.2f} "
            f"| {percentile_ms(latencies, 0.99):.2f} | {max(latencies) * 1000:.1f} "
            f"| {shares} | {len(r.log_violations)} |"
        )
    errors = [e for r in results for e in r.errors][:5]
    return "\n".join(
        lines + ([""] + [f"- `{e.splitlines()[-1]}`" for e in errors] if errors else [])
    )


def day_markdown(result: long_day.DayResult) -> str:
    done = result.stats.done
    counted = ", ".join(f"{name} {count:,}" for name, count in done.most_common())
    refused = ", ".join(f"{n} {c}" for n, c in result.stats.refused.most_common()) or "none"
    return "\n".join(
        [
            "### Long day: a whole clinic day, accelerated (goal: 0 mismatches)",
            "",
            "The sample clinic from 07:30 to 18:00 in one-minute steps (`clinic_day.py`):",
            f"commands applied: {counted}. Refused by the rules (and left unchanged): {refused}.",
            "Every simulated hour and at closing: the public board read from the tables ==",
            "the board rebuilt from the event log; every ticket's phone view (state, desk,",
            "room, patients ahead) == the rebuilt board; at closing, the checks of the crash",
            "scenario.",
            "",
            "| events | checkpoints | boards equal | phone views checked | mismatches "
            "| wall seconds for the day |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {result.stats.events:,} | {result.checkpoints} | {result.boards_equal} "
            f"| {result.views_checked:,} | {len(result.problems)} | {result.seconds:.1f} |",
            *([""] + [f"- {p}" for p in result.problems[:10]] if result.problems else []),
        ]
    )


def block(quick: bool = False) -> str:
    """Every scenario, full length unless `quick` (a smoke run of a few seconds each)."""
    machine = machine_line()
    crash = desk_crash.run(20 if quick else desk_crash.KILLS)
    contended = contention.run(3.0, (4,)) if quick else contention.run()
    day = long_day.run(walk_ins=100) if quick else long_day.run()
    return "\n\n".join(
        [
            "## Faults: desk crashes, contention, a long day (the database side)",
            machine + (" Quick smoke run: short scenarios." if quick else ""),
            "Reproduce with `make bench`, or as tests at full length: "
            "`CLINIC_QUEUE_LONG=1 pytest tests/faults`.",
            crash_markdown(crash),
            contention_markdown(contended),
            day_markdown(day),
        ]
    )
