"""A primary PostgreSQL server and a streaming standby of it, for the failover tests.

The primary is a server of its own (tests/pg.py's `running_server`), not the session's: a test
stops it. The standby is `pg_basebackup -R` of it into a second temporary data directory,
started on its own socket directory; `promote` makes it the primary, as a failover manager
does. `address` is the libpq multi-host address the clinic's commands are given: whichever of
the two accepts writes.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from tests.pg import (
    PORT,
    PgServer,
    _unavailable,
    available,
    owned_home,
    pg_bin,
    run_as,
    running_server,
    server_user,
    start,
    stop,
)

STREAMING_CHECKS = 600  # 30 s of polls: a standby streams within moments of its start


@dataclass
class Pair:
    primary: PgServer
    standby: PgServer
    as_user: str | None

    def address(self, database: str) -> str:
        hosts = f"{self.primary.socket_dir},{self.standby.socket_dir}"
        return (
            f"postgresql://{self.primary.user}@/{database}?host={hosts}&port={PORT},{PORT}"
            "&target_session_attrs=read-write"
        )

    def stop_primary(self) -> None:
        assert self.primary.data is not None
        stop(self.primary.data, self.as_user)

    def promote_standby(self) -> None:
        assert self.standby.data is not None
        run_as([str(pg_bin("pg_ctl")), "-D", str(self.standby.data), "-w", "promote"], self.as_user)


@contextmanager
def primary_and_standby() -> Iterator[Pair]:
    as_user = server_user()
    with running_server() as primary:
        home, sockets = owned_home(as_user)
        data = home / "data"
        try:
            run_as(
                [
                    str(pg_bin("pg_basebackup")),
                    *("-D", str(data), "-R", "-X", "stream", "-c", "fast"),
                    *("-h", str(primary.socket_dir), "-p", str(PORT), "-U", primary.user),
                ],
                as_user,
            )
            start(data, sockets, as_user)
            try:
                _synchronous(primary)
                yield Pair(primary, PgServer(sockets, primary.user, data), as_user)
            finally:
                stop(data, as_user)
        finally:
            shutil.rmtree(home, ignore_errors=True)


def _synchronous(primary: PgServer) -> None:
    """Every commit waits until the standby has applied it, as a failover manager's
    synchronous replication makes it wait (docs/scaling.md): what a desk was told is done is
    on the standby, and read there at once. The tests' servers commit without waiting by
    default, set on their command line, which a role's setting overrides."""
    import psycopg

    with psycopg.connect(primary.url("postgres"), autocommit=True) as conn:
        for _ in range(STREAMING_CHECKS):
            if conn.execute(
                "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'"
            ).fetchone():
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("the standby never started streaming from the primary")
        conn.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
        conn.execute(f"ALTER ROLE {primary.user} SET synchronous_commit = 'remote_apply'")
        conn.execute("SELECT pg_reload_conf()")


@pytest.fixture
def pg_pair() -> Iterator[Pair]:
    reason = available()
    if reason is not None:
        _unavailable(reason)
    with primary_and_standby() as pair:
        yield pair
