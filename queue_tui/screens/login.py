"""Who is at this PC: shown before the desk or triage screen when the queue is on a server.
The password goes to the server once; the session token it answers stays in memory only."""

from __future__ import annotations

import platform
from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Input, Label, Static
from textual.worker import get_current_worker

from queue_core.console_view import Json
from queue_core.text import printable
from queue_tui.i18n import DEFAULT_LANG, Lang, t
from queue_tui.messages import LoggedIn, LoginFailed
from queue_tui.remote import RemoteBackend
from queue_tui.staff_link import LinkState, StaffLink


class LoginScreen(Screen[None]):
    CSS_PATH = "login.tcss"

    lang: reactive[Lang] = reactive(DEFAULT_LANG)

    def __init__(
        self,
        server: str,
        watch: Json,
        print_dir: Path,
        open_console: Callable[[RemoteBackend], Screen[None]],
    ) -> None:
        super().__init__()
        self.server, self.watch_frame, self.print_dir = server, watch, print_dir
        self.open_console = open_console

    def compose(self) -> ComposeResult:
        with Vertical(id="login"):
            yield Label(id="login-title")
            yield Label(id="user-label")
            yield Input(id="user", compact=True)
            yield Label(id="password-label")
            yield Input(id="password", password=True, compact=True)
            yield Static(id="login-status")

    def on_mount(self) -> None:
        self._show_labels()
        self.query_one("#user", Input).focus()

    def watch_lang(self) -> None:
        if self.is_mounted:
            self._show_labels()

    def _show_labels(self) -> None:
        lang = self.lang
        self.query_one("#login-title", Label).update(t(lang, "login.title", server=self.server))
        self.query_one("#user-label", Label).update(t(lang, "login.user"))
        self.query_one("#password-label", Label).update(t(lang, "login.password"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "user":
            self.query_one("#password", Input).focus()
            return
        user = self.query_one("#user", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not user or not password:
            return
        self.query_one("#password", Input).value = ""
        self.query_one("#login-status", Static).update(t(self.lang, "login.connecting"))
        self._log_in(user, password)

    @work(thread=True, exclusive=True, group="login")
    def _log_in(self, user: str, password: str) -> None:
        """The first connection decides: a view means in, a drop or a refusal says why."""
        worker = get_current_worker()
        link = StaffLink(user, password, self.watch_frame, device=platform.node())
        backend = RemoteBackend(self.server, link, self.print_dir)
        backend.start()
        with backend.changed:
            while link.view is None and link.state in (LinkState.CONNECTING,):
                if worker.is_cancelled:
                    break
                backend.changed.wait(0.1)
        if link.view is None:
            why = link.why or link.state.value
            backend.stop()
            self.post_message(LoginFailed(why))
            return
        self.post_message(LoggedIn(backend))

    def on_login_failed(self, message: LoginFailed) -> None:
        status = self.query_one("#login-status", Static)
        status.update(printable(t(self.lang, "login.failed", why=message.why)))

    def on_logged_in(self, message: LoggedIn) -> None:
        self.app.switch_screen(self.open_console(message.backend))
