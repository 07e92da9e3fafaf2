"""Two `clinic-queue serve` instances on one database behind nginx (docs/scaling.md, "Several
servers"): screens' and phones' latency through nginx, then one instance killed (SIGKILL).

nginx runs from deploy/nginx-several-servers.conf in plain http (tests/nginx.py: the lean
clients speak no TLS), with 20 screens and 2 x N phones connected through it; nginx's
least_conn spreads them over both instances. The desks call every half second or so: commit ->
first message of that commit, per client. Then instance A is killed and a desk pauses at once
(a message for every screen and phone): per client that was on A, the time from the kill to
its first message of the pause, through nginx from instance B. Over the whole run, messages
missed or received twice by any client (tests/scenarios/restart.py). On PostgreSQL, before the
kill, the database is stopped and started again under both instances: from `pg_ctl start`
returning to each client's first message of the first call committed after it (the desk
presses again until the database takes it).

Both stores run in one report: the SQLite file, and a PostgreSQL server started for the run
(tests/pg.py, fsync and synchronous commit on).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.clinic import ACTOR
from benchmarks.report import Blocks, Part, Table, percentile, show_blocks, verdict
from benchmarks.server_common import (
    DESKS,
    HEAD,
    Fleet,
    call_after_restart,
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
from queue_core.backend import DATA_DIR_ENV
from queue_core.store import Store
from tests.instances import Instance
from tests.nginx import fits, running_nginx
from tests.pg import PgServer, available, running_server
from tests.scenarios.restart import check_clients

DISPLAYS = 20
CALLS = 20
GAP_S = (0.4, 0.6)
RECOVERY_GOAL_S = 5.0
PHONE_GOAL_MS = 150.0
LIMIT_S = 60.0
NGINX_WORKERS = 2  # each holds its share of the open files


@dataclass(frozen=True)
class Pair:
    store: str
    phones: int  # in all, over both instances
    on_a: int  # clients connected to the instance killed
    screens_p99_ms: float
    phones_p99_ms: float
    recovery_s: tuple[float, float, float] | None  # p50, p99, max; None: not all came back
    missed: int
    duplicated: int
    wrong_place: int
    load: str
    database_back_s: tuple[float, float] | None  # PostgreSQL: p50, max; None: not measured


def run_one(phones: int, workdir: Path, pg: PgServer | None = None) -> Pair:
    target: Path | str = workdir / f"pair-{phones}.db" if pg is None else pg.fresh_database()
    store = clinic_with_line(target, HEAD + phones + CALLS + 50)

    pairs = phone_tokens(store, phones)
    ids = {token: ticket_id for ticket_id, token in pairs}
    engine = "file" if pg is None else "pg"
    a, b = (Instance(str(target), workdir / f"serve-{engine}-{phones}-{n}.log") for n in "ab")
    a.start()
    b.start()
    try:
        front = running_nginx(
            workdir / f"nginx-{engine}-{phones}",
            [a.port, b.port],
            [a.api_port, b.api_port],
            None,
            connections=phones + DISPLAYS + 100,
            workers=NGINX_WORKERS,
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
                back = None if pg is None else _database_back(store, pg, screens)
                for instance in (a, b):
                    wait_caught_up(instance.port, store.last_seq())
                on_a = _clients(a.port)
                killed = time.time_ns()
                a.kill()
                commands.pause(store, DESKS[0], ACTOR)
                target = store.last_seq()
                screens.wait_current(target, LIMIT_S)
                # a phone that connects again is told its place at once; one that stayed may
                # hear of the pause only as a new estimate, if its rounded place has one
                time.sleep(max(0.0, killed / 1e9 + 2 * RECOVERY_GOAL_S - time.time()))
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
    recovery = _recovery(target, killed, [*shown, *held])
    return Pair(
        "SQLite file" if pg is None else "PostgreSQL",
        phones,
        on_a,
        percentile(latencies_ms(shown, samples, since), 0.99),
        percentile(latencies_ms(held, samples, since), 0.99),
        recovery,
        missed,
        duplicated,
        wrong,
        load,
        None if back is None else _back_figures(*back, [*shown, *held]),
    )


def _database_back(store: Store, pg: PgServer, screens: Fleet) -> tuple[int, int]:
    """PostgreSQL stopped and started under both instances; (the first call after it, when
    `pg_ctl start` returned in ns) once every screen has that call. A phone far back hears of
    one call only where its rounded place changes (docs/protocol.md)."""
    back = call_after_restart(store, pg, DESKS[1])
    target = store.last_seq()
    if screens.wait_current(target, LIMIT_S) is None:
        raise RuntimeError("the screens did not catch up after the database came back")
    time.sleep(1.0)  # the phones it reaches
    return target, back


def _back_figures(target: int, back_ns: int, clients: list[dict[str, Any]]) -> tuple[float, float]:
    """Over the clients that had the first call after the database came back: `pg_ctl start`
    returning -> their first message of it."""
    times = [t for t in (_first_at(c, target) for c in clients) if t is not None]
    return percentile([(t - back_ns) / 1e9 for t in times], 0.5), (max(times) - back_ns) / 1e9


def _first_at(client: dict[str, Any], target: int) -> int | None:
    """When `client` first had a message of `target` or later, in ns; None: never."""
    return min(
        (at for _, seq, at, _ in client["messages"] if seq is not None and seq >= target),
        default=None,
    )


def _clients(port: int) -> int:
    data = health(port)
    return int(data["displays"]) + int(data["phones"])


def _recovery(
    target: int, killed_ns: int, clients: list[dict[str, Any]]
) -> tuple[float, float, float] | None:
    """Per client cut off by the kill (it connected again): the kill -> its first message at
    `target` or later; None if one of them never had it."""
    firsts = [_first_at(c, target) for c in clients if c["opens"] >= 2]
    if None in firsts:
        return None
    times = [(at - killed_ns) / 1e9 for at in firsts if at is not None]
    return percentile(times, 0.5), percentile(times, 0.99), max(times)


def run(quick: bool = False, sizes: tuple[int, ...] = (2_000, 10_000)) -> list[Pair]:
    reason = available()
    if reason is not None:
        raise SystemExit(f"server_pair: {reason}")
    wanted = (400,) if quick else sizes
    for phones in wanted:
        if not fits(phones + DISPLAYS, NGINX_WORKERS):
            raise SystemExit(
                f"server_pair: nginx cannot hold {phones:,} clients under this host's"
                " limit on open files"
            )
    with tempfile.TemporaryDirectory(prefix="cq-pair-", dir=Path.cwd()) as tmp:
        work = Path(tmp)
        os.environ[DATA_DIR_ENV] = str(work)  # the servers' files on PostgreSQL
        if not quick:
            calm()
        pairs = [run_one(n, work) for n in wanted]
        with running_server(durable=True) as pg:
            pairs += [run_one(n, work, pg) for n in wanted]
    return pairs


def blocks(pairs: list[Pair]) -> Blocks:
    columns = (
        "store",
        "phones (2 servers)",
        "clients on the killed one",
        "screens p99 ms",
        "phones p99 ms",
        "kill -> current p50 s",
        "p99 s",
        "max s",
        "database back -> current p50 s",
        "max s",
        "missed",
        "twice",
        "load at start",
    )
    rows = []
    for p in pairs:
        rec = ["never (60 s)"] * 3 if p.recovery_s is None else [f"{s:.2f}" for s in p.recovery_s]
        back = ["-"] * 2 if p.database_back_s is None else [f"{s:.2f}" for s in p.database_back_s]
        rows.append(
            (
                p.store,
                f"2 x {p.phones // 2:,}",
                f"{p.on_a:,}",
                f"{p.screens_p99_ms:.1f}",
                f"{p.phones_p99_ms:.1f}",
                *rec,
                *back,
                str(p.missed),
                str(p.duplicated + p.wrong_place),
                p.load,
            )
        )
    largest = max(p.phones for p in pairs)
    lines: list[Part] = [Table(columns, rows, left=("store",))]
    lines += [_goals(p) for p in pairs if p.phones == largest]
    return {"server-pair": lines}


def _goals(pair: Pair) -> str:
    worst = None if pair.recovery_s is None else pair.recovery_s[2]
    clean = not (pair.missed or pair.duplicated or pair.wrong_place)
    shown = "never" if worst is None else f"{worst:.2f} s"
    return (
        f"{pair.store}, 2 x {pair.phones // 2:,}: every client current again within "
        f"{RECOVERY_GOAL_S:.0f} s of the kill (max {shown}): "
        f"{verdict(worst is not None and worst <= RECOVERY_GOAL_S)}; phones p99 "
        f"{pair.phones_p99_ms:.0f} ms (goal {PHONE_GOAL_MS:.0f}): "
        f"{verdict(pair.phones_p99_ms <= PHONE_GOAL_MS)}; 0 missed and 0 twice: "
        f"{verdict(clean)}."
    )


def report(quick: bool) -> Blocks:
    return blocks(run(quick))


if __name__ == "__main__":
    sizes = tuple(int(n) for n in sys.argv[1:] if n.isdigit()) or (2_000, 10_000)
    show_blocks(blocks(run(quick="--quick" in sys.argv, sizes=sizes)))
