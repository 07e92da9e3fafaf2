"""A real PostgreSQL server for the tests: Debian's binaries, run from a temporary directory.

One server per test session (`initdb` and `pg_ctl` from /usr/lib/postgresql/*/bin), listening on
a unix socket in its own directory only, so that no port is shared with anything else on the
machine. Each test gets a database of its own. Root cannot run postgres: as root the server runs
as the `postgres` user the package creates (or `nobody`) through `runuser`. Without the package
a test is skipped with the reason, except under CI=true, where a missing server is a failure.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from queue_core.backend import DATA_DIR_ENV

_NAMES = itertools.count(1)
PORT = 5432  # only names the socket file inside the server's own directory


def _bin_dir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4])
    )
    return Path(found[-1]).parent if found else None


def _unprivileged() -> str | None:
    """The user the server runs as when the tests run as root."""
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI runs the tests on PostgreSQL too: `make postgres`)")
    pytest.skip(reason)


@dataclass
class PgServer:
    """A running server: `url(name)` addresses one of its databases; `stop()` and `start()`
    take it away and bring it back, as an operator's `pg_ctl` does."""

    socket_dir: Path
    user: str
    data: Path | None = None  # its data directory, for a test that reads the files themselves
    as_user: str | None = None  # who runs it, when the tests run as root
    durable: bool = False  # fsync on every commit, kept when it is started again

    def stop(self) -> None:
        """A fast shutdown: every open connection is ended by the server."""
        assert self.data is not None
        stop(self.data, self.as_user)

    def start(self) -> None:
        """Returns once the server accepts connections (`-w`)."""
        assert self.data is not None
        start(self.data, self.socket_dir, self.as_user, self.durable)

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@/{database}?host={self.socket_dir}&port={PORT}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql)

    def fresh_database(self) -> str:
        """A new empty database, its URL returned (CREATE DATABASE from template0 is fast)."""
        name = f"clinic_{os.getpid()}_{next(_NAMES)}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")
        return self.url(name)


def as_server_user(command: list[str], as_user: str | None) -> list[str]:
    """`command`, run as `as_user` where one is given (server_user())."""
    return command if as_user is None else ["runuser", "-u", as_user, "--", *command]


def run_as(command: list[str], as_user: str | None) -> None:
    command = as_server_user(command, as_user)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def available() -> str | None:
    """Why no server can be started here, or None when one can."""
    if _bin_dir() is None:
        return "PostgreSQL is not installed (Debian's postgresql package: `make postgres`)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    if os.geteuid() == 0 and _unprivileged() is None:
        return "running as root with no unprivileged user to run PostgreSQL as"
    return None


def owned_home(as_user: str | None) -> tuple[Path, Path]:
    """A new directory for a server and its socket directory, owned by the server's user."""
    # Not under pytest's tmp_path: its directories are root's alone, and the server's user
    # must own its data directory.
    home = Path(tempfile.mkdtemp(prefix="clinic-queue-pg-"))
    sockets = home / "run"
    sockets.mkdir()
    if as_user is not None:
        entry = pwd.getpwnam(as_user)
        for path in (home, sockets):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    return home, sockets


def start(data: Path, sockets: Path, as_user: str | None, durable: bool = False) -> None:
    """Start the server of `data`, listening on a socket in `sockets` only."""
    options = (
        f"-c listen_addresses='' -c unix_socket_directories='{sockets}' -p {PORT}"
        " -c max_connections=200"
    )
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    log = str(data.parent / "server.log")
    run_as(
        [str(pg_bin("pg_ctl")), "-D", str(data), "-o", options, "-l", log, "-w", "start"], as_user
    )


def stop(data: Path, as_user: str | None, mode: str = "fast") -> None:
    """Stop the server of `data` (`mode`: pg_ctl's); one a test has stopped already is left as
    it is."""
    if (data / "postmaster.pid").exists():
        run_as([str(pg_bin("pg_ctl")), "-D", str(data), "-m", mode, "-w", "stop"], as_user)


def pg_bin(name: str) -> Path:
    bin_dir = _bin_dir()
    if bin_dir is None:
        raise RuntimeError(available())
    return bin_dir / name


def server_user() -> str | None:
    """Who runs the servers: the tests' own user, or an unprivileged one under root."""
    return _unprivileged() if os.geteuid() == 0 else None


@contextmanager
def running_server(durable: bool = False) -> Iterator[PgServer]:
    """A new server in a temporary directory, stopped and removed at the end. `durable` keeps
    fsync on every commit, as a clinic's server runs (the benchmarks); the tests turn it off."""
    as_user = server_user()
    home, sockets = owned_home(as_user)
    data = home / "data"
    user = "postgres"
    try:
        run_as(
            [str(pg_bin("initdb")), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8"],
            as_user,
        )
        start(data, sockets, as_user, durable)
        try:
            yield PgServer(sockets, user, data, as_user, durable)
        finally:
            stop(data, as_user)
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    reason = available()
    if reason is not None:
        _unavailable(reason)
    with running_server() as server:
        yield server


@pytest.fixture
def own_pg_server() -> Iterator[PgServer]:
    """A server for one test alone, which may stop and start it."""
    reason = available()
    if reason is not None:
        _unavailable(reason)
    with running_server() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh, empty database on the session's server."""
    return pg_server.fresh_database()


STORES = ("sqlite", "postgresql")
# A test of the `store` fixture (tests/conftest.py) run on an SQLite file and on PostgreSQL.
on_both_stores = pytest.mark.parametrize("store", STORES, indirect=True)


def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """For a fixture parametrised over STORES: a new SQLite file's path, or a new database's
    URL on the session's PostgreSQL server, whose own files (the screens' status, clips,
    slips) go to `tmp_path` as the file's would."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("pg_url")
        monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
        return url
    return tmp_path / "clinic-queue.db"
