"""Shared fixtures: real SQLite files in tmp_path, initialised from the sample clinic."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from queue_core.backend import DATA_DIR_ENV
from queue_core.config import ClinicConfig, load_config
from queue_core.registration import initialise
from queue_core.store import Store
from tests.pg import (  # noqa: F401  (fixtures for every test package)
    PgServer,
    own_pg_server,
    pg_server,
    pg_url,
    store_target,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CONFIG = ROOT / "sample_data" / "clinic.toml"
SAMPLE_APPOINTMENTS = ROOT / "sample_data" / "appointments.csv"
ACTOR = "nurse-test"
# The sample clinic's hall screen (every queue): a TV page with it in its URL is registered.
HALL_KEY = "sample-hall-key-change-me"
# The scenarios' full length, as docs/benchmarks.md reports them, instead of their short test size.
LONG = os.environ.get("CLINIC_QUEUE_LONG", "") not in ("", "0")
# 09:00 in Shanghai on a Monday: inside a morning of 30-minute slots.
MORNING = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


class SteppingClock:
    """The time commands see: starts at `start`, moves only when a test moves it."""

    def __init__(self, start: datetime = MORNING) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clinic on PostgreSQL keeps its own files (clips, slips, copies) in
    $CLINIC_QUEUE_DATA_DIR, by default the working directory: the repository's, under pytest.
    Every test gets a folder of its own instead; a test may set another."""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))


@pytest.fixture
def sample_config() -> ClinicConfig:
    return load_config(SAMPLE_CONFIG)


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "clinic-queue.db"


@pytest.fixture
def store(
    request: pytest.FixtureRequest,
    db_path: Path,
    sample_config: ClinicConfig,
    clock: SteppingClock,
) -> Iterator[Store]:
    """An initialised sample clinic whose clock is the test's `clock`: in the SQLite file
    `db_path`, or on PostgreSQL too for a test marked `on_both_stores` (tests/pg.py)."""
    target = store_target(request, db_path.parent) if hasattr(request, "param") else db_path
    with clinic_at(target, sample_config, clock) as opened:
        yield opened


@pytest.fixture
def pg_store(
    own_pg_server: PgServer,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sample_config: ClinicConfig,
    clock: SteppingClock,
) -> Iterator[Store]:
    """The sample clinic on a PostgreSQL server of the test's own (`own_pg_server`)."""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with clinic_at(own_pg_server.fresh_database(), sample_config, clock) as opened:
        yield opened


@contextmanager
def clinic_at(target: Path | str, config: ClinicConfig, clock: SteppingClock) -> Iterator[Store]:
    """The clinic of `config` initialised at `target` (a file, or a PostgreSQL database's
    address) and opened on the test's `clock`, closed at the end."""
    initialise(target, config, ACTOR, now=clock()).close()
    with closing(Store.open(target, clock=clock)) as opened:
        yield opened
