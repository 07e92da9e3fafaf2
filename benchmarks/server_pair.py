"""Two `clinic-queue serve` instances on one database behind nginx (docs/scaling.md, "Several
servers"): screens' and phones' latency through nginx, then one instance killed (SIGKILL).

nginx runs from deploy/nginx-several-servers.conf in plain http (tests/nginx.py: the lean
clients speak no TLS), with 20 screens and 2 x N phones connected through it; nginx's
least_conn spreads them over both instances. The desks call every half second or so: commit ->
first message of that commit, per client. Then instance A is killed and a desk pauses at once
(a message for every screen and phone): per client that was on A, the time from the kill to
its first message of the pause, through nginx from instance B. Over the whole run, messages
missed or received twice by any client (tests/scenarios/restart.py).
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.clinic import ACTOR
from benchmarks.report import Blocks, Table, percentile, show_blocks, verdict
from benchmarks.server_common import (
    DESKS,
    HEAD,
    Fleet,
    calm,
    clients_of,
    clinic_with_line,
    commit_loop,
    health,
    latencies_ms,
    phone_tokens,
    wait_caught_up,
)
from queue_core import commands
from tests.instances import Instance
from tests.nginx import running_nginx
from tests.scenarios.restart import check_clients

DISPLAYS = 20
CALLS = 20
GAP_S = (0.4, 0.6)
RECOVERY_GOAL_S = 5.0
PHONE_GOAL_MS = 150.0
LIMIT_S = 60.0


@dataclass(frozen=True)
class Pair:
    phones: int  # in all, over both instances
    on_a: int  # clients connected to the instance killed
    screens_p99_ms: float
    phones_p99_ms: float
    recovery_s: tuple[float, float, float] | None  # p50, p99, max; None: not all came back
    missed: int
    duplicated: int
    wrong_place: int
    load: str


def run_one(phones: int, workdir: Path) -> Pair:
    db = workdir / f"pair-{phones}.db"
    store = clinic_with_line(db, HEAD + phones + CALLS + 50)
    pairs = phone_tokens(store, phones)
    ids = {token: ticket_id for ticket_id, token in pairs}
    a, b = (Instance(str(db), workdir / f"serve-{phones}-{n}.log") for n in "ab")
    a.start()
    b.start()
    try:
        front = running_nginx(
            workdir / f"nginx-{phones}",
            [a.port, b.port],
            [a.api_port, b.api_port],
            None,
            connections=phones + DISPLAYS + 100,
        )
        with front as nginx:
            base = nginx.ws
            screens = Fleet(workdir, base, ["/ws/display"] * DISPLAYS, 1)
            crowd = Fleet(workdir, base, [f"/ws/ticket/{t}" for _, t in pairs], -(-phones // 1000))
            try:
                screens.ready()
                crowd.ready()
                load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
                since = store.last_seq()
                samples = commit_loop(store, CALLS, GAP_S, random.Random(7))
                for instance in (a, b):
                    wait_caught_up(instance.port, store.last_seq())
                on_a = _clients(a.port)
                killed = time.time_ns()
                a.kill()
                commands.pause(store, DESKS[0], ACTOR)  # every screen and phone hears of it
                target = store.last_seq()
                came_back = all(f.wait_current(target, LIMIT_S) for f in (screens, crowd))
                commands.resume(store, DESKS[0], ACTOR)
                wait_caught_up(b.port, store.last_seq())
                time.sleep(1.0)
                shown = clients_of(screens.finish())
                held = clients_of(crowd.finish())
            finally:
                screens.kill()
                crowd.kill()
    finally:
        a.stop()
        b.stop()
    missed, duplicated, wrong = check_clients(store, [*shown, *held], ids)
    store.close()
    recovery = _recovery(target, killed, [*shown, *held]) if came_back else None
    return Pair(
        phones,
        on_a,
        percentile(latencies_ms(shown, samples, since), 0.99),
        percentile(latencies_ms(held, samples, since), 0.99),
        recovery,
        missed,
        duplicated,
        wrong,
        load,
    )


def _clients(port: int) -> int:
    data = health(port)
    return int(data["displays"]) + int(data["phones"])


def _recovery(
    target: int, killed_ns: int, clients: list[dict[str, Any]]
) -> tuple[float, float, float]:
    """Per client cut off by the kill (it connected again): the kill -> its first message at
    `target` or later."""
    times = []
    for client in clients:
        if client["opens"] < 2:
            continue
        first = min(at for _, seq, at, _ in client["messages"] if seq is not None and seq >= target)
        times.append((first - killed_ns) / 1e9)
    return percentile(times, 0.5), percentile(times, 0.99), max(times)


def within_files(phones: int) -> int:
    """`phones`, or fewer where the host's hard limit on open files cannot hold them: nginx's
    one process keeps two descriptors per client (theirs and the instance's), and only root
    with CAP_SYS_RESOURCE raises a hard limit."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    most = (hard - 1_000) // 2 - DISPLAYS  # room for nginx's own files and listeners
    return min(phones, most // 1_000 * 1_000)


def run(quick: bool = False, sizes: tuple[int, ...] = (2_000, 10_000)) -> list[Pair]:
    with tempfile.TemporaryDirectory(prefix="cq-pair-", dir=Path.cwd()) as tmp:
        if not quick:
            calm()
        return [run_one(within_files(n), Path(tmp)) for n in ((400,) if quick else sizes)]


def blocks(pairs: list[Pair]) -> Blocks:
    columns = (
        "phones (2 servers)",
        "clients on the killed one",
        "screens p99 ms",
        "phones p99 ms",
        "recovery p50 s",
        "p99 s",
        "max s",
        "missed",
        "twice",
        "load at start",
    )
    rows = []
    for p in pairs:
        rec = ["never (60 s)"] * 3 if p.recovery_s is None else [f"{s:.2f}" for s in p.recovery_s]
        rows.append(
            (
                f"2 x {p.phones // 2:,}",
                f"{p.on_a:,}",
                f"{p.screens_p99_ms:.1f}",
                f"{p.phones_p99_ms:.1f}",
                *rec,
                str(p.missed),
                str(p.duplicated + p.wrong_place),
                p.load,
            )
        )
    largest = pairs[-1]
    worst = None if largest.recovery_s is None else largest.recovery_s[2]
    clean = not (largest.missed or largest.duplicated or largest.wrong_place)
    shown = "never" if worst is None else f"{worst:.2f} s"
    lines = (
        f"Goals at 2 x {largest.phones // 2:,}: every client current again within "
        f"{RECOVERY_GOAL_S:.0f} s of the kill (max {shown}): "
        f"{verdict(worst is not None and worst <= RECOVERY_GOAL_S)}; phones p99 "
        f"{largest.phones_p99_ms:.0f} ms (goal {PHONE_GOAL_MS:.0f}): "
        f"{verdict(largest.phones_p99_ms <= PHONE_GOAL_MS)}; 0 missed and 0 twice: "
        f"{verdict(clean)}."
    )
    return {"server-pair": [Table(columns, rows), lines]}


def report(quick: bool) -> Blocks:
    return blocks(run(quick))


if __name__ == "__main__":
    sizes = tuple(int(n) for n in sys.argv[1:] if n.isdigit()) or (2_000, 10_000)
    show_blocks(blocks(run(quick="--quick" in sys.argv, sizes=sizes)))
