"""The server's spoken calls: audio rendered ahead, cached, served at /audio/<key>.wav.

A call's audio key is a hash of the engine's signature, the language and the call's words, so
a `call` message can name its URLs before the audio exists; whatever a call needs is rendered
on a worker thread as soon as the call (or the line's head at a desk) is seen, and a request
for audio still being rendered waits for that render. The event loop never renders.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sys
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor

from display_server.voice import Engine, VoiceError
from queue_core.board import Board
from queue_core.config import ClinicConfig
from queue_core.masking import mask_name
from queue_core.voice_text import said_name

KEEP = 256  # rendered calls kept: the heads of every line and the day's recent calls
AHEAD = 2  # of each desk's line, the next this many have their call rendered before it comes
WAIT_S = 5.0  # a request for audio still rendering waits this long at most
Job = tuple[str, str, str, str]
LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")
KEY_PATTERN = "[a-p]{24}"  # lang, number, room, name


class Announcer:
    def __init__(self, config: ClinicConfig, engine: Engine) -> None:
        self.config = config
        self.engine = engine
        self.signature = engine.signature()
        self.jobs: dict[str, Job] = {}
        self.done: OrderedDict[str, bytes] = OrderedDict()
        self.running: dict[str, Future[bytes]] = {}
        self.failed: set[str] = set()
        # Two workers: a call rendered on demand does not wait behind the line's heads.
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="voice")

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

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
            self.done.move_to_end(key)
        elif key not in self.running and key not in self.failed:
            self.jobs[key] = job
            future = self.pool.submit(self.engine.render, *job)
            self.running[key] = future
            loop = asyncio.get_running_loop()
            future.add_done_callback(lambda f: _on_loop(loop, self._finished, key, f))
        return key

    def _finished(self, key: str, future: Future[bytes]) -> None:
        """On the event loop, as everything that touches the cache."""
        try:
            data = future.result()
        except VoiceError as exc:
            print(f"clinic-queue: voice: cannot render a call: {exc}", file=sys.stderr, flush=True)
            self.failed.add(key)
            data = None
        except CancelledError:  # the server is stopping
            data = None
        if data is not None:
            self.done[key] = data
            while len(self.done) > KEEP:
                self.done.popitem(last=False)
        self.running.pop(key, None)

    def ahead(self, board: Board) -> None:
        """Render the calls the desks will make next: the head of each desk's line."""
        for desk in board.desks:
            for placed in desk.line[:AHEAD]:
                self.urls(placed.ticket.number, desk.config.room, mask_name(placed.ticket.name))

    async def audio(self, key: str) -> bytes | None:
        """The WAV of `key`: cached, or awaited while it renders, or rendered again if it was
        let go of; None for a key this server never named."""
        data = self.done.get(key)
        if data is not None:
            return data
        if key not in self.running:
            job = self.jobs.get(key)
            if job is None or key in self.failed:
                return None
            self.prepare(job)
        future = self.running.get(key)
        if future is not None:
            try:
                await asyncio.wait_for(asyncio.wrap_future(future), WAIT_S)
            except (TimeoutError, VoiceError):
                return None
        return self.done.get(key)


def _on_loop(
    loop: asyncio.AbstractEventLoop,
    finished: Callable[[str, Future[bytes]], None],
    key: str,
    future: Future[bytes],
) -> None:
    with contextlib.suppress(RuntimeError):  # a closed loop: the server and its cache are gone
        loop.call_soon_threadsafe(finished, key, future)
