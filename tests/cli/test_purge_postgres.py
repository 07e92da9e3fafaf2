"""`clinic-queue purge` on PostgreSQL: the erased names leave the files of the database itself.

The test owns the server's data directory, so it reads the files of every relation of the
clinic's database (pg_relation_filepath, after a CHECKPOINT has written the pages out and
removed the files VACUUM FULL replaced) and looks for the patient's name and phone link."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import psycopg

from queue_core import commands
from queue_core.config import parse_config
from queue_core.registration import initialise, issue_ticket
from queue_core.retention import purge_due
from queue_core.store import Store
from tests.cli.test_cli_postgres import PgCli
from tests.conftest import ACTOR, SAMPLE_CONFIG, SteppingClock
from tests.pg import PgServer

NAME = "欧阳锋锐"


def on_disk(server: PgServer, url: str, *secrets: str) -> list[str]:
    """The relations of the database whose files hold one of `secrets`."""
    assert server.data is not None
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        relations = conn.execute(
            "SELECT relname, pg_relation_filepath(oid) FROM pg_class"
            " WHERE pg_relation_filepath(oid) IS NOT NULL ORDER BY relname"
        ).fetchall()
    found = []
    for name, relative in relations:
        first = server.data / relative
        raw = b"".join(p.read_bytes() for p in (first, *first.parent.glob(f"{first.name}.*")))
        if any(secret.encode() in raw for secret in secrets):
            found.append(name)
    return found


def _clinic_kept_no_day(pg_url: str, clock: SteppingClock) -> None:
    """The sample clinic with a retention of 0 days: yesterday is due for erasure."""
    text = SAMPLE_CONFIG.read_text(encoding="utf-8")
    config = parse_config(text.replace("[clinic]\n", "[clinic]\nretention_days = 0\n", 1))
    initialise(pg_url, config, ACTOR, now=clock()).close()


def test_purge_vacuums_the_erased_names_out_of_the_tables_files(
    pg_server: PgServer, pg_url: str, tmp_path: Path, clock: SteppingClock
) -> None:
    _clinic_kept_no_day(pg_url, clock)
    with closing(Store.open(pg_url, clock=clock)) as store:
        issue_ticket(store, "nk-pt", ACTOR, name="李四")
        late = issue_ticket(store, "nk-pt", ACTOR, name=NAME, phone="13912344321")
        commands.call_ticket(store, "nk1", late.number, "emergency", "nurse-wang")
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("ANALYZE")  # as autovacuum would: the planner's samples of the columns
        assert "tickets" in on_disk(pg_server, pg_url, NAME, late.token)
        # Erased in place, as the purge's own transaction does: the old row versions stay.
        erased = purge_due(store, "admin", now=clock.advance(days=2))
        assert erased is not None and erased.tickets == 2
    assert "tickets" in on_disk(pg_server, pg_url, NAME, late.token)
    cli = PgCli(pg_url, tmp_path)

    out = cli.ok("purge", "--actor", "admin").splitlines()

    assert out[-1] == (
        "Vacuumed: no erased byte is left in the files of the tables (docs/operations.md)."
    )
    assert on_disk(pg_server, pg_url, NAME, late.token) == []
    [call] = [e for e in cli.events() if e["type"] == "call" and e["ticket"] == late.number]
    assert (call["actor"], call["reason"]) == ("nurse-wang", "emergency")


def test_a_role_that_does_not_own_the_database_erases_and_says_the_files_keep_the_bytes(
    pg_server: PgServer, pg_url: str, tmp_path: Path, clock: SteppingClock
) -> None:
    _clinic_kept_no_day(pg_url, clock)
    with closing(Store.open(pg_url, clock=clock)) as store:
        issue_ticket(store, "nk-pt", ACTOR, name=NAME)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "DO $$ BEGIN CREATE ROLE clerk LOGIN; EXCEPTION WHEN duplicate_object THEN END $$"
        )
        conn.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO clerk")
        conn.execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO clerk")
    clerk = PgCli(pg_url.replace("postgresql://postgres@", "postgresql://clerk@"), tmp_path)

    refused = clerk.run("purge")

    assert (refused.code, refused.out) == (1, "")
    assert refused.err_lines == [
        "clinic-queue: The personal data due was erased from the tables and the log, but the"
        " tables' files could not be compacted (clerk does not own the database, and only its"
        " owner may vacuum every table and the planner's statistics): the old bytes stay in"
        " them until 'clinic-queue purge' runs again."
    ]
    owner = PgCli(pg_url, tmp_path).ok("purge").splitlines()
    assert owner[0].startswith("Nothing to erase: the clinic keeps 0 days")  # erased already
    assert owner[-1].startswith("Vacuumed: no erased byte is left")
    assert on_disk(pg_server, pg_url, NAME) == []
