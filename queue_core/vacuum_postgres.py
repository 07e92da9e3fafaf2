"""After a purge on PostgreSQL: the erased bytes leave the tables' files, as VACUUM makes them
leave an SQLite file.

An UPDATE in PostgreSQL writes a new version of the row and leaves the old one in the table's
heap until it is vacuumed; so does every desk action before it. Plain VACUUM is not enough for
the privacy promise: it marks the dead versions' space free and compacts each page, but the
bytes stay where the live rows do not cover them, and a later row may or may not overwrite
them. VACUUM FULL writes each table (its TOAST table and its indexes too) into new files from
the live rows only; the old files are emptied at its commit and removed at the next checkpoint.
ANALYZE with it, then VACUUM FULL of pg_statistic, because the statistics the planner keeps
(the most common values and the histogram of a column) are samples of the names themselves.

VACUUM FULL locks each table against every reader while it writes it (a clinic's tables are
rewritten in moments, docs/benchmarks.md): it waits for that lock only briefly at a time, so
that a long reader holds the purge up, never the desks queued behind it.
"""

from __future__ import annotations

import time

from psycopg import errors

from queue_core.backend_postgres import GIVE_UP_AFTER_S
from queue_core.errors import NotCompacted
from queue_core.store import Store
from queue_core.table_copy import TABLES

LOCK_WAIT_MS = 1_000  # one wait for a table's lock before the desks get a turn
PAUSE_S = 0.05


def vacuum_full(store: Store) -> bool:
    """VACUUM FULL of every table of the clinic, then of the planner's statistics; False if
    readers kept a table locked past the store's deadline (it then keeps its old bytes until
    the next purge). NotCompacted when the store's role may not vacuum them all."""
    deadline = time.monotonic() + GIVE_UP_AFTER_S
    with store.read() as conn:
        role, may = conn.execute(
            "SELECT current_user, pg_get_userbyid(datdba) = current_user OR rolsuper"
            " FROM pg_database, pg_roles WHERE datname = current_database()"
            " AND rolname = current_user"
        ).fetchone()
    if not may:
        # VACUUM skips, with a mere warning, a table its role may not vacuum.
        raise NotCompacted(
            f"{role} does not own the database, and only its owner may vacuum every table"
            " and the planner's statistics",
            "the tables' files",
        )
    for table in (*TABLES, "pg_statistic"):
        analyze = "" if table == "pg_statistic" else ", ANALYZE"
        while True:
            with store.between_writers() as conn:
                conn.execute(f"SET lock_timeout = {LOCK_WAIT_MS}")
                try:
                    conn.execute(f"VACUUM (FULL{analyze}) {table}")
                    break
                except errors.LockNotAvailable:
                    if time.monotonic() > deadline:
                        return False
                finally:
                    conn.execute("RESET lock_timeout")
            time.sleep(PAUSE_S)
    return True
