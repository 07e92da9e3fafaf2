"""The core loads no UI or server code, so plain CLI commands start fast and stay headless."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from queue_core.config import ClinicConfig
from queue_core.registration import initialise
from tests.conftest import ACTOR, ROOT

# Each test starts an interpreter (or lint-imports) of its own.
pytestmark = pytest.mark.slow

FORBIDDEN = ("textual", "websockets", "rich")
IMPORT_EVERY_CORE_MODULE = """
import importlib, json, pkgutil, sys
import queue_core
names = [m.name for m in pkgutil.iter_modules(queue_core.__path__, "queue_core.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"core": names, "loaded": sorted(sys.modules)}))
"""


def test_importing_every_core_module_loads_no_ui_or_server_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_CORE_MODULE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout)
    assert {"queue_core.commands", "queue_core.store", "queue_core.board"} <= set(report["core"])
    loaded = report["loaded"]
    assert set(report["core"]) <= set(loaded)
    for library in FORBIDDEN:
        assert not [m for m in loaded if m == library or m.startswith(f"{library}.")], library


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_cli_status_imports_neither_textual_nor_websockets(
    tmp_path: Path, sample_config: ClinicConfig
) -> None:
    db = tmp_path / "status.db"
    initialise(db, sample_config, ACTOR).close()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "clinic_queue", "--db", str(db), "status"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert "queue_core.store" in imported and "clinic_queue.cli" in imported
    for library in ("textual", "websockets"):
        assert not [m for m in imported if m == library or m.startswith(f"{library}.")], library
