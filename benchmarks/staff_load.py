"""Screens and phones with 50 remote desk consoles connected: do they keep their goals?

The server_load set-up (20 screens, 5,000 phones in one long line, a desk call every second,
`clinic-queue serve` in its own process) run twice in one go: without staff consoles, then
with 50 logged in on the staff websocket, each watching its desk (spread over the clinic's
desks, so the two desks of the long line have ten each and follow its 5,000 places) and
taking each delta in, in processes of their own (benchmarks/staff_fleet.py). Writes the
`staff-load` block: `python -m benchmarks.staff_load` or `run_all --only staff-load`
(`--quick`: 10 consoles, 500 phones, printed only).
"""

from __future__ import annotations

import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.clinic import ACTOR
from benchmarks.report import Blocks, Table, block_main, machine_line, verdict
from benchmarks.server_common import (
    Fleet,
    ServerProcess,
    calm,
    clients_of,
    clinic_with_line,
    commit_loop,
    latencies_ms,
    phone_tokens,
    wait_caught_up,
)
from benchmarks.server_load import (
    DISPLAY_GOAL_MS,
    DISPLAYS,
    GAP_S,
    LINE_HEAD,
    PHONE_GOAL_MS,
    Stats,
    cpu_seconds,
)
from queue_core.staff import add_staff
from queue_core.store import Store

PASSWORD = "correct horse 42"
CONSOLES = 50
CONSOLES_PER_PROCESS = 25


@dataclass(frozen=True)
class StaffLoadRun:
    consoles: int
    phones: int
    commits: int
    display: Stats
    place: Stats  # phones: messages but those that moved the estimate alone
    console: Stats  # commit -> the console's view or delta of it, for consoles it changed
    console_bytes: int  # received by all consoles during the calls
    asked_again: int  # deltas a console could not apply (it asked for the whole view)
    server_cpu_ms: float
    consoles_cpu_ms: float  # per commit, the console processes: on these 2 cores, not a PC each


def accounts(store: Store, count: int) -> list[str]:
    """`count` desk accounts, `NAME@DESK`, spread over the clinic's desks in turn."""
    desks = [d.id for d in store.config.desks]
    out = []
    for i in range(count):
        desk = desks[i % len(desks)]
        name = f"nurse{i:02d}"
        add_staff(store, name, "desk", (desk,), PASSWORD, ACTOR)
        out.append(f"{name}@{desk}")
    return out


def measure(
    db: Path, tokens: list[str], users: list[str], commits: int, workdir: Path
) -> StaffLoadRun:
    store = Store.open(db)
    server = ServerProcess(db)
    server.start()
    fleets = []
    try:
        consoles = None
        if users:  # the desks log in as the day starts, before the waiting room fills
            processes = -(-len(users) // CONSOLES_PER_PROCESS)
            consoles = Fleet(
                workdir, server.base, users, processes, "benchmarks.staff_fleet", password=PASSWORD
            )
            fleets.append(consoles)
            consoles.ready()
        screens = Fleet(workdir, server.base, ["/ws/display"] * DISPLAYS, 1)
        crowd = Fleet(
            workdir,
            server.base,
            [f"/ws/ticket/{t}" for t in tokens],
            max(1, -(-len(tokens) // 1_000)),
        )
        fleets += [screens, crowd]
        screens.ready()
        crowd.ready()
        time.sleep(1.0)
        since = store.last_seq()
        assert server.process is not None
        staff_pids = consoles.pids if consoles is not None else []
        cpu, staff_cpu = cpu_seconds([server.process.pid]), cpu_seconds(staff_pids)
        samples = commit_loop(store, commits, GAP_S, random.Random(len(tokens)))
        wait_caught_up(server.port, samples[-1][0])
        time.sleep(2.0)  # time for the last phone and console to read
        cpu = cpu_seconds([server.process.pid]) - cpu
        staff_cpu = cpu_seconds(staff_pids) - staff_cpu
        shown = clients_of(screens.finish())
        phoned = clients_of(crowd.finish())
        staffed = clients_of(consoles.finish()) if consoles is not None else []
    finally:
        for fleet in fleets:
            fleet.kill()
        server.stop()
        store.close()
    last = samples[-1][0]
    return StaffLoadRun(
        len(users),
        len(tokens),
        commits,
        Stats.of(latencies_ms(shown, samples, since)),
        Stats.of(latencies_ms(phoned, samples, since, estimates=False)),
        Stats.of(latencies_ms(staffed, samples, since)),
        sum(
            size
            for c in staffed
            for _, seq, _, size in c["messages"]
            if seq is not None and since < seq <= last
        ),
        sum(int(c["asked_again"]) for c in staffed),
        cpu * 1000 / commits,
        staff_cpu * 1000 / commits,
    )


def run(quick: bool) -> list[StaffLoadRun]:
    phones = 500 if quick else 5_000
    commits = 10 if quick else 60
    consoles = 10 if quick else CONSOLES
    with tempfile.TemporaryDirectory(prefix="cq-staff-load-", dir=Path.cwd()) as tmp:
        workdir = Path(tmp)
        db = workdir / "load.db"
        store = clinic_with_line(db, LINE_HEAD + phones + 50)
        tokens = [t for _, t in phone_tokens(store, phones, behind=LINE_HEAD)]
        users = accounts(store, consoles)
        store.close()
        runs = []
        for staff in ([], users):
            if not quick:
                calm()
            runs.append(measure(db, tokens, staff, commits, workdir))
        return runs


def blocks(runs: list[StaffLoadRun], quick: bool) -> Blocks:
    bare = runs[0]
    rows = []
    for r in runs:
        rows.append(
            (
                f"{r.consoles}",
                f"{r.phones:,}",
                f"{r.display.median:.1f}",
                f"{r.display.p99:.1f}",
                f"{r.display.p99 / bare.display.p99:.2f}",
                verdict(r.display.p99 <= DISPLAY_GOAL_MS),
                f"{r.place.median:.1f}",
                f"{r.place.p99:.1f}",
                f"{r.place.p99 / bare.place.p99:.2f}",
                verdict(r.place.p99 <= PHONE_GOAL_MS),
                "-" if not r.consoles else f"{r.console.median:.1f}",
                "-" if not r.consoles else f"{r.console.p99:.1f}",
                "-" if not r.consoles else f"{r.console_bytes / r.commits / 1024:.1f}",
                f"{r.server_cpu_ms:.0f}",
                "-" if not r.consoles else f"{r.consoles_cpu_ms:.0f}",
            )
        )
    table = Table(
        (
            "staff consoles",
            "phones",
            "screens p50 ms",
            "screens p99 ms",
            "p99 / without consoles",
            "screens p99 <= 10 ms",
            "new place p50 ms",
            "new place p99 ms",
            "p99 / without consoles",
            "phones p99 <= 150 ms",
            "consoles p50 ms",
            "consoles p99 ms",
            "KiB to consoles per call",
            "server CPU ms / commit",
            "consoles' CPU ms / commit",
        ),
        rows,
    )
    with_staff = runs[-1]
    note = (
        f"{with_staff.commits} desk calls a second apart on the long line, each run; consoles: "
        "commit -> the view or delta of it at each console whose desk it changed; "
        f"deltas a console could not apply: {with_staff.asked_again}."
    )
    return {"staff-load": [table, note, machine_line(quick)]}


def report(quick: bool) -> Blocks:
    return blocks(run(quick), quick)


def main(argv: list[str] | None = None) -> int:
    return block_main(report, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
