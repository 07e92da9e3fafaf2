"""`make demo` in a terminal: what it prints for phones on the clinic's network to get in."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import segno

from clinic_queue.lan import lan_address
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
WAIT_S = 60.0
PROMPT = "Press Enter to open the desk console"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Terminal:
    """The demo on a pseudo-terminal, as a user at a shell runs it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.master, child = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "clinic_queue.demo"],
            cwd=ROOT,
            env=env,
            stdin=child,
            stdout=child,
            stderr=child,
        )
        os.close(child)
        self.text = ""

    def read_until(self, marker: str) -> str:
        deadline = time.monotonic() + WAIT_S
        while marker not in self.text:
            assert time.monotonic() < deadline, f"no {marker!r} in:\n{self.text}"
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the child closed the terminal
                    break
                self.text += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        return self.text

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


@pytest.fixture
def demo_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_QUEUE_")}
    env.update(
        CLINIC_QUEUE_DB=str(tmp_path / "demo.db"),
        CLINIC_QUEUE_PORT=str(_free_port()),
        TERM="xterm-256color",
        PYTHONUNBUFFERED="1",
    )
    return env


def _qr(link: str) -> str:
    out = io.StringIO()
    segno.make(link, error="m").terminal(out=out, compact=True)
    return out.getvalue()


def test_on_every_interface_the_qr_code_holds_the_lan_address_and_consoles_are_named(
    demo_env: dict[str, str], tmp_path: Path
) -> None:
    demo_env["CLINIC_QUEUE_HOST"] = "0.0.0.0"
    port = demo_env["CLINIC_QUEUE_PORT"]
    terminal = Terminal(demo_env)
    try:
        shown = terminal.read_until(PROMPT)
        found = re.search(r"Phone page of (\w+): +(\S+)", shown)
        assert found is not None, shown
        link = found.group(2)
        lan = lan_address()
        if lan is None:
            assert link.startswith(f"http://0.0.0.0:{port}/t/")
            assert "PUBLIC_URL=http://ADDRESS:8765" in shown
        else:
            assert link.startswith(f"http://{lan}:{port}/t/")
            assert "127.0.0.1" not in shown and "0.0.0.0" not in shown
        assert _qr(link) in shown  # the QR code the phone scans holds that very link
        token = link.rsplit("/", 1)[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/t/{token}", timeout=10) as page:
            assert page.status == 200  # served on every interface, this machine's included

        db = tmp_path / "demo.db"
        triage = next(line for line in shown.splitlines() if "triage desk (分诊台)" in line)
        program = str(Path(sys.executable).with_name("clinic-queue"))
        base = link.rsplit("/t/", 1)[0]
        assert triage.split(":", 1)[1].strip() == (
            f"CLINIC_QUEUE_PUBLIC_URL={base} {program} --db {db} triage"
        )
        desk = next(line for line in shown.splitlines() if "desk nk2" in line)
        command = desk.split(":", 1)[1].split()
        assert command == [program, "--db", str(db), "desk", "nk2"]
        # The same command line opens the demo's own database: its log has the patient. (Not
        # the board: how far down the line the demo's patient stands depends on the hour, and
        # `status` shows the first places only.)
        events = subprocess.run(
            [*command[:3], "events"], capture_output=True, text=True, timeout=60, check=True
        )
        assert f"ticket={found.group(1)} " in events.stdout

        os.write(terminal.master, b"\x04")  # Ctrl-D at the prompt: leave without the desk
        assert "Display server stopped." in terminal.read_until("Display server stopped.")
        assert terminal.process.wait(timeout=30) == 0
    finally:
        terminal.close()


def test_on_this_machine_only_the_demo_says_how_to_serve_phones(
    demo_env: dict[str, str],
) -> None:
    terminal = Terminal(demo_env)
    try:
        shown = terminal.read_until(PROMPT)
        assert f"http://127.0.0.1:{demo_env['CLINIC_QUEUE_PORT']}/t/" in shown
        assert "`make demo HOST=0.0.0.0` serves the clinic's network" in shown
        os.write(terminal.master, b"\x04")
        assert terminal.process.wait(timeout=30) == 0
    finally:
        terminal.close()


def test_a_named_public_address_goes_into_the_qr_code(demo_env: dict[str, str]) -> None:
    demo_env["CLINIC_QUEUE_PUBLIC_URL"] = "http://queue.clinic.example:8765/"
    terminal = Terminal(demo_env)
    try:
        shown = terminal.read_until(PROMPT)
        found = re.search(r"Phone page of \w+: +(\S+)", shown)
        assert found is not None
        assert found.group(1).startswith("http://queue.clinic.example:8765/t/")
        assert _qr(found.group(1)) in shown
        os.write(terminal.master, b"\x04")
        assert terminal.process.wait(timeout=30) == 0
    finally:
        terminal.close()
