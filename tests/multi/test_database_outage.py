"""PostgreSQL stopped and started again (`pg_ctl stop -m fast`, then `start`) under two
`clinic-queue serve` processes behind nginx while the desks call (tests/multi/outage.py). A
server of the test's own, so no other test sees it stop."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.multi.outage import away_and_back
from tests.pg import PgServer

pytestmark = pytest.mark.slow


async def test_a_database_restart_under_two_servers_loses_and_repeats_no_call(
    own_pg_server: PgServer, tmp_path: Path
) -> None:
    url = own_pg_server.fresh_database()
    await away_and_back(url, tmp_path, own_pg_server.stop, own_pg_server.start)
