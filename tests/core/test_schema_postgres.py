"""The one migration list: each migration has its DDL for PostgreSQL too, and a database
set up by it holds the tables the SQLite file holds, column for column."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from queue_core import schema, schema_postgres
from queue_core.config import ClinicConfig
from queue_core.registration import initialise
from queue_core.store import Store
from tests.conftest import ACTOR


def test_every_migration_has_its_postgresql_ddl() -> None:
    assert list(schema_postgres.STEPS) == list(schema.MIGRATION_NAMES)


def test_postgresql_holds_the_file_s_tables_and_columns(
    pg_url: str, tmp_path: Path, sample_config: ClinicConfig
) -> None:
    initialise(tmp_path / "q.db", sample_config, ACTOR).close()
    initialise(pg_url, sample_config, ACTOR).close()
    with sqlite3.connect(tmp_path / "q.db") as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE '%sqlite%' ORDER BY name"
            )
        ]
        on_file = {n: [c[1] for c in conn.execute(f"PRAGMA table_info({n})")] for n in names}
    store = Store.open(pg_url)
    try:
        with store.read() as conn:
            on_pg = {
                n: [
                    r[0]
                    for r in conn.execute(
                        "SELECT column_name FROM information_schema.columns"
                        " WHERE table_name = ? ORDER BY ordinal_position",
                        (n,),
                    )
                ]
                for n in names
            }
    finally:
        store.close()
    assert on_pg == on_file
