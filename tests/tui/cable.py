"""A real TCP hop between a console and its server that a test can make deaf or cut: the
network of a desk PC whose answers are lost, without touching either end's code."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future

WAIT_S = 10.0  # how long starting may take before the test fails (not a timing check)


class Cable:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self.deaf = False  # while set, what the server sends never reaches the console
        self._loop = asyncio.new_event_loop()
        self._writers: set[asyncio.StreamWriter] = set()
        ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        ready.result(WAIT_S)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut(self) -> None:
        """Every connection through the cable breaks at once; new ones are let through."""
        self._loop.call_soon_threadsafe(self._cut)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(WAIT_S)

    def _cut(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    def _run(self, ready: Future[None]) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._join, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set_result(None)
        self._loop.run_forever()

    async def _join(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            self._pump(reader, up_writer, lambda: False),
            self._pump(up_reader, writer, lambda: self.deaf),
            return_exceptions=True,
        )
        for end in (writer, up_writer):
            self._writers.discard(end)
            end.transport.abort()

    @staticmethod
    async def _pump(
        source: asyncio.StreamReader, sink: asyncio.StreamWriter, deaf: Callable[[], bool]
    ) -> None:
        with contextlib.suppress(OSError):
            while chunk := await source.read(65536):
                if not deaf():
                    sink.write(chunk)
                    await sink.drain()
        sink.transport.abort()
