"""A real display server in its own process and a real Chromium, for the browser tests.

The server is started exactly as an operator would (`python -m clinic_queue serve`), so a test
can kill it and start it again on the same port, as happens when a clinic server restarts.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from queue_core.events import Event
from queue_core.model import Ticket
from queue_core.store import Store
from tests.conftest import ROOT

SERVING = re.compile(r"Serving on (http://[^\s:/]+:(\d+))")
START_LIMIT_S = 30.0
WAIT_LIMIT_S = 30.0

# Headless Chromium as root, offline and quiet; audio may start without a user gesture.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]

# Observes what the page asks of the browser: every utterance handed to speechSynthesis, every
# screen wake lock and vibration pattern. The real browser APIs are still called.
RECORD_BROWSER_CALLS = """
(() => {
  window.__spoken = [];
  window.__vibrations = [];
  const synth = window.speechSynthesis;
  const speak = synth.speak.bind(synth);
  synth.speak = (utterance) => {
    window.__spoken.push({ text: utterance.text, lang: utterance.lang });
    return speak(utterance);
  };
  window.__wakeLocks = [];
  if (navigator.wakeLock) {
    const request = navigator.wakeLock.request.bind(navigator.wakeLock);
    navigator.wakeLock.request = (type) => {
      window.__wakeLocks.push(type);
      return request(type);
    };
  }
  const vibrate = navigator.vibrate ? navigator.vibrate.bind(navigator) : null;
  navigator.vibrate = (pattern) => {
    window.__vibrations.push(pattern);
    return vibrate ? vibrate(pattern) : true;
  };
})();
"""

# A speech engine that never reports the end of an utterance (some TV boxes have no voice).
# It counts an overlap whenever a new utterance comes while the last was neither finished nor
# cancelled: the page must wait for each one, then give up on it explicitly.
SPEECH_NEVER_ENDS = """
(() => {
  window.__speaking = false;
  window.__overlaps = 0;
  window.speechSynthesis.speak = (utterance) => {
    if (window.__speaking) { window.__overlaps += 1; }
    window.__speaking = true;
    window.__spoken.push({ text: utterance.text, lang: utterance.lang });
  };
  window.speechSynthesis.cancel = () => { window.__speaking = false; };
})();
"""


def chromium_executable() -> str:
    """Debian's chromium; in CI its absence is a failure, locally a skip with the reason."""
    path = shutil.which("chromium")
    if path is not None:
        return path
    reason = "chromium is not installed: run `make browser` (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


class ServerProcess:
    """`clinic-queue serve` as a child process; `url` is known once it printed its address."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.url = ""
        self.port = 0
        self.output: list[str] = []
        self._process: subprocess.Popen[str] | None = None

    def start(self, port: int = 0) -> None:
        command = [
            sys.executable,
            "-m",
            "clinic_queue",
            "--db",
            str(self.db),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._drain, args=(self._process, lines), daemon=True).start()
        deadline = time.monotonic() + START_LIMIT_S
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                if self._process.poll() is not None:
                    break
                continue
            found = SERVING.search(line)
            if found:
                self.url, self.port = found.group(1), int(found.group(2))
                return
        self.kill()
        raise RuntimeError("the server did not start:\n" + "".join(self.output))

    def _drain(self, process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
        """Keeps reading so the server never blocks on a full pipe; the text helps failures."""
        assert process.stdout is not None
        for line in process.stdout:
            self.output.append(line)
            lines.put(line)

    def kill(self) -> None:
        """A crash: no close frames, clients only see the connection drop."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def stop(self) -> None:
        """A clean shutdown (SIGTERM), falling back to a kill if it hangs."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def restart_on_same_port(self) -> None:
        port = self.port
        self.kill()
        self.start(port)


def wait_until(condition: Callable[[], bool], what: str, limit_s: float = WAIT_LIMIT_S) -> None:
    """Polls `condition` until it holds; a deadline only so a broken build does not hang."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.05)


def event_after(store: Store, seq: int, kind: str, ticket: str) -> Event:
    """The first `kind` event about `ticket` after `seq` (other writers may interleave)."""
    for event in store.events_since(seq):
        if event.type == kind and event.ticket == ticket:
            return event
    raise AssertionError(f"no {kind} event for {ticket} after seq {seq}")


class Served(Protocol):
    """A running display server: a process, or one on a thread of the test."""

    url: str


def open_tv(context: BrowserContext, server: Served, **params: str) -> Page:
    """A TV page that has its first snapshot on screen."""
    page = context.new_page()
    page.goto(f"{server.url}/display" + (f"?{urlencode(params)}" if params else ""))
    expect(page.locator("#connection")).to_have_attribute("data-status", "live")
    expect(page.locator("#desks .desk").first).to_be_visible()
    return page


def open_phone(context: BrowserContext, server: Served, ticket: Ticket) -> Page:
    """A patient's phone page showing its first `ticket` message."""
    page = context.new_page()
    page.goto(f"{server.url}/t/{ticket.token}")
    expect(page.locator("#number")).to_have_text(ticket.number)
    expect(page.locator("#connection")).to_have_attribute("data-status", "live")
    return page
