"""`clinic-queue serve --workers 2`: real processes sharing one port, each feeding its clients."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from queue_core import commands
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, ROOT
from tests.server.conftest import WAIT_S, Feed

CLIENTS = 16  # enough that the kernel gives both workers some (each lands on one at random)


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running, or stopped; not gone and not a zombie waiting for whoever adopted it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def tcp_sockets(pid: int, state: str) -> int:
    """How many TCP sockets of the process are in `state` ("0A" listen, "01" established)."""
    inodes = set()
    for fd in (Path("/proc") / str(pid) / "fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    listening = 0
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            listening += fields[3] == state and fields[9] in inodes
    return listening


class Workers:
    def __init__(self, process: asyncio.subprocess.Process, base: str) -> None:
        self.process = process
        self.base = base

    async def line(self) -> str:
        assert self.process.stdout is not None
        return (await asyncio.wait_for(self.process.stdout.readline(), WAIT_S)).decode()

    async def feeds(self, paths: list[str]) -> list[Feed]:
        return [Feed(await connect(f"{self.base}{path}")) for path in paths]


@pytest.fixture
def live(store: Store, db_path: Path) -> Iterator[Store]:
    """The desks' side on the wall clock: the server processes read "today" from it too."""
    opened = Store.open(db_path)
    yield opened
    opened.close()


@pytest.fixture
async def workers(live: Store, db_path: Path) -> AsyncIterator[Workers]:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "clinic_queue", "--db", str(db_path), "serve"),
        *("--host", "127.0.0.1", "--port", "0", "--workers", "2"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), WAIT_S)).decode()
        assert line.startswith("Serving on http://127.0.0.1:") and line.endswith("(2 workers)\n")
        yield Workers(process, line.split()[2].replace("http://", "ws://"))
    finally:
        if process.returncode is None:
            for child in children_of(process.pid):  # they hold the output pipe open
                os.kill(child, signal.SIGKILL)
            process.kill()
            await process.wait()


async def test_two_workers_listen_and_every_client_hears_each_call(
    workers: Workers, live: Store
) -> None:
    tickets = [issue_ticket(live, "nk-pt", ACTOR, name=f"患者{i:02d}") for i in range(CLIENTS)]
    pids = children_of(workers.process.pid)
    assert len(pids) == 2 and all(tcp_sockets(pid, "0A") == 1 for pid in pids)
    displays = await workers.feeds(["/ws/display?since="] * CLIENTS)
    phones = await workers.feeds([f"/ws/ticket/{t.token}?since=" for t in tickets])
    for feed in displays:
        assert (await feed.next())["type"] == "snapshot"
    for feed in phones:
        assert (await feed.next())["type"] == "ticket"
    assert all(tcp_sockets(pid, "01") > 0 for pid in pids)  # each worker serves some of them
    called = commands.call_next(live, "nk1", ACTOR)
    for feed in displays:
        assert (await feed.until_type("call"))["ticket"] == called.number
    assert (await phones[0].until_type("called"))["desk"] == "nk1"
    for feed in phones[1:]:
        assert (await feed.until_type("pos"))["why"] == "called"


async def test_a_worker_that_dies_is_replaced_and_clients_resume_on_the_port(
    workers: Workers, live: Store
) -> None:
    first, second = (issue_ticket(live, "nk-pt", ACTOR, name=n) for n in ("甲一", "乙二"))
    victim = min(children_of(workers.process.pid))
    os.kill(victim, signal.SIGKILL)
    assert (await workers.line()).startswith("Worker ")
    async with asyncio.timeout(WAIT_S):
        while len(children_of(workers.process.pid) - {victim}) < 2:
            await asyncio.sleep(0.05)
    seq = live.last_seq()
    commands.call_next(live, "nk1", ACTOR)  # while the clients were away
    displays = await workers.feeds([f"/ws/display?since={seq}"] * CLIENTS)
    for feed in displays:
        assert (await feed.until_type("call"))["ticket"] == first.number
    phone = (await workers.feeds([f"/ws/ticket/{second.token}?since={seq}"]))[0]
    pos = await phone.until_type("pos")
    assert (pos["ahead"], pos["why"]) == (0, "resume")


async def test_sigterm_closes_every_client_of_every_worker_with_1001(
    workers: Workers, live: Store
) -> None:
    feeds = await workers.feeds(["/ws/display?since="] * CLIENTS)
    for feed in feeds:
        await feed.next()
    pids = children_of(workers.process.pid)
    workers.process.send_signal(signal.SIGTERM)
    for feed in feeds:
        assert await feed.close_code() == 1001
    assert await asyncio.wait_for(workers.process.wait(), WAIT_S) == 0
    assert not any(alive(pid) for pid in pids)


async def test_workers_stop_when_their_parent_is_killed(workers: Workers) -> None:
    pids = children_of(workers.process.pid)
    workers.process.kill()  # SIGKILL: the parent cannot pass anything on
    await workers.process.wait()
    async with asyncio.timeout(WAIT_S):
        while any(alive(pid) for pid in pids):
            await asyncio.sleep(0.05)


def test_bad_worker_counts_and_a_taken_port_are_refused_in_one_line(
    store: Store, db_path: Path
) -> None:
    serve = [sys.executable, "-m", "clinic_queue", "--db", str(db_path), "serve"]
    zero = subprocess.run([*serve, "--workers", "0"], capture_output=True, text=True, cwd=ROOT)
    assert (zero.returncode, zero.stderr) == (
        2,
        "clinic-queue serve: --workers must be 1 or more\n",
    )
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        busy = subprocess.run(
            [*serve, "--host", "127.0.0.1", "--port", port, "--workers", "2"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=WAIT_S,
        )
    assert busy.returncode == 1
    assert busy.stderr.startswith("clinic-queue: serve: ") and busy.stderr.count("\n") == 1
