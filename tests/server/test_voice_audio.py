"""The server's spoken call: rendered by a real engine, served at the URL the call names."""

from __future__ import annotations

import io
import struct
import wave
from dataclasses import replace
from pathlib import Path

import pytest

from display_server.server import DisplayServer, serve
from display_server.voice import Clips, Espeak, choose_engine, espeak_path, missing_clips
from queue_core import commands
from queue_core.config import ClinicConfig
from queue_core.events import EventType
from queue_core.line import Line
from queue_core.registration import issue_ticket
from queue_core.store import Store
from queue_core.voice_text import VoiceConfig, clip_set
from tests.conftest import ACTOR, HALL_KEY
from tests.server.conftest import caught_up, open_feed
from tests.server.test_http_routes import get

RATE = 8000


def decoded(data: bytes) -> tuple[wave._wave_params, float]:
    with wave.open(io.BytesIO(data), "rb") as w:
        params = w.getparams()
        return params, params.nframes / params.framerate


def test_espeak_ng_is_installed_for_the_tests() -> None:
    assert espeak_path() is not None, "make voice installs espeak-ng"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_espeak_renders_valid_wav_of_a_plausible_length(
    sample_config: ClinicConfig, lang: str
) -> None:
    program = espeak_path()
    assert program is not None
    engine = Espeak(sample_config, program)
    params, seconds = decoded(engine.render(lang, "A012", "3", ""))
    assert (params.nchannels, params.sampwidth) == (1, 2)
    # Eight or more syllables at a speaking rate: between two and ten seconds.
    assert 2.0 < seconds < 10.0
    longer = decoded(engine.render(lang, "A0123456", "3", ""))[1]
    assert longer > seconds + 1.0  # five more digits are heard


def test_a_slower_voice_takes_longer(sample_config: ClinicConfig) -> None:
    program = espeak_path()
    assert program is not None
    normal = decoded(Espeak(sample_config, program).render("zh", "A012", "3", ""))[1]
    slow_config = replace(sample_config, voice=VoiceConfig(speed=50))
    slow = decoded(Espeak(slow_config, program).render("zh", "A012", "3", ""))[1]
    assert slow > normal * 1.5


