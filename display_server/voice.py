"""Announcement engines: a call's words in, WAV bytes out, offline (docs/voice.md).

`espeak-ng` runs as a separate process (it is GPL-3: called, never linked); `clips` assembles a
clinic's own recorded voice folder in the order queue_core/voice_text.py gives; `none` has no
voice, and the TV falls back to the browser's own. Rendering blocks: callers run it off the
event loop (display_server/announcer.py).
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from queue_core.config import ClinicConfig
from queue_core.voice_text import Clip, clip_set, clips_of, said_text

ESPEAK = "espeak-ng"
ESPEAK_VOICES = {"zh": "cmn", "en": "en"}
ESPEAK_WPM = 150  # espeak-ng's own default rate: `speed = 100`
RENDER_TIMEOUT_S = 10.0
# A clip is one word or phrase: longer is a wrong file (a whole recording session) put there.
CLIP_MAX_S = 5.0
GAP_S = 0.08  # between two clips, so digits do not run together


class VoiceError(Exception):
    """A call cannot be rendered (a clip missing or malformed, the engine failed)."""


class Engine(Protocol):
    name: str

    def signature(self) -> str:
        """What makes two renders of the same words differ: part of every audio key."""
        ...

    def render(self, lang: str, number: str, room: str, name: str) -> bytes: ...


@dataclass(frozen=True)
class Format:
    channels: int
    width: int
    rate: int


def espeak_path() -> str | None:
    return shutil.which(ESPEAK)


class Espeak:
    name = "espeak-ng"

    def __init__(self, config: ClinicConfig, program: str) -> None:
        self.voice = config.voice
        self.program = program

    def signature(self) -> str:
        v = self.voice
        return f"espeak-ng|{v.speed}|{v.volume}|{v.templates}"

    def render(self, lang: str, number: str, room: str, name: str) -> bytes:
        text = said_text(self.voice.template(lang), lang, number, room, name)
        return self.say(lang, text)

    def say(self, lang: str, text: str) -> bytes:
        """`text` in `lang`'s voice as WAV bytes."""
        wpm = ESPEAK_WPM * self.voice.speed // 100
        with tempfile.TemporaryDirectory(prefix="clinic-voice-") as tmp:
            out = Path(tmp) / "say.wav"
            args = [self.program, "-v", ESPEAK_VOICES[lang], "-s", str(wpm)]
            args += ["-a", str(self.voice.volume), "-w", str(out), "--", text]
            try:
                subprocess.run(args, check=True, capture_output=True, timeout=RENDER_TIMEOUT_S)
                return out.read_bytes()
            except (OSError, subprocess.SubprocessError) as exc:
                raise VoiceError(f"{ESPEAK} failed: {exc}") from None


class Clips:
    """A voice folder: `<folder>/<lang>/<clip>.wav`, mono 16-bit PCM, one sample rate."""

    name = "clips"

    def __init__(self, config: ClinicConfig, folder: Path) -> None:
        self.voice = config.voice
        self.folder = folder
        self.cache: dict[tuple[str, str], tuple[Format, bytes]] = {}
        self.digest = folder_digest(folder)

    def signature(self) -> str:
        return f"clips|{self.digest}|{self.voice.templates}"

    def rooms(self, lang: str) -> frozenset[str]:
        return frozenset(p.stem for p in (self.folder / lang).glob("room-*.wav"))

    def render(self, lang: str, number: str, room: str, name: str) -> bytes:
        clips = clips_of(self.voice.template(lang), lang, number, room, self.rooms(lang))
        return join_wav([self.clip(lang, c) for c in clips])

    def clip(self, lang: str, clip: Clip) -> tuple[Format, bytes]:
        key = (lang, clip.name)
        if key not in self.cache:
            self.cache[key] = read_clip(self.folder / lang / f"{clip.name}.wav")
        return self.cache[key]


