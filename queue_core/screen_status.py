"""Which desks the display servers' screens show right now, in the database they follow.

A desk console reads only the database, yet a nurse must know when nobody sees her calls: no
server running, or no screen of her room connected to any of the clinic's servers.
Connections come and go all day; as events they would flood the audit log, so each server
keeps one row of its own outside the log instead (`server_screens`), rewritten on each change
and every REFRESH_SECONDS, and deleted when it stops. Readers add up the rows rewritten within
STALE_SECONDS: an older row is a server that died without deleting it (its clock is the
writer's: the servers' hosts keep their clocks in step, as NTP does).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from enum import Enum

from queue_core.store import Store

REFRESH_SECONDS = 5.0
STALE_SECONDS = 15.0  # three refreshes missed
FORGET_SECONDS = 3600.0  # a dead server's row is deleted by the next write this much later
# A call that no registered screen has announced after this long was probably never shown.
ACK_WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class ScreenStatus:
    written_at: float  # seconds since the epoch, by the server's clock
    desks: dict[str, int]  # desk id -> screens connected that show it


class Unseen(Enum):
    """Why this desk's calls may be reaching nobody."""

    NO_SERVER = "no_server"
    NO_SCREEN = "no_screen"
    NO_RECEIPT = "no_receipt"


def write_status(store: Store, server: str, status: ScreenStatus) -> None:
    """`server`'s row, in place of its last one."""
    with store.write() as tx:
        tx.unlogged(
            "DELETE FROM server_screens WHERE server = ? OR written_at < ?",
            (server, status.written_at - FORGET_SECONDS),
        )
        tx.unlogged(
            "INSERT INTO server_screens (server, written_at, desks) VALUES (?, ?, ?)",
            (server, status.written_at, json.dumps(status.desks, sort_keys=True)),
        )


def remove_status(store: Store, server: str) -> None:
    with store.write() as tx:
        tx.unlogged("DELETE FROM server_screens WHERE server = ?", (server,))


def read_status(store: Store, now: float | None = None) -> ScreenStatus | None:
    """The screens of every server still running, added up per desk, as of the latest of
    their rows; None when no server has written one within STALE_SECONDS."""
    moment = time.time() if now is None else now
    with store.read() as conn:
        rows = conn.execute(
            "SELECT written_at, desks FROM server_screens WHERE written_at >= ?",
            (moment - STALE_SECONDS,),
        ).fetchall()
    if not rows:
        return None
    desks: dict[str, int] = {}
    for row in rows:
        for desk, count in json.loads(row[1]).items():
            desks[str(desk)] = desks.get(str(desk), 0) + int(count)
    return ScreenStatus(max(float(row[0]) for row in rows), desks)


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
