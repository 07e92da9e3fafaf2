"""Desk processes and the server writing at once: every ticket called exactly once, no error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import LONG
from tests.pg import STORES
from tests.scenarios import contention

pytestmark = pytest.mark.slow

SECONDS, DESKS = (contention.SECONDS, contention.DESKS) if LONG else (3.0, (4,))


@pytest.mark.parametrize("kind", STORES)
def test_desks_and_the_server_at_full_speed_call_every_ticket_once_and_see_no_error(
    tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    databases = request.getfixturevalue("pg_server").fresh_database if kind != "sqlite" else None
    for result in contention.run(SECONDS, DESKS, workdir=tmp_path, databases=databases):
        assert result.errors == []
        assert result.log_violations == []
        # Every writer got through the gate, the server's receipts and presence included.
        desks = (contention.BASE_DESKS + contention.EXTRA_DESKS)[: result.desks]
        assert [w.name for w in result.workers] == [d for d, _ in desks] + ["server"]
        assert all(w.commands > 0 for w in result.workers)
        # Every ticket was called exactly once; every call a desk was told of is in the log,
        # and the log holds no call that no desk was told of.
        assert sorted(result.called) == sorted(result.issued)
        assert sorted(result.logged_calls) == sorted(result.issued)
        # The desks of one queue raced for it: each of them called some of its patients.
        assert all(w.called for w in result.desk_workers)
