"""The benchmark clients reconnect exactly as the pages do, or restart figures would lie."""

from __future__ import annotations

import re

from benchmarks import server_fleet
from tests.conftest import ROOT


def test_fleet_backoff_mirrors_the_pages() -> None:
    script = (ROOT / "display_server" / "static" / "common.js").read_text("utf-8")
    constants = {
        name: float(value) for name, value in re.findall(r"var (BACKOFF_\w+) = ([\d.]+);", script)
    }
    assert constants == {
        "BACKOFF_FIRST_MS": server_fleet.BACKOFF_FIRST_S * 1000,
        "BACKOFF_GROWTH": server_fleet.BACKOFF_GROWTH,
        "BACKOFF_MAX_MS": server_fleet.BACKOFF_MAX_S * 1000,
    }
    assert "BACKOFF_FIRST_MS * Math.pow(BACKOFF_GROWTH, attempt)" in script
