"""Ticket slips as text files: where they go, private to the clinic's user, gone with their day.

A slip holds the patient's secret phone link, so its file is readable by its owner only (0600,
in a directory only its owner can list, 0700), and the purge that erases its day's personal
data (queue_core/retention.py) removes it. A slip's file is named by its ticket's service day
and number, which is all the purge needs to know of it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

TICKET_DIR_ENV = "CLINIC_QUEUE_TICKET_DIR"
_SLIP_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-[^/]+\.txt$")


def slip_dir(db_path: Path) -> Path:
    """Where slips are written: $CLINIC_QUEUE_TICKET_DIR, else `tickets/` beside the database."""
    return Path(os.environ.get(TICKET_DIR_ENV) or db_path.parent / "tickets")


def write_slip(directory: Path, day: str, number: str, text: str) -> Path:
    """Write one slip, readable by its owner only, and return its path."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if directory.stat().st_uid == os.geteuid():
        directory.chmod(0o700)  # a folder made before slips were private is closed too
    path = directory / f"{day}-{number}.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8") as out:
        os.fchmod(fd, 0o600)  # a slip printed again keeps no wider mode it had
        out.write(text)
    return path


def remove_slips(directory: Path, through: str) -> int:
    """Remove the slips of every day up to `through` (inclusive); returns how many went."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in names:
        found = _SLIP_NAME.match(name)
        if found and found.group(1) <= through:
            try:
                (directory / name).unlink()
            except FileNotFoundError:
                continue
            removed += 1
    return removed
