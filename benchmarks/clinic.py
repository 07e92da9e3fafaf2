"""A sample clinic on a fresh database file with a line already waiting, for every benchmark
and every scenario they share with the tests."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from benchmarks.report import ROOT
from queue_core.config import ClinicConfig, load_config
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Clock, Store

SAMPLE_CONFIG = ROOT / "sample_data" / "clinic.toml"
APPOINTMENTS = ROOT / "sample_data" / "appointments.csv"
ACTOR = "bench"
# The clinic's hour a benchmark with an in-process server runs at, whatever the hour of the run:
# inside the sample clinic's morning session (08:00-12:00), so the estimates are not carried
# over a lunch break or past the day's last session because of when the figures were taken.
CLINIC_HOUR = clock_time(10, 0)


def clinic_clock(config: ClinicConfig) -> Clock:
    """Today's CLINIC_HOUR in the clinic's zone, moving on at the pace of the wall clock."""
    start = datetime.combine(datetime.now(config.tz).date(), CLINIC_HOUR, config.tz)
    origin = time.monotonic()
    return lambda: (start + timedelta(seconds=time.monotonic() - origin)).astimezone(UTC)


def fresh_clinic(path: Path | str) -> Path | str:
    """Initialise the sample clinic at `path` (a real file on disk, WAL, synchronous=FULL), or
    in the PostgreSQL database at that address."""
    initialise(path, load_config(SAMPLE_CONFIG), ACTOR).close()
    return path


def fill(store: Store, queue: str, count: int, elderly_every: int = 20) -> None:
    """Issue `count` walk-ins, every `elderly_every`-th one elderly, as a busy morning has."""
    for i in range(count):
        priority = "elderly" if elderly_every and i % elderly_every == elderly_every - 1 else None
        issue_ticket(store, queue, ACTOR, name=f"患者{i:05d}", priority=priority)
