"""A real display server for console tests: its own event loop on a thread of the test's
process, over the test's database file, stopped and started again on the same port when a
test cuts the network under a console."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future

from display_server.server import DisplayServer, serve
from queue_core.store import Store

WAIT_S = 10.0  # how long starting or stopping may take before the test fails (not a timing check)


class ServedThread:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.port = 0
        self.app: DisplayServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Serve until stop(); the first start picks a free port, the later ones reuse it."""
        ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        ready.result(WAIT_S)

    def stop(self) -> None:
        """Every console's socket is closed and the port refuses new ones until start()."""
        loop, stop, thread = self._loop, self._stop, self._thread
        assert loop is not None and stop is not None and thread is not None
        loop.call_soon_threadsafe(stop.set)
        thread.join(WAIT_S)
        assert not thread.is_alive(), "the server did not stop"
        self.app = None

    def _run(self, ready: Future[None]) -> None:
        try:
            asyncio.run(self._serve(ready))
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            raise

    async def _serve(self, ready: Future[None]) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        async with serve(self.store, "127.0.0.1", self.port) as app:
            self.app, self.port = app, app.port
            ready.set_result(None)
            await self._stop.wait()
