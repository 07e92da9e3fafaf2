"""A sample clinic on a fresh database file with a line already waiting, for every benchmark
and every scenario they share with the tests."""

from __future__ import annotations

from pathlib import Path

from benchmarks.report import ROOT
from queue_core.config import load_config
from queue_core.registration import initialise, issue_ticket
from queue_core.store import Store

SAMPLE_CONFIG = ROOT / "sample_data" / "clinic.toml"
APPOINTMENTS = ROOT / "sample_data" / "appointments.csv"
ACTOR = "bench"


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