def folder_digest(folder: Path) -> str:
    """Names, sizes and times of a folder's WAV files: a clip re-recorded is a new key."""
    h = hashlib.sha256()
    for path in sorted(folder.glob("*/*.wav")):
        st = path.stat()
        h.update(f"{path.relative_to(folder)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def read_clip(path: Path) -> tuple[Format, bytes]:
    """One clip's format and frames; a clear VoiceError for anything but mono 16-bit PCM."""
    try:
        with wave.open(str(path), "rb") as w:
            form = Format(w.getnchannels(), w.getsampwidth(), w.getframerate())
            frames = w.readframes(w.getnframes())
    except FileNotFoundError:
        raise VoiceError(f"{path}: missing") from None
    except (OSError, EOFError, wave.Error) as exc:
        raise VoiceError(f"{path}: not a PCM WAV file ({exc})") from None
    if form.channels != 1 or form.width != 2:
        raise VoiceError(f"{path}: must be mono 16-bit PCM")
    if not frames or len(frames) / (2 * form.rate) > CLIP_MAX_S:
        raise VoiceError(f"{path}: empty or longer than {CLIP_MAX_S:g} s")
    return form, frames


def join_wav(parts: list[tuple[Format, bytes]]) -> bytes:
    """Clips one after another with a short silence between; one sample rate throughout."""
    if not parts:
        raise VoiceError("nothing to say")
    form = parts[0][0]
    if any(f != form for f, _ in parts):
        raise VoiceError("the clips of a voice folder must share one sample rate")
    gap = b"\0\0" * int(form.rate * GAP_S)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(form.rate)
        w.writeframes(gap.join(frames for _, frames in parts))
    return out.getvalue()


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getnframes() / w.getframerate()


def rooms_of(config: ClinicConfig) -> list[str]:
    return sorted({d.room for d in config.desks})


def needed(config: ClinicConfig) -> list[tuple[str, Clip]]:
    """Every (language, clip) the clinic's voice folder must hold, in the documented order."""
    v = config.voice
    return [
        (lang, c)
        for lang in v.languages
        for c in clip_set(v.template(lang), rooms_of(config), lang)
    ]


def missing_clips(config: ClinicConfig, folder: Path) -> list[str]:
    """One line per clip that is absent or unusable, and per language whose rates differ."""
    problems = []
    for lang in config.voice.languages:
        rates: set[int] = set()
        for want_lang, clip in needed(config):
            if want_lang != lang:
                continue
            path = folder / lang / f"{clip.name}.wav"
            try:
                rates.add(read_clip(path)[0].rate)
            except VoiceError as exc:
                problems.append(f"{exc} (says {clip.text!r})")
        if len(rates) > 1:
            problems.append(f"{folder / lang}: clips at {sorted(rates)} Hz: record all at one rate")
    return problems


def build_clips(config: ClinicConfig, folder: Path, program: str) -> int:
    """A complete default voice folder spoken by espeak-ng: the clips a clinic then re-records
    one by one in its own voice. Returns how many files were written."""
    speaker = Espeak(config, program)
    count = 0
    for lang, clip in needed(config):
        (folder / lang).mkdir(parents=True, exist_ok=True)
        (folder / lang / f"{clip.name}.wav").write_bytes(speaker.say(lang, clip.text))
        count += 1
    return count


def choose_engine(config: ClinicConfig, base: Path) -> tuple[Engine | None, str]:
    """The configured engine, and the one line the server logs at start about its voice."""
    v = config.voice
    folder = (base / v.clips) if v.clips else None
    if v.engine in ("clips", "auto") and folder is not None:
        problems = missing_clips(config, folder)
        if not problems:
            return Clips(config, folder), f"voice: recorded clips from {folder}"
        if v.engine == "clips":
            return None, (
                f"voice: the voice folder {folder} is incomplete ({len(problems)} problems, first:"
                f" {problems[0]}); `clinic-queue voice check` lists them; TVs use their own voice"
            )
    if v.engine in ("espeak-ng", "auto"):
        program = espeak_path()
        if program is not None:
            return Espeak(config, program), f"voice: {ESPEAK} ({program})"
        return None, (
            f"voice: {ESPEAK} not found (`make voice` or apt-get install espeak-ng);"
            " TVs use their own voice or only chime"
        )
    return None, "voice: engine = none; TVs use their own voice or only chime"
