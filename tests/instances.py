"""`clinic-queue serve` instances as real processes, several on one database, for the tests
and benchmarks of docs/scaling.md's "Several servers"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# nginx reaches the instances from the loopback: its X-Forwarded-For names the clients.
PROXIES = "127.0.0.1"


class Instance:
    """One `clinic-queue serve --port 0 --api-port 0`; its ports as it printed them."""

    def __init__(self, db: str, log: Path, env: dict[str, str] | None = None) -> None:
        self.db = db
        self.log = log
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", "CLINIC_QUEUE_PROXIES": PROXIES}
        self.env.update(env or {})
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        self.api_port = 0

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "clinic_queue", "--db", self.db, "serve"),
                    *("--host", "127.0.0.1", "--port", "0", "--api-port", "0"),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env=self.env,
            )
        assert self.process.stdout is not None
        for line in iter(self.process.stdout.readline, ""):
            if line.startswith("Serving on"):
                self.port = int(line.strip().rsplit(":", 1)[1])
            elif line.startswith("HIS API on"):
                self.api_port = int(line.split(" on ", 1)[1].split(":")[2].split("/")[0])
                return
        raise RuntimeError(f"clinic-queue serve did not start: {self.log.read_text()}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL: no close frame, no cleanup, as a crashed host."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()


@contextmanager
def instances(db: str, folder: Path, count: int = 2) -> Iterator[list[Instance]]:
    """`count` instances on `db`, started one after the other, stopped at the end."""
    with ExitStack() as stack:
        started = []
        for index in range(count):
            instance = Instance(db, folder / f"serve-{index}.log")
            stack.callback(instance.stop)
            instance.start()
            started.append(instance)
        yield started
