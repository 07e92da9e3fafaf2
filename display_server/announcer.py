"""The server's spoken calls: audio rendered ahead, kept on disk, served at /audio/<key>.wav.

A call's audio key is a hash of the engine's signature, the language and the call's words, so
a `call` message can name its URLs before the audio exists; whatever a call needs is rendered
on a worker thread as soon as the call (or the line's head at a desk) is seen, and a request
for audio still being rendered waits for that render. The event loop never renders, and the
WAVs live in a folder (display_server/audio_files.py), not in the server's memory. The render
threads (and the engine processes they start) run at a lower CPU priority: on a busy machine
the feeds go first, and a render ahead of its call has time to spare.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor

from display_server.audio_files import AudioFiles
from display_server.voice import Engine, VoiceError
from queue_core.board import Board
from queue_core.config import ClinicConfig
from queue_core.masking import mask_name
from queue_core.voice_text import said_name

AHEAD = 2  # of each desk's line, the next this many have their call rendered before it comes
WAIT_S = 5.0  # a request for audio still rendering waits this long at most
Job = tuple[str, str, str, str]
LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")
KEY_PATTERN = "[a-p]{24}"  # lang, number, room, name
RENDER_NICE = 10  # added to the render threads' niceness: the feeds' threads keep theirs


class Announcer:
    def __init__(self, config: ClinicConfig, engine: Engine, done: AudioFiles) -> None:
        self.config = config
        self.engine = engine
        self.signature = engine.signature()
        self.jobs: dict[str, Job] = {}
        self.done = done  # what is rendered: the files, by key
        self.running: dict[str, Future[int]] = {}
        self.failed: set[str] = set()
        # Two workers: a call rendered on demand does not wait behind the line's heads.
        self.pool = ThreadPoolExecutor(
            max_workers=2, thread_name_prefix="voice", initializer=_render_gently
        )

    def close(self) -> None:
        # Queued renders are dropped; the one in flight on each thread (a fraction of a second)
        # is waited for, so nothing writes into the audio folder once the server has stopped.
        self.pool.shutdown(wait=True, cancel_futures=True)

    def key(self, job: Job) -> str:
        text = "\0".join((self.signature, *job))
        # Letters only (a-p for 0-f): a run of digits in a public message looks like a phone
        # number to the checks that every public message passes (tests/server).
        return hashlib.sha256(text.encode()).hexdigest()[:24].translate(LETTERS)

    def urls(self, number: str, room: str, masked: str | None) -> dict[str, str] | None:
        """The audio URL per language of a call, its rendering started (on the loop)."""
        name = said_name(masked) if self.config.voice.say_names else ""
        out = {}
        for lang in self.config.voice.languages:
            key = self.prepare((lang, number, room, name))
            if key in self.failed:
                return None  # the TV falls back rather than fetch what cannot be made
            out[lang] = f"/audio/{key}.wav"
        return out

    def prepare(self, job: Job) -> str:
        key = self.key(job)
        if key in self.done:
            self.done.used(key)
        elif key not in self.running and key not in self.failed:
            self.jobs[key] = job
            future = self.pool.submit(self._render, key, job)
            self.running[key] = future
            loop = asyncio.get_running_loop()
            future.add_done_callback(lambda f: _on_loop(loop, self._finished, key, f))
        return key

    def _render(self, key: str, job: Job) -> int:
        """On a worker thread: the engine's WAV into its file; returns its size."""
        return self.done.write(key, self.engine.render(*job))

    def _finished(self, key: str, future: Future[int]) -> None:
        """On the event loop, as everything that touches the index of the files."""
        try:
            self.done.kept(key, future.result())
        except (VoiceError, OSError) as exc:  # OSError: the file could not be written
            print(f"clinic-queue: voice: cannot render a call: {exc}", file=sys.stderr, flush=True)
            self.failed.add(key)
        except CancelledError:  # the server is stopping
            pass
        self.running.pop(key, None)

    def ahead(self, board: Board) -> None:
        """Render the calls the desks will make next: the head of each desk's line."""
        for desk in board.desks:
            for placed in desk.line[:AHEAD]:
                self.urls(placed.ticket.number, desk.config.room, mask_name(placed.ticket.name))

    async def audio(self, key: str) -> bytes | None:
        """The WAV of `key`: from its file, or awaited while it renders, or rendered again if
        it was let go of; None for a key neither this server named nor its folder holds."""
        if key not in self.running and key in self.done:
            data = await asyncio.to_thread(self.done.read, key)
            if data is not None:
                return data
            self.done.lost(key)
        if key not in self.running:
            job = self.jobs.get(key)
            if job is None or key in self.failed:
                return None
            self.prepare(job)
        future = self.running.get(key)
        if future is not None:
            try:
                await asyncio.wait_for(asyncio.wrap_future(future), WAIT_S)
            except (TimeoutError, VoiceError, OSError):
                return None
        return await asyncio.to_thread(self.done.read, key)


def _render_gently() -> None:
    """Each render thread lowers its own priority, and the engine processes it starts inherit
    it: on Linux a thread's niceness is its own (elsewhere it would be the whole server's)."""
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        nice = os.getpriority(os.PRIO_PROCESS, thread) + RENDER_NICE
        os.setpriority(os.PRIO_PROCESS, thread, min(nice, 19))


def _on_loop(
    loop: asyncio.AbstractEventLoop,
    finished: Callable[[str, Future[int]], None],
    key: str,
    future: Future[int],
) -> None:
    with contextlib.suppress(RuntimeError):  # a closed loop: the server and its cache are gone
        loop.call_soon_threadsafe(finished, key, future)
