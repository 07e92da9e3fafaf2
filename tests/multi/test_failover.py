"""A PostgreSQL failover under two `clinic-queue serve` processes behind nginx
(tests/multi/outage.py): every command and both instances are given the primary and its
streaming standby in one libpq address (`target_session_attrs=read-write`, docs/scaling.md).
The primary stops; until the standby is promoted (tests/pg_standby.py, as a failover manager
does) the desks are refused; then both instances and the desks find the new primary by
themselves, with every call of before and none lost or twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.multi.outage import away_and_back
from tests.pg_standby import Pair, pg_pair  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow


async def test_both_servers_follow_a_promoted_standby_and_lose_or_repeat_no_call(
    pg_pair: Pair,  # noqa: F811
    tmp_path: Path,
) -> None:
    pg_pair.primary.admin("CREATE DATABASE clinic TEMPLATE template0 ENCODING 'UTF8'")
    url = pg_pair.address("clinic")
    # The address reaches the standby, which answers as one: no primary, not no database.
    await away_and_back(url, tmp_path, pg_pair.stop_primary, pg_pair.promote_standby, "no_primary")
