"""Several display-server processes on one port: the cores of the machine share the phones.

A message to each of 5,000 phones is 5,000 sends, and one Python process makes them on one
core (~50 us each on a 2-core PC, most of it in the kernel). With `serve --workers N`, N
processes listen on the same port (SO_REUSEPORT: the kernel spreads new connections evenly);
each tails the log and keeps its own line and replay journal, so any worker can resume any
client. This parent only starts them, restarts one that dies, and passes SIGTERM on.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import socket
import sys
import time
from pathlib import Path
from types import FrameType

from display_server.server import run
from queue_core.store import Store

READY_LIMIT_S = 60.0  # a worker that is not listening by then is reported and the start fails
PR_SET_PDEATHSIG = 1  # linux/prctl.h
RESTART_PAUSE_S = 1.0  # between a worker's death and its replacement, so a crash cannot spin


class WorkersFailed(Exception):
    """A worker could not start; the parent stops the others and exits non-zero."""


def serve_workers(db: Path, host: str, port: int, workers: int) -> None:
    """Start `workers` server processes on (host, port) and wait for them; SIGTERM stops all."""
    holder = _hold_port(host, port)  # port 0: pick one now, so every worker gets the same
    port = holder.getsockname()[1]
    ready_read, ready_write = os.pipe()
    children: dict[int, int] = {}  # pid -> worker index
    for index in range(workers):
        children[_fork_worker(db, host, port, ready_write, (ready_read, holder))] = index
    stopping = False

    def forward(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            _signal(pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        _await_ready(ready_read, workers, children)
    except WorkersFailed:
        forward(signal.SIGTERM, None)
        _reap(children)
        raise
    shown = f"[{host}]" if ":" in host else host
    print(f"Serving on http://{shown}:{port} ({workers} workers)", flush=True)
    while children:
        pid, status = os.wait()
        index = children.pop(pid, -1)
        if index < 0 or stopping:
            continue
        print(f"Worker {index} stopped ({_describe(status)}); starting it again", flush=True)
        time.sleep(RESTART_PAUSE_S)
        if not stopping:
            children[_fork_worker(db, host, port, ready_write, (ready_read, holder))] = index
    holder.close()


def _hold_port(host: str, port: int) -> socket.socket:
    """A bound, never listening socket in the port's reuse group: it takes no connection."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    holder = socket.socket(family, socket.SOCK_STREAM)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    holder.bind((host, port))
    return holder


def _fork_worker(
    db: Path, host: str, port: int, ready: int, parents: tuple[int, socket.socket]
) -> int:
    sys.stdout.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _stop_with_parent()
        os.close(parents[0])
        parents[1].close()
        store = Store.open(db)  # a connection of its own: none is shared across fork()
        run(store, host, port, worker=lambda: _tell_ready(ready))
        code = 0
    except BaseException as exc:  # the child must never return into the parent's code
        print(f"Worker failed: {exc}", file=sys.stderr, flush=True)
    finally:
        os._exit(code)


def _stop_with_parent() -> None:
    """SIGTERM this worker when the parent dies, even by SIGKILL: an orphan would keep serving
    from the port beside the next server's workers (Linux prctl PR_SET_PDEATHSIG)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() == 1:  # the parent died before the call: nobody would signal us
        os._exit(0)


def _tell_ready(ready: int) -> None:
    os.write(ready, b".")


def _await_ready(ready: int, workers: int, children: dict[int, int]) -> None:
    deadline = time.monotonic() + READY_LIMIT_S
    count = 0
    while count < workers:
        if time.monotonic() > deadline:
            raise WorkersFailed(f"{workers - count} of {workers} workers did not start")
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid:
            children.pop(pid, None)
            raise WorkersFailed(f"a worker exited while starting ({_describe(status)})")
        readable, _, _ = select.select([ready], [], [], 0.1)
        if readable:
            count += len(os.read(ready, workers))


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _reap(children: dict[int, int]) -> None:
    for pid in list(children):
        os.waitpid(pid, 0)
        children.pop(pid, None)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
