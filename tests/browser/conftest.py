"""Fixtures for the browser tests: a clinic on a real SQLite file, its server, and Chromium.

The store here runs on the real clock (unlike tests/conftest.py's `store`): the server process
reads "today" from the wall clock, so the tickets the test issues must belong to the same day.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ViewportSize, expect, sync_playwright

from queue_core.config import ClinicConfig, parse_config
from queue_core.registration import initialise
from queue_core.store import Store
from tests.browser.harness import (
    CHROMIUM_ARGS,
    RECORD_BROWSER_CALLS,
    ServerProcess,
    chromium_executable,
)
from tests.conftest import ACTOR, SAMPLE_CONFIG

# Pages react within milliseconds; the generous limit only keeps a slow shared machine green.
expect.set_options(timeout=20_000)

TV_VIEWPORT = ViewportSize(width=1280, height=720)
PHONE_VIEWPORT = ViewportSize(width=390, height=844)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One browser for this package only: Playwright's sync driver keeps an event loop running
    until it exits, which would break the asyncio tests collected after these."""
    executable = chromium_executable()
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


# Most TV tests watch the page's own speech (the path of a server without a voice engine):
# their clinic says so. tests/browser/test_tv_voice.py runs the server's engine.
NO_VOICE = '\n[voice]\nengine = "none"\n'


def sample_with(tail: str) -> ClinicConfig:
    return parse_config(SAMPLE_CONFIG.read_text(encoding="utf-8") + tail, str(SAMPLE_CONFIG))


@pytest.fixture
def clinic_db(tmp_path: Path) -> Path:
    path = tmp_path / "clinic-queue.db"
    initialise(path, sample_with(NO_VOICE), ACTOR).close()
    return path


@pytest.fixture
def live_store(clinic_db: Path) -> Iterator[Store]:
    """The desks' side: commands through the core on the server's database, real clock."""
    store = Store.open(clinic_db)
    yield store
    store.close()


@pytest.fixture
def server(clinic_db: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(clinic_db)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def tv_context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=TV_VIEWPORT, locale="zh-CN")
    context.add_init_script(RECORD_BROWSER_CALLS)
    yield context
    context.close()


@pytest.fixture
def phone_context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=PHONE_VIEWPORT,
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    context.add_init_script(RECORD_BROWSER_CALLS)
    yield context
    context.close()
