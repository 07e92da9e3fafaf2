"""`queue_prefix` builds tickets only for the rows a priority ticket can reach into the prefix.

Whatever it skips, its first places (with their merge keys, which desks merge queues by) must
equal the start of the whole pure order, for every mix of priority classes and lengths.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queue_core.config import ClinicConfig, load_config
from queue_core.line import read_board
from queue_core.lineup import queue_prefix
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, MORNING, SAMPLE_CONFIG, SteppingClock

CLASSES = [None, None, None, "elderly", "emergency"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    priorities=st.lists(st.sampled_from(CLASSES), min_size=0, max_size=40),
    places=st.integers(min_value=1, max_value=8),
)
def test_prefix_equals_the_start_of_the_whole_order(
    tmp_path_factory: pytest.TempPathFactory, priorities: list[str | None], places: int
) -> None:
    config: ClinicConfig = load_config(SAMPLE_CONFIG)
    db = tmp_path_factory.mktemp("prefix") / "prefix.db"
    clock = SteppingClock(MORNING)
    initialise(db, config, ACTOR, now=clock()).close()
    store = Store.open(db, clock=clock)
    try:
        for priority in priorities:
            issue_ticket(store, "nk-pt", ACTOR, priority=priority)
            clock.advance(minutes=1)
        whole = read_board(store).queue("nk-pt").line  # type: ignore[union-attr]
        with store.read() as conn:
            prefix = queue_prefix(conn, store.today(), "nk-pt", config, places)
    finally:
        store.close()
    expected = [(p.ticket.number, p.position, p.reason, p.merge_key) for p in whole[:places]]
    assert [(p.ticket.number, p.position, p.reason, p.merge_key) for p in prefix] == expected
