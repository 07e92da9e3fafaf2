"""display_server/ws_private.py holds every use of websockets' non-public API, and it holds
with the first and the newest release of every series that pyproject.toml's pin allows.

Each release gets a throwaway venv, built here from the package index pip is set up to use,
in which tests/server/ws_private_check.py runs a real server and real clients on port 0; the
project's own venv runs the same checks on the release it has.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tomllib
import venv
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from tests.conftest import ROOT

CHECK = ROOT / "tests" / "server" / "ws_private_check.py"
PACKAGE = ROOT / "display_server"
SEAM = PACKAGE / "ws_private.py"
# Attributes and methods of websockets' connections and servers outside its public API: only
# the seam may name them (its docstring says which it uses, and why).
PRIVATE = frozenset(
    {
        "all_connections",
        "close_deadline",
        "connection_lost_waiter",
        "fragmented_send_waiter",
        "handler_tasks",
        "keepalive",
        "keepalive_task",
        "pending_pings",
        "ping_interval",
        "ping_timeout",
        "protocol",
        "recv_messages",
        "send_context",
        "send_data",
        "send_in_progress",
        "start_keepalive",
        "transport",
    }
)
INSTALL_S = 600.0  # creating a venv and installing one wheel; only a hung index gets near it
CHECK_S = 600.0  # the checks take seconds; each has its own limit inside the script too


def websockets_pin() -> SpecifierSet:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for line in project["dependencies"]:
        requirement = Requirement(line)
        if requirement.name == "websockets":
            return requirement.specifier
    raise AssertionError("pyproject.toml does not depend on websockets")


def releases_to_test(pin: SpecifierSet) -> list[str]:
    """For each major series the pin allows: its first allowed release, and its newest (what
    pip picks from the index for `>=first,<next major`)."""
    lower = [Version(s.version) for s in pin if s.operator == ">="]
    upper = [Version(s.version) for s in pin if s.operator == "<"]
    assert len(lower) == 1 and len(upper) == 1 and len(pin) == 2, f"pin {pin} is not >=A,<B"
    assert upper[0].release[1:] in ((), (0,)), f"pin {pin} does not end at a whole series"
    requirements = []
    for major in range(lower[0].major, upper[0].major):
        first = lower[0] if major == lower[0].major else Version(f"{major}.0")
        requirements += [f"websockets=={first}", f"websockets>={first},<{major + 1}"]
    return requirements


def run_check(python: Path, cwd: Path) -> dict[str, Any]:
    """The check script under `python`, which finds display_server through PYTHONPATH alone."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run(
        [str(python), str(CHECK)],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=CHECK_S,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-6000:]
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.fixture(scope="session")
def python_with(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """The interpreter of a new venv that has only `requirement` installed (one per requirement
    for the session). The venv gets no pip of its own: this one installs into it (`--python`)."""
    made: dict[str, Path] = {}

    def python_for(requirement: str) -> Path:
        if requirement not in made:
            home = tmp_path_factory.mktemp("websockets-release")
            builder = venv.EnvBuilder(with_pip=False)
            builder.create(home)
            python = Path(builder.ensure_directories(home).env_exe)
            install = [sys.executable, "-m", "pip", "--python", str(python), "install"]
            done = subprocess.run(
                [*install, "--quiet", requirement],
                capture_output=True,
                text=True,
                timeout=INSTALL_S,
            )
            assert done.returncode == 0, done.stderr[-6000:]
            made[requirement] = python
        return made[requirement]

    return python_for


def test_only_the_seam_names_websockets_internals() -> None:
    """Everything else in display_server uses websockets' public API and the seam."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == SEAM:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in PRIVATE:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in PRIVATE:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} def {node.name}")
    assert found == []


def test_the_pin_is_tested_from_its_first_release_to_the_newest_of_each_series() -> None:
    assert releases_to_test(SpecifierSet(">=17.1,<18")) == [
        "websockets==17.1",
        "websockets>=17.1,<18",
    ]
    assert releases_to_test(SpecifierSet(">=16.1,<18")) == [
        "websockets==16.1",
        "websockets>=16.1,<17",
        "websockets==17.0",
        "websockets>=17.0,<18",
    ]


@pytest.mark.slow
def test_the_seam_holds_with_the_installed_release(tmp_path: Path) -> None:
    result = run_check(Path(sys.executable), tmp_path)
    assert result["websockets"] == version("websockets")


@pytest.mark.slow
@pytest.mark.parametrize("requirement", releases_to_test(websockets_pin()))
def test_the_seam_holds_with_each_supported_release(
    requirement: str, python_with: Callable[[str], Path], tmp_path: Path
) -> None:
    result = run_check(python_with(requirement), tmp_path)
    installed = result["websockets"]
    assert Requirement(requirement).specifier.contains(installed), installed
    assert websockets_pin().contains(installed), installed
