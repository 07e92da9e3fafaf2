"""The console app: one factory used by `clinic-queue desk|triage` and by the tests alike."""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from textual.app import App
from textual.reactive import reactive

from queue_core.address import PublicAddress
from queue_core.errors import DeskNotFound
from queue_core.insight.reader import Days
from queue_core.store import Store
from queue_tui.backend import Backend, LocalBackend
from queue_tui.i18n import DEFAULT_LANG, Lang, other
from queue_tui.remote import RemoteBackend
from queue_tui.screens.console import Clock, ConsoleScreen
from queue_tui.screens.desk import DeskScreen
from queue_tui.screens.login import LoginScreen
from queue_tui.screens.report import ReportScreen
from queue_tui.screens.triage import TriageScreen

# Every refresh makes thousands of short-lived objects (rows, styled text, segments). At the
# default threshold (700) they were promoted, and full collections walking the console's whole
# heap held up a desk's refresh (docs/benchmarks.md, why these settings).
GC_YOUNG = 20_000


def tune_collector() -> None:
    """For a console's process: short-lived objects die in young collections."""
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])


class ClinicQueueApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "clinic-queue"

    lang: reactive[Lang] = reactive(DEFAULT_LANG)

    def __init__(self, home: ConsoleScreen | LoginScreen, lang: Lang = DEFAULT_LANG) -> None:
        super().__init__()
        self.home = home
        self.set_reactive(ClinicQueueApp.lang, lang)
        home.set_reactive(type(home).lang, lang)

    def on_mount(self) -> None:
        # Pushed rather than returned from get_default_screen, which skips a screen's CSS_PATH.
        self.push_screen(self.home)

    def watch_lang(self, lang: Lang) -> None:
        self.home.lang = lang

    def action_switch_language(self) -> None:
        self.lang = other(self.lang)


def desk_console(
    backend: Backend, desk_id: str, clock: Clock, lang: Lang = DEFAULT_LANG
) -> ClinicQueueApp:
    """A desk's console over any backend: the same screen wherever the queue lives."""
    if backend.config.desk(desk_id) is None:
        raise DeskNotFound(desk_id)
    return ClinicQueueApp(DeskScreen(backend, desk_id, clock), lang)


def triage_console(backend: Backend, clock: Clock, lang: Lang = DEFAULT_LANG) -> ClinicQueueApp:
    return ClinicQueueApp(TriageScreen(backend, clock), lang)


def desk_app(
    store: Store, desk_id: str, actor: str, clock: Clock | None = None, lang: Lang = DEFAULT_LANG
) -> ClinicQueueApp:
    """`clock` defaults to the store's, so a test's stepping clock also freezes the header."""
    return desk_console(LocalBackend(store, actor), desk_id, clock or store.now, lang)


def triage_app(
    store: Store,
    actor: str,
    clock: Clock | None = None,
    lang: Lang = DEFAULT_LANG,
    address: PublicAddress | None = None,
    print_dir: Path | None = None,
) -> ClinicQueueApp:
    """`address` defaults to the clinic's public address (queue_core/address.py)."""
    backend = LocalBackend(store, actor, address, print_dir)
    return triage_console(backend, clock or store.now, lang)


def remote_app(
    server: str,
    watch: dict[str, str],
    console: Callable[[RemoteBackend], ConsoleScreen],
    print_dir: Path,
    lang: Lang = DEFAULT_LANG,
) -> ClinicQueueApp:
    """A console on another PC: the login screen, then `console` over the server's backend."""

    def opened(backend: RemoteBackend) -> ConsoleScreen:
        screen = console(backend)
        screen.set_reactive(ConsoleScreen.lang, app.lang)
        app.home = screen
        return screen

    app = ClinicQueueApp(LoginScreen(server, dict(watch), print_dir, opened), lang)
    return app


def run_remote_desk(server: str, desk_id: str, print_dir: Path) -> None:
    tune_collector()
    watch = {"type": "watch", "view": "desk", "desk": desk_id}
    remote_app(
        server, watch, lambda backend: DeskScreen(backend, desk_id, _utc_now), print_dir
    ).run()


def run_remote_triage(server: str, print_dir: Path) -> None:
    tune_collector()
    watch = {"type": "watch", "view": "triage"}
    remote_app(server, watch, lambda backend: TriageScreen(backend, _utc_now), print_dir).run()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def run_desk(store: Store, desk_id: str, actor: str) -> None:
    tune_collector()
    desk_app(store, desk_id, actor).run()


def run_triage(store: Store, actor: str, address: PublicAddress | None = None) -> None:
    tune_collector()
    triage_app(store, actor, address=address).run()


class ReportApp(App[None]):
    """The report screen on its own: `clinic-queue report --tui`."""

    TITLE = "clinic-queue report"

    def __init__(self, screen: ReportScreen) -> None:
        super().__init__()
        self.report_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.report_screen)


def report_app(
    store: Store, days: Days, queue: str | None = None, desk: str | None = None
) -> ReportApp:
    return ReportApp(ReportScreen(store, days, queue, desk))


def run_report(store: Store, days: Days, queue: str | None = None, desk: str | None = None) -> None:
    report_app(store, days, queue, desk).run()
