"""A pg_auto_failover formation for the automatic failover test: a monitor and two nodes.

Debian's pg_autoctl (`make autofailover` installs it), each `pg_autoctl create ... --run` a
child process of the test in its own process group, as the postgres user when the tests run as
root (tests/pg.py), with its configuration, state, sockets and data directories in one temporary
directory. The monitor and the nodes listen on 127.0.0.1 only, on ports free when the
formation starts. The monitor's health checks are shortened so that it finds the primary
lost in seconds rather than the default tens of seconds; `address` is what
`pg_autoctl show uri --formation default` prints, the user added. Without the packages a test
is skipped with the reason, except under CI=true, where it is a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.nginx import free_port
from tests.pg import as_server_user, available, owned_home, pg_bin, server_user, stop

MONITOR_DB = "pg_auto_failover"
DATABASE = "clinic"
USER = "postgres"  # the superuser initdb makes for whoever runs it: the postgres user
READY_PATIENCE_S = 120.0  # a node's first start: initdb, or a base backup of the primary
STOP_PATIENCE_S = 20.0
# The monitor's defaults, in ms: a health check every 5000, a 5000 timeout, 2 retries 2000
# apart, a node unhealthy 20000 after its last report, 30000 for a lost primary to demote.
# The test's: the same steps, a few seconds in all.
SHORT_HEALTH_CHECKS = {
    "pgautofailover.health_check_period": 1000,
    "pgautofailover.health_check_timeout": 1000,
    "pgautofailover.health_check_max_retries": 1,
    "pgautofailover.health_check_retry_delay": 500,
    "pgautofailover.node_considered_unhealthy_timeout": 2000,
    "pgautofailover.primary_demote_timeout": 2000,
}


def missing() -> str | None:
    """Why no formation can be started here, or None when one can."""
    reason = available()
    if reason is not None:
        return reason
    extension = pg_bin("postgres").parents[1] / "lib" / "pgautofailover.so"
    if shutil.which("pg_autoctl") is None or not extension.exists():
        return (
            "pg_auto_failover is not installed (Debian's pg-auto-failover-cli and"
            f" postgresql-{pg_bin('postgres').parts[4]}-auto-failover: `make autofailover`)"
        )
    return None


@dataclass
class Node:
    name: str
    port: int
    data: Path
    process: subprocess.Popen[bytes]


@dataclass
class Formation:
    home: Path
    as_user: str | None
    monitor_port: int
    nodes: list[Node] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)  # the monitor's first
    address: str = ""  # every node, for `target_session_attrs=read-write` to find the primary

    def _env(self) -> list[str]:
        # Only these: pg_autoctl keeps its configuration and state under XDG_CONFIG_HOME and
        # XDG_DATA_HOME, and C.UTF-8 makes its initdb's databases UTF8.
        run = self.home / "run"
        return [
            "env",
            "-i",
            f"PATH={pg_bin('pg_ctl').parent}:/usr/bin:/bin",
            f"HOME={self.home}",
            "LANG=C.UTF-8",
            f"XDG_CONFIG_HOME={self.home / 'config'}",
            f"XDG_DATA_HOME={self.home / 'share'}",
            f"XDG_RUNTIME_DIR={run}",
            # postgres's unix socket in the temporary directory (pg_autoctl's own tests set
            # it), and pg_autoctl's local connections there, instead of /var/run/postgresql
            f"PG_REGRESS_SOCK_DIR={run}",
            f"PGHOST={run}",
        ]

    def command(self, *args: str) -> list[str]:
        return as_server_user([*self._env(), "pg_autoctl", *args], self.as_user)

    def autoctl(self, *args: str) -> str:
        done = subprocess.run(
            self.command(*args), capture_output=True, text=True, check=False, cwd=self.home
        )
        if done.returncode != 0:
            raise RuntimeError(f"pg_autoctl {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.home / f"{name}.log").open("wb")
        with log:
            return subprocess.Popen(
                self.command(*args),
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.home,
                start_new_session=True,
            )

    def show_uri(self, formation: str) -> str:
        """What `pg_autoctl show uri --formation` prints: the monitor's own address for
        "monitor", the nodes' multi-host address for a formation of nodes."""
        monitor = str(self.home / "monitor")
        return self.autoctl("show", "uri", "--pgdata", monitor, "--formation", formation).strip()

    def url(self, port: int, database: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{port}/{database}?sslmode=require&connect_timeout=2"

    def monitor_sql(self, sql: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url(self.monitor_port, MONITOR_DB), autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description is not None else []

    def states(self) -> dict[str, tuple[str, str]]:
        """Each node's reported state and the state the monitor assigned it."""
        rows = self.monitor_sql(
            "SELECT nodename, reportedstate, goalstate FROM pgautofailover.node"
        )
        return {str(name): (str(reported), str(goal)) for name, reported, goal in rows}

    def primary(self) -> Node:
        """The node the monitor has made the one that takes writes: "primary" with its
        standby, "wait_primary" alone. (A lost node's reported state is its last report.)"""
        states = self.states()
        return next(n for n in self.nodes if states[n.name][1] in ("primary", "wait_primary"))

    def lose(self, node: Node) -> None:
        """The node is lost as its machine's crash loses it: its pg_autoctl is killed, so that
        nothing reports to the monitor or restarts its postgres, and its postgres stops at once
        without a checkpoint (`pg_ctl -m immediate`, which removes its shared memory as a
        SIGKILL would not)."""
        for pid in _group(node.process.pid):  # its own group: start_new_session
            if _name(pid) != "postgres":
                _signal(pid, signal.SIGKILL)
        node.process.wait()
        stop(node.data, self.as_user, "immediate")


def _group(pgid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after it
            if int(stat.rsplit(")", 1)[1].split()[2]) == pgid:
                found.append(int(entry.name))
    return found


def _name(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "comm").read_text().strip()
    except OSError:
        return ""


def _signal(pid: int, sig: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, sig)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """pg_autoctl stops its postgres on SIGTERM; whatever is left of the group is killed."""
    if process.poll() is None:
        with suppress(ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(STOP_PATIENCE_S)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _until(what: str, formation: Formation, ready: Callable[[], bool]) -> None:
    """Wait for `ready()`; a pg_autoctl that exits or a wait past the patience ends the test
    with the logs' tails."""
    import psycopg

    deadline = time.monotonic() + READY_PATIENCE_S
    while time.monotonic() < deadline and all(p.poll() is None for p in formation.processes):
        try:
            if ready():
                return
        except psycopg.OperationalError:  # the monitor or a node not taking connections yet
            pass
        time.sleep(0.5)
    logs = "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}"
        for log in sorted(formation.home.glob("*.log"))
    )
    raise RuntimeError(f"{what} did not happen:\n{logs}")


@contextmanager
def running_formation() -> Iterator[Formation]:
    as_user = server_user()
    home, _ = owned_home(as_user)
    formation = Formation(home, as_user, free_port())
    try:
        formation.processes.append(
            formation.start(
                "monitor",
                *("create", "monitor", "--pgdata", str(home / "monitor")),
                *("--pgport", str(formation.monitor_port), "--listen", "127.0.0.1"),
                *("--hostname", "127.0.0.1", "--auth", "trust", "--ssl-self-signed", "--run"),
            )
        )
        _until(
            "the monitor's start",
            formation,
            lambda: bool(
                formation.monitor_sql("SELECT 1 FROM pg_extension WHERE extname = 'pgautofailover'")
            ),
        )
        monitor = formation.show_uri("monitor")
        for name, wanted in (("node1", "single"), ("node2", "secondary")):
            port = free_port()
            process = formation.start(
                name,
                *("create", "postgres", "--pgdata", str(home / name), "--pgport", str(port)),
                *("--listen", "127.0.0.1", "--hostname", "127.0.0.1", "--name", name),
                *("--dbname", DATABASE, "--monitor", monitor),
                *("--auth", "trust", "--ssl-self-signed", "--run"),
            )
            formation.processes.append(process)
            formation.nodes.append(Node(name, port, home / name, process))
            _until(
                f"{name} becoming {wanted}",
                formation,
                partial(_reached, formation, name, wanted),
            )
        _until(
            "one primary and one secondary",
            formation,
            lambda: (
                sorted(formation.states().values())
                == [("primary", "primary"), ("secondary", "secondary")]
            ),
        )
        formation.address = formation.show_uri("default").replace("://", f"://{USER}@", 1)
        for setting, value in SHORT_HEALTH_CHECKS.items():
            formation.monitor_sql(f"ALTER SYSTEM SET {setting} = {value}")
        formation.monitor_sql("SELECT pg_reload_conf()")
        yield formation
    finally:
        for process in reversed(formation.processes):
            _stop(process)
        shutil.rmtree(home, ignore_errors=True)


def _reached(formation: Formation, name: str, wanted: str) -> bool:
    state = formation.states().get(name)
    if state is not None and state[0] in ("wait_standby", "catchingup"):
        # The standby's base backup waits for a checkpoint the primary spreads over up to
        # checkpoint_timeout x 0.9 (minutes); an immediate one ends that wait.
        import psycopg

        with psycopg.connect(formation.url(formation.nodes[0].port, "postgres")) as conn:
            conn.execute("CHECKPOINT")
    return state == (wanted, wanted)


@pytest.fixture
def formation() -> Iterator[Formation]:
    reason = missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI runs the automatic failover test)")
        pytest.skip(reason)
    with running_formation() as started:
        yield started
