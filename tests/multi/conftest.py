"""One clinic database that several `clinic-queue serve` processes follow.

`clinic_db` is the database's address as every process is given it (`--db`), on each engine
of ENGINES: the tests below it are the same on all of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from queue_core.config import ClinicConfig, parse_config
from queue_core.registration import initialise
from queue_core.store import Store
from tests.conftest import ACTOR, SAMPLE_CONFIG

ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clinic_text() -> str:
    """The clinic's file; a test adds to it by overriding this fixture."""
    return SAMPLE_CONFIG.read_text(encoding="utf-8")


@pytest.fixture
def clinic_db(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if engine == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "clinic-queue.db")


@pytest.fixture
def clinic(engine: str, clinic_db: str, clinic_text: str) -> Iterator[Store]:
    """The clinic initialised at `clinic_db`, opened by the test as a desk would."""
    config: ClinicConfig = parse_config(clinic_text, "test")
    target: str | Path = clinic_db if engine == "postgresql" else Path(clinic_db)
    initialise(target, config, ACTOR).close()
    store = Store.open(target)
    yield store
    store.close()
