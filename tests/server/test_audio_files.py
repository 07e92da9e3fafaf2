"""Rendered calls live in a folder beside the database, bounded, and outlive the server."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from display_server.announcer import KEY_PATTERN, RENDER_NICE
from display_server.audio_files import AudioFiles, folder_of
from display_server.server import serve
from queue_core import commands
from queue_core.registration import issue_ticket
from queue_core.store import Store
from tests.conftest import ACTOR, HALL_KEY
from tests.server.conftest import caught_up, open_feed
from tests.server.test_http_routes import get
from tests.server.test_voice_audio import decoded

KEYS = ["a" * 24, "b" * 24, "c" * 24, "d" * 24]


def test_past_the_limit_the_oldest_files_go_first(tmp_path: Path) -> None:
    files = AudioFiles(tmp_path, KEY_PATTERN, limit=300)
    for key in KEYS[:3]:
        files.kept(key, files.write(key, b"x" * 100))
    files.used(KEYS[0])  # named again: now the newest
    files.kept(KEYS[3], files.write(KEYS[3], b"x" * 100))
    kept = [KEYS[0], KEYS[2], KEYS[3]]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{k}.wav" for k in kept]
    assert KEYS[1] not in files and files.read(KEYS[1]) is None
    assert files.read(KEYS[0]) == b"x" * 100


def test_a_new_index_finds_the_files_oldest_first_and_drops_partial_writes(
    tmp_path: Path,
) -> None:
    for age, key in enumerate(KEYS[:3]):
        path = tmp_path / f"{key}.wav"
        path.write_bytes(b"y" * 100)
        os.utime(path, ns=(age * 10**9, age * 10**9))
    (tmp_path / f"{KEYS[3]}.123.partial").write_bytes(b"cut short")
    (tmp_path / "notes.txt").write_text("not ours")
    files = AudioFiles(tmp_path, KEY_PATTERN, limit=200)
    assert list(files.sizes) == [KEYS[1], KEYS[2]]  # the oldest went over the limit
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"{KEYS[1]}.wav",
        f"{KEYS[2]}.wav",
        "notes.txt",
    ]


async def test_a_restarted_server_serves_the_calls_the_last_one_rendered(store: Store) -> None:
    issue_ticket(store, "wk", ACTOR, name="周八")
    async with serve(store, "127.0.0.1", 0) as app:
        hall = await open_feed(app, f"/ws/display?key={HALL_KEY}&since=")
        await hall.until_type("snapshot")
        commands.call_next(store, "wk1", ACTOR)
        call = await hall.until_type("call")
        first = {lang: (await get(app, url))[2] for lang, url in call["audio"].items()}
        await hall.ws.close()
    folder = folder_of(store.path)
    for url in call["audio"].values():
        assert (folder / url.rsplit("/", 1)[1]).is_file()
    async with serve(store, "127.0.0.1", 0) as app:
        await caught_up(app, store)
        for lang, url in call["audio"].items():
            status, headers, body = await get(app, url)
            assert status == 200 and headers["cache-control"].endswith("immutable")
            assert body == first[lang] and 2.0 < decoded(body)[1] < 10.0


async def test_the_folder_deleted_under_a_running_server_is_rendered_again(
    store: Store,
) -> None:
    issue_ticket(store, "wk", ACTOR, name="周八")
    async with serve(store, "127.0.0.1", 0) as app:
        hall = await open_feed(app, f"/ws/display?key={HALL_KEY}&since=")
        await hall.until_type("snapshot")
        commands.call_next(store, "wk1", ACTOR)
        call = await hall.until_type("call")
        assert (await get(app, call["audio"]["zh"]))[0] == 200
        folder = folder_of(store.path)
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
        status, _, body = await get(app, call["audio"]["zh"])
        assert status == 200 and 2.0 < decoded(body)[1] < 10.0
        await hall.ws.close()


async def test_renders_run_at_a_lower_priority_than_the_feeds(store: Store) -> None:
    async with serve(store, "127.0.0.1", 0) as app:
        announcer = app.announcer
        assert announcer is not None
        own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        niceness = announcer.pool.submit(
            lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        ).result()
        assert niceness == min(own + RENDER_NICE, 19)
