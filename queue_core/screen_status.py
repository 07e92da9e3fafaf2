"""Which desks the display server's screens show right now, in a small file beside the database.

A desk console reads only the database's files, yet a nurse must know when nobody sees her
calls: the server down, or no screen of her room connected. Connections come and go all day;
as events they would flood the audit log, so the server keeps this file instead, written whole
(a temporary file, then a rename) on each change and every REFRESH_SECONDS, and removed when it
stops. A file older than STALE_SECONDS is a server that died without removing it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

REFRESH_SECONDS = 5.0
STALE_SECONDS = 15.0  # three refreshes missed
# A call that no registered screen has announced after this long was probably never shown.
ACK_WAIT_SECONDS = 10.0


def status_path(db: Path) -> Path:
    return db.with_name(db.name + ".screens")


@dataclass(frozen=True)
class ScreenStatus:
    written_at: float  # seconds since the epoch, by the server's clock
    desks: dict[str, int]  # desk id -> screens connected that show it


class Unseen(Enum):
    """Why this desk's calls may be reaching nobody."""

    NO_SERVER = "no_server"
    NO_SCREEN = "no_screen"
    NO_RECEIPT = "no_receipt"


def write_status(db: Path, status: ScreenStatus) -> None:
    path = status_path(db)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(
        json.dumps({"written_at": status.written_at, "desks": status.desks}), encoding="utf-8"
    )
    os.replace(temporary, path)


def remove_status(db: Path) -> None:
    status_path(db).unlink(missing_ok=True)


def read_status(db: Path) -> ScreenStatus | None:
    """None when there is no server's file, or not one this version can read."""
    try:
        data = json.loads(status_path(db).read_text(encoding="utf-8"))
        desks = {str(k): int(v) for k, v in data["desks"].items()}
        return ScreenStatus(float(data["written_at"]), desks)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def unseen(
    status: ScreenStatus | None,
    desk_id: str,
    now: float,
    unacknowledged_for: float | None,
) -> Unseen | None:
    """`unacknowledged_for`: seconds since the desk's current call, when registered screens show
    this desk and none has announced it yet; None when there is nothing to wait for."""
    if status is None or now - status.written_at > STALE_SECONDS:
        return Unseen.NO_SERVER
    if not status.desks.get(desk_id):
        return Unseen.NO_SCREEN
    if unacknowledged_for is not None and unacknowledged_for >= ACK_WAIT_SECONDS:
        return Unseen.NO_RECEIPT
    return None
