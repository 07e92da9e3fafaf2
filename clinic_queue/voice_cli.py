"""`clinic-queue voice-clips` and `voice-check`: a clinic's voice folder made and checked
(docs/voice.md). The display server is imported only by these commands."""

from __future__ import annotations

import argparse
from contextlib import closing
from pathlib import Path

from clinic_queue.opened import Add
from queue_core.errors import QueueError
from queue_core.store import Store


def _store(args: argparse.Namespace) -> Store:
    store: Store = args.opened.enter_context(closing(Store.open(args.db)))
    return store


def _folder(args: argparse.Namespace, store: Store) -> Path:
    if args.folder:
        return Path(args.folder)
    if not store.config.voice.clips:
        raise QueueError("No voice folder: name one, or set clips in the clinic file's [voice].")
    return store.path.parent / store.config.voice.clips


def cmd_voice_clips(args: argparse.Namespace) -> None:
    from display_server.voice import VoiceError, build_clips, espeak_path

    store = _store(args)
    folder = _folder(args, store)
    program = espeak_path()
    if program is None:
        raise QueueError("espeak-ng is not installed (make voice, or apt-get install espeak-ng).")
    try:
        count = build_clips(store.config, folder, program)
    except (VoiceError, OSError) as exc:
        raise QueueError(f"Cannot write the voice folder {folder}: {exc}") from None
    print(f"Wrote {count} clips to {folder} (espeak-ng): re-record any of them in your own voice.")


def cmd_voice_check(args: argparse.Namespace) -> None:
    from display_server.voice import missing_clips, needed

    store = _store(args)
    folder = _folder(args, store)
    problems = missing_clips(store.config, folder)
    total = len(needed(store.config))
    for line in problems:
        print(line)
    if problems:
        raise QueueError(f"{folder}: {len(problems)} problems in a folder of {total} clips.")
    print(f"{folder}: all {total} clips present and usable.")


def add_voice_commands(add: Add) -> None:
    help_dir = "the voice folder (default: [voice] clips of the clinic file)"
    p = add("voice-clips", cmd_voice_clips, "write a complete default voice folder with espeak-ng")
    p.add_argument("folder", nargs="?", metavar="DIR", help=help_dir)
    p = add("voice-check", cmd_voice_check, "list the clips a voice folder lacks or cannot use")
    p.add_argument("folder", nargs="?", metavar="DIR", help=help_dir)
