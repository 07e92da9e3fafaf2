"""The display server as a process: its file limit and collector settings, serving until
SIGTERM or SIGINT, and a restart's quick exit. `server.serve` is the server itself."""

from __future__ import annotations

import asyncio
import gc
import os
import resource
import signal
import ssl
import time
from collections.abc import Callable

from display_server.server import going_away, serve
from display_server.ws_private import lost_waiter, transport
from queue_core.store import Store

# Every change re-orders a queue: thousands of objects that replace the previous order at once.
# At the default threshold (700) they were promoted, and full collections walked every
# connection's objects while every feed waited (docs/benchmarks.md, why these settings).
# Short-lived objects should die between two young collections, not be counted into old ones.
GC_YOUNG = 50_000
# Objects that lived this long (connections, the day's line) are frozen out of the cyclic
# collector's sight: a collection that walks thousands of phones' connections stalls every
# feed. They are still freed by reference counting when they go; a closed connection is
# (tests/server/test_gc_freeze.py holds that). Cyclic garbage frozen by chance is never freed,
# so this is not done more often than it pays.
FREEZE_EVERY_S = 10.0
# ...and sooner when this many connections opened since: thousands of phones connecting at
# once (after a restart) would otherwise all be walked by the next full collection.
FREEZE_AFTER_JOINS = 200
FREEZE_LOOK_S = 0.5
GOODBYE_S = 0.5  # on SIGTERM, how long a queued close frame may take before the process exits


def run(
    store: Store,
    host: str = "127.0.0.1",
    port: int = 8765,
    tls: ssl.SSLContext | None = None,
    api_port: int | None = None,
) -> None:
    """Serve until SIGTERM or SIGINT; prints the real address first (port 0 picks one)."""
    raise_file_limit()
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])
    asyncio.run(_run_until_signal(store, host, port, tls, api_port))


async def freeze_long_lived(
    connections: Callable[[], int],
    every_s: float = FREEZE_EVERY_S,
    joins: int = FREEZE_AFTER_JOINS,
    look_s: float = FREEZE_LOOK_S,
) -> None:
    """Move the objects that are still alive out of the cyclic collector's generations
    (gc.freeze), so later collections walk only what was made since: every `every_s`, and as
    soon as `joins` more connections are open than at the fewest since the last freeze."""
    frozen_at, fewest = time.monotonic(), connections()
    while True:
        await asyncio.sleep(look_s)
        count = connections()
        fewest = min(fewest, count)
        if count - fewest >= joins or time.monotonic() - frozen_at >= every_s:
            gc.freeze()
            frozen_at, fewest = time.monotonic(), count


def raise_file_limit() -> None:
    """Every screen and phone holds a descriptor; a login shell's soft limit is often 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 65_536)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def _run_until_signal(
    store: Store, host: str, port: int, tls: ssl.SSLContext | None, api_port: int | None
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handlers: list[tuple[int, Callable[[], None]]] = [
        (signal.SIGTERM, stop.set),
        (signal.SIGINT, stop.set),
    ]
    for signum, callback in handlers:
        loop.add_signal_handler(signum, callback)
    async with serve(store, host, port, tls=tls, api_port=api_port) as app:
        print(f"Serving on {app.url}", flush=True)  # the first line: callers wait for it
        print(app.voice_line, flush=True)
        if app.api_url is not None:
            print(f"HIS API on {app.api_url}/api/v1", flush=True)
        hub = app.hub
        freezer = asyncio.create_task(
            freeze_long_lived(lambda: hub.display_count + hub.phone_count)
        )
        await stop.wait()
        freezer.cancel()
        print("Stopping: closing every connection (1001)", flush=True)
        assert app.server is not None
        closed = going_away(app.server)
        # A close frame still queued behind unread data may take a moment (a stalled phone
        # will never take it: it reconnects after its ping timeout like any dropped client).
        queued = [lost_waiter(c) for c in closed if transport(c).get_write_buffer_size()]
        if queued:
            await asyncio.wait(queued, timeout=GOODBYE_S)
        app.close()
        # Every other close frame is in the kernel, which delivers it even if the socket is
        # reset after it. Finishing thousands of handler tasks and freeing their objects would
        # keep the next process waiting for the port: exit now.
        os._exit(0)
