"""Rendered calls on disk: a content-addressed folder beside the database, bounded in size.

A call's WAV is a few hundred kilobytes and a day renders hundreds of them: kept in the server's
memory they were most of its heap, which every connection then seemed to cost
(docs/benchmarks.md). On disk they cost the page cache only, which the kernel gives back when it
must. A key names what the audio says and how (display_server/announcer.py), so a file is right
for as long as it exists: a restarted server finds the heads of the lines already rendered.

The index (which keys, their sizes, the oldest first) is touched on the event loop only; files
are written and read on worker threads. Past `limit` bytes the oldest files are deleted; a
reader that loses the race to a deletion finds no file, and the call is rendered again.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from pathlib import Path

LIMIT = 64 * 1024 * 1024  # bytes of WAV kept: the day's recent calls and every line's next
SUFFIX = ".wav"
PARTIAL = ".partial"


def folder_of(db: Path) -> Path:
    """Beside the database, as its other companions (`clinic.db.screens`, `clinic.db.lock`)."""
    return db.with_name(db.name + ".audio")


class AudioFiles:
    def __init__(self, folder: Path, key_pattern: str, limit: int = LIMIT) -> None:
        folder.mkdir(exist_ok=True)
        self.folder = folder
        self.limit = limit
        self.sizes: OrderedDict[str, int] = OrderedDict()  # key -> bytes, the oldest first
        self.total = 0
        key = re.compile(key_pattern)
        found = []
        for entry in os.scandir(folder):
            name = entry.name
            if name.endswith(PARTIAL):  # a write cut short by a crash
                _unlink(Path(entry.path))
            elif name.endswith(SUFFIX) and key.fullmatch(name[: -len(SUFFIX)]):
                st = entry.stat()
                found.append((st.st_mtime_ns, name[: -len(SUFFIX)], st.st_size))
        for _, name, size in sorted(found):
            self.sizes[name] = size
            self.total += size
        self._trim()

    def __contains__(self, key: str) -> bool:
        return key in self.sizes

    def path(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    def write(self, key: str, data: bytes) -> int:
        """On a worker thread: the file appears whole or not at all; returns its size."""
        self.folder.mkdir(exist_ok=True)  # deleting the folder by hand is allowed at any time
        partial = self.folder / f"{key}.{threading.get_ident()}{PARTIAL}"
        partial.write_bytes(data)
        os.replace(partial, self.path(key))
        return len(data)

    def read(self, key: str) -> bytes | None:
        """On a worker thread: the WAV, or None when it is gone."""
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            return None

    def kept(self, key: str, size: int) -> None:
        """On the loop: `key` was written; the oldest go past the limit."""
        self.total += size - self.sizes.pop(key, 0)
        self.sizes[key] = size
        self._trim()

    def used(self, key: str) -> None:
        """On the loop: `key` is wanted again, so it is now the newest."""
        self.sizes.move_to_end(key)

    def lost(self, key: str) -> None:
        """On the loop: the file was found missing (deleted by hand): forget it."""
        self.total -= self.sizes.pop(key, 0)

    def _trim(self) -> None:
        while self.total > self.limit and len(self.sizes) > 1:
            key, size = self.sizes.popitem(last=False)
            self.total -= size
            _unlink(self.path(key))


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)
