"""A sample clinic with webhooks: its writes fill the outbox."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from queue_core.config import ClinicConfig, parse_config
from queue_core.registration import initialise
from queue_core.store import Store
from tests.conftest import ACTOR, SAMPLE_CONFIG, SteppingClock

SECRET = "test-secret-of-the-sms-platform"


def notify_config(url: str = "http://127.0.0.1:9/hook", extra: str = "", hook: str = "") -> str:
    """The sample clinic's file with a [notify] table naming one webhook at `url`."""
    return SAMPLE_CONFIG.read_text(encoding="utf-8") + (
        f'\n[notify]\n{extra}\n[[notify.webhook]]\nname = "sms"\nurl = "{url}"\n'
        f'secret = "{SECRET}"\n{hook}\n'
    )


def open_clinic(path: Path | str, text: str, clock: SteppingClock) -> Store:
    config: ClinicConfig = parse_config(text, "test")
    initialise(path, config, ACTOR, now=clock()).close()
    return Store.open(path, clock=clock)


class RunningClock(SteppingClock):
    """The clinic's time runs on from the test's morning as the wall clock does (retries fall
    due), and still jumps when a test advances it."""

    def __init__(self) -> None:
        super().__init__()
        self.started = time.monotonic()

    def __call__(self) -> datetime:
        return self.now + timedelta(seconds=time.monotonic() - self.started)


@pytest.fixture
def running_clock() -> RunningClock:
    return RunningClock()


@pytest.fixture
def notify_store(db_path: Path, clock: SteppingClock) -> Iterator[Store]:
    store = open_clinic(db_path, notify_config(), clock)
    yield store
    store.close()
