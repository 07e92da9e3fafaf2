"""The login screen of a console on another PC, before any server answers it."""

from __future__ import annotations

import socket
from pathlib import Path

from textual.widgets import Input

from queue_tui.app import remote_app
from queue_tui.screens.console import ConsoleScreen
from queue_tui.screens.login import LoginScreen
from tests.tui.conftest import screen_text, until


def _nobody_listens() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _never_opened(_: object) -> ConsoleScreen:
    raise AssertionError("no console opens without a session")


async def test_a_login_with_no_server_says_why_and_keeps_the_screen(tmp_path: Path) -> None:
    server = _nobody_listens()
    app = remote_app(server, {"type": "watch", "view": "triage"}, _never_opened, tmp_path, "en")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
        assert f"Log in to the queue server {server}" in screen_text(pilot)
        await pilot.press(*"wang", "enter", *"secret", "enter")
        await until(pilot, lambda: "Could not log in" in screen_text(pilot), "the refusal")
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one("#password", Input).value == ""
        assert "secret" not in screen_text(pilot)
