"""`clinic-queue serve --api-port` as a real process: it says where the HIS posts, and answers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from queue_core.store import Store
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_serve_with_an_api_port_prints_its_address_and_serves_it(
    store: Store, db_path: Path
) -> None:
    command = ["--db", str(db_path), "serve", "--port", "0", "--api-port", "0"]
    server = subprocess.Popen(
        [sys.executable, "-m", "clinic_queue", *command],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith("Serving on http://127.0.0.1:")
        server.stdout.readline()  # the voice line
        line = server.stdout.readline()
        assert line.startswith("HIS API on http://127.0.0.1:") and line.endswith("/api/v1\n")
        url = line.split(" on ")[1].strip()
        asked = urllib.request.Request(f"{url}/appointments", data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(asked, timeout=10)
        assert refused.value.code == 401
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)
