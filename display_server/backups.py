"""The copies the display server makes by itself when the clinic asks for them ([backup]).

One copy after each day's close (the day keeper says when), and one every `every_minutes` if
set; the `keep` newest of them stay. A copy is made on its own connection in a worker thread:
neither the feeds nor the server's writes wait for it (queue_core/backup.py).

Several servers of one clinic make each copy once: a copy's occasion (the close of a day, a
period of `every_minutes` on the wall clock) is claimed in the database first
(queue_core/duties.py), and the servers that find it claimed skip it.
"""

from __future__ import annotations

import asyncio
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

from queue_core.backup import backup_store, prune
from queue_core.config import BackupConfig
from queue_core.duties import claim
from queue_core.errors import QueueError
from queue_core.store import Store


class Backups:
    def __init__(
        self,
        store: Store,
        config: BackupConfig,
        holder: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.holder = holder
        self.directory = store.path.parent / Path(config.directory)  # absolute stays absolute
        self.keep = config.keep
        self.every_s = config.every_minutes * 60.0
        self.clock = clock
        self.next_at = clock() + self.every_s if self.every_s else math.inf

    async def make(self, occasion: str) -> None:
        """One copy now unless another server claimed `occasion`, then the oldest beyond
        `keep` go; a failure is one line on stderr."""
        self.next_at = self.clock() + self.every_s if self.every_s else math.inf
        try:
            copy = await asyncio.to_thread(self._copy, occasion)
        except (QueueError, OSError) as exc:
            detail = exc.message if isinstance(exc, QueueError) else str(exc)
            print(f"clinic-queue: {detail}", file=sys.stderr, flush=True)
            return
        if copy is not None:
            print(f"Backed up to {copy}", flush=True)

    def _copy(self, occasion: str) -> Path | None:
        if not claim(self.store, f"backup {occasion}", self.holder):
            return None
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        now = self.store.now().astimezone(self.store.config.tz)
        made = backup_store(self.store, self.directory, now).path
        prune(self.directory, self.store.path, self.keep)
        return made

    async def when_due(self) -> None:
        if self.clock() >= self.next_at:
            # The period by the wall clock, the same on every server whenever each started.
            period = int(self.store.now().timestamp() // self.every_s)
            await self.make(f"every {self.every_s:g} s, period {period}")