def tone_folder(config: ClinicConfig, folder: Path) -> dict[str, int]:
    """A voice folder whose every clip is a constant sample of its own: its index."""
    marks = {}
    for lang in config.voice.languages:
        (folder / lang).mkdir(parents=True)
        for i, clip in enumerate(clip_set(config.voice.template(lang), ["3"], lang)):
            marks[f"{lang}/{clip.name}"] = i + 1
            with wave.open(str(folder / lang / f"{clip.name}.wav"), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(RATE)
                w.writeframes(struct.pack("<h", i + 1) * (RATE // 10))
    return marks


def runs(data: bytes) -> list[int]:
    """The constant values of a WAV, one per run between silences."""
    with wave.open(io.BytesIO(data), "rb") as w:
        frames = w.readframes(w.getnframes())
    values = [v for (v,) in struct.iter_unpack("<h", frames)]
    out: list[int] = []
    before = 0
    for v in values:
        if v and v != before:
            out.append(v)
        before = v
    return out


def test_clips_are_assembled_in_the_documented_order(
    sample_config: ClinicConfig, tmp_path: Path
) -> None:
    marks = tone_folder(sample_config, tmp_path)
    assert missing_clips(sample_config, tmp_path) == []
    engine = Clips(sample_config, tmp_path)
    order = ["请", "B", "0", "0", "7", "号-到", "3", "诊室就诊"]
    assert runs(engine.render("zh", "B007", "3", "")) == [marks[f"zh/{n}"] for n in order]
    english = ["number", "B", "0", "0", "7", "please-go-to-room", "3"]
    assert runs(engine.render("en", "B007", "3", "")) == [marks[f"en/{n}"] for n in english]


def test_a_folder_missing_a_clip_or_mixing_rates_is_listed(
    sample_config: ClinicConfig, tmp_path: Path
) -> None:
    tone_folder(sample_config, tmp_path)
    (tmp_path / "zh" / "7.wav").unlink()
    with wave.open(str(tmp_path / "en" / "number.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE * 2)
        w.writeframes(b"\1\0" * RATE)
    (tmp_path / "en" / "A.wav").write_bytes(b"RIFF junk")
    problems = missing_clips(sample_config, tmp_path)
    assert problems[0] == f"{tmp_path / 'zh' / '7.wav'}: missing (says '七')"
    assert any(p.startswith(f"{tmp_path / 'en' / 'A.wav'}: not a PCM WAV file") for p in problems)
    assert problems[-1] == f"{tmp_path / 'en'}: clips at [8000, 16000] Hz: record all at one rate"
    assert len(problems) == 3


def test_the_engine_chosen_says_why_in_one_line(
    sample_config: ClinicConfig, tmp_path: Path
) -> None:
    none = replace(sample_config, voice=VoiceConfig(engine="none"))
    assert choose_engine(none, tmp_path) == (
        None,
        "voice: engine = none; TVs use their own voice or only chime",
    )
    clips = replace(sample_config, voice=VoiceConfig(engine="clips", clips="voice"))
    engine, line = choose_engine(clips, tmp_path)
    assert engine is None and "is incomplete (77 problems" in line
    tone_folder(sample_config, tmp_path / "voice")
    engine, line = choose_engine(clips, tmp_path)
    assert isinstance(engine, Clips) and line == f"voice: recorded clips from {tmp_path / 'voice'}"


async def test_a_call_names_its_audio_and_the_route_serves_it_immutable(
    store: Store, server: DisplayServer
) -> None:
    issue_ticket(store, "wk", ACTOR, name="周八")
    hall = await open_feed(server, f"/ws/display?key={HALL_KEY}&since=")
    await hall.until_type("snapshot")
    commands.call_next(store, "wk1", ACTOR)
    call = await hall.until_type("call")
    assert set(call["audio"]) == {"zh", "en"}
    for lang in ("zh", "en"):
        status, headers, body = await get(server, call["audio"][lang])
        assert status == 200
        assert headers["content-type"] == "audio/wav"
        assert headers["cache-control"] == "public, max-age=31536000, immutable"
        assert 2.0 < decoded(body)[1] < 10.0
    assert (await get(server, call["audio"]["zh"].replace(".wav", ".mp3")))[0] == 404
    assert (await get(server, "/audio/" + "a" * 24 + ".wav"))[0] == 404
    assert (await get(server, "/audio/../static/display.js"))[0] == 404


async def test_the_heads_of_the_lines_are_rendered_before_their_call(
    store: Store, server: DisplayServer
) -> None:
    first = issue_ticket(store, "wk", ACTOR, name="周八")
    hall = await open_feed(server, f"/ws/display?key={HALL_KEY}&since=")
    await hall.until_type("snapshot")
    await caught_up(server, store)
    announcer = server.announcer
    assert announcer is not None
    room = next(d.room for d in store.config.desks if d.id == "wk1")
    key = announcer.key(("zh", first.number, room, ""))
    assert await announcer.audio(key) is not None  # named by no call yet: made ahead
    assert key in announcer.done


async def test_receipts_say_how_and_a_bad_how_is_an_error(
    store: Store, server: DisplayServer
) -> None:
    issue_ticket(store, "wk", ACTOR, name="周八")
    hall = await open_feed(server, f"/ws/display?key={HALL_KEY}&since=")
    await hall.until_type("snapshot")
    commands.call_next(store, "wk1", ACTOR)
    call = await hall.until_type("call")
    await hall.send({"type": "ack", "seq": call["seq"], "how": "loud"})
    assert (await hall.until_type("error"))["code"] == "bad_how"
    await hall.send({"type": "ack", "seq": call["seq"], "how": "shown_only"})
    await hall.send({"type": "ping"})
    await hall.until_type("pong")
    announced = [e for e in store.events_since(call["seq"]) if e.type == EventType.ANNOUNCED]
    assert [e.payload["how"] for e in announced] == ["shown_only"]
    line = Line.load(store)
    assert (line.receipts_of("wk1"), line.unspoken_of("wk1")) == (1, 1)
    body = (await get(server, "/healthz"))[2]
    assert b'"silent_screens": ["hall"]' in body and b'"voice": "espeak-ng"' in body


async def test_without_an_engine_calls_carry_no_audio(
    db_path: Path, sample_config: ClinicConfig, store: Store
) -> None:
    quiet = replace(sample_config, voice=VoiceConfig(engine="none"))
    store.config = quiet
    async with serve(store, "127.0.0.1", 0) as app:
        assert app.announcer is None
        issue_ticket(store, "wk", ACTOR, name="周八")
        hall = await open_feed(app, f"/ws/display?key={HALL_KEY}&since=")
        await hall.until_type("snapshot")
        commands.call_next(store, "wk1", ACTOR)
        assert (await hall.until_type("call"))["audio"] is None
        assert b'"voice": null' in (await get(app, "/healthz"))[2]
