"""On PostgreSQL, readers of the log sleep until a commit notifies the clinic's channel, and a
Store carries on after the server dropped its connection, without being opened again."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

from queue_core.backend_postgres import EVENTS_CHANNEL
from queue_core.errors import DatabaseUnreachable
from queue_core.listen_watch import ListenWatch
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR
from tests.pg import PgServer

LIMIT_S = 10.0  # how long a test waits before failing (not a timing check)
QUIET_S = 0.2  # how long a listener waits to show that nothing came
on_postgresql = pytest.mark.parametrize("store", ["postgresql"], indirect=True)


def _listener(store: Store) -> psycopg.Connection[Any]:
    conn = psycopg.connect(str(store.backend.target), autocommit=True)
    conn.execute(f"LISTEN {EVENTS_CHANNEL}")
    return conn


def _heard(conn: psycopg.Connection[Any]) -> int:
    return len(list(conn.notifies(timeout=QUIET_S)))


@on_postgresql
def test_a_commit_notifies_once_and_a_rolled_back_write_not_at_all(store: Store) -> None:
    listener = _listener(store)
    try:
        with pytest.raises(ZeroDivisionError), store.write():
            issue_ticket(store, "nk-pt", ACTOR)  # joins the write, which then rolls back
            raise ZeroDivisionError
        assert _heard(listener) == 0
        issue_ticket(store, "nk-pt", ACTOR)
        assert _heard(listener) == 1
    finally:
        listener.close()


@on_postgresql
def test_a_commit_ends_the_watch_s_pause(store: Store) -> None:
    watch = ListenWatch(str(store.backend.target), EVENTS_CHANNEL, idle_s=LIMIT_S * 6)
    try:
        watch.pause()  # the first look is at once: what came before LISTEN took
        waiter = threading.Thread(target=watch.pause)
        waiter.start()
        issue_ticket(store, "nk-pt", ACTOR)
        waiter.join(LIMIT_S)
        assert not waiter.is_alive()
    finally:
        watch.close()


@on_postgresql
def test_a_dropped_connection_is_replaced_and_a_lost_write_leaves_nothing(
    store: Store, pg_server: PgServer
) -> None:
    database = urlsplit(str(store.backend.target)).path.strip("/")

    def drop_every_other_connection() -> None:
        """What a restart or a failover does to every connection the store holds."""
        pg_server.admin(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
        )

    first = issue_ticket(store, "nk-pt", ACTOR)
    seq = store.last_seq()
    drop_every_other_connection()
    assert store.last_seq() == seq  # a read outside a transaction: on a new connection

    with pytest.raises(DatabaseUnreachable), store.write() as tx:
        tx.ticket(first.id)
        drop_every_other_connection()
        tx.ticket(first.id)  # the transaction is gone: never on a new connection alone
    assert store.last_seq() == seq
    assert issue_ticket(store, "nk-pt", ACTOR).number == "A002"
    assert store.last_seq() == seq + 1
