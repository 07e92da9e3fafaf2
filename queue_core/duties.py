"""What the display servers of one clinic share in its database, so that two or more of them
(docs/scaling.md, "Several servers") act as one.

A job due once per clinic (a backup copy) is claimed by the name of its occasion before it is
done: the first server whose claim commits does it, the others find the name taken and skip
it. The claim is a row of the database every server writes to, so it holds across hosts and
on either engine; a server that dies between its claim and the job loses that one occasion,
and the next occasion is claimed anew. A secret every server must derive the same codes from
(the phones' check-in codes) is made by the first server that needs it and read by the rest.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

from queue_core.store import Store, iso

KEEP_CLAIMS = timedelta(days=7)  # older claims are of occasions long past: deleted with a new one
SECRET_BYTES = 32


def server_name() -> str:
    """Who holds a claim: this host and process, and a nonce for a pid the host reused."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def claim(store: Store, occasion: str, holder: str, now: datetime | None = None) -> bool:
    """True if `holder` is the server that does the job of `occasion` (its claim, or its own
    earlier one); False when another server claimed it first."""
    with store.write(now) as tx:
        tx.unlogged("DELETE FROM duties WHERE at < ?", (iso(tx.now - KEEP_CLAIMS),))
        taken = tx.unlogged("SELECT holder FROM duties WHERE name = ?", (occasion,)).fetchone()
        if taken is not None:
            return str(taken[0]) == holder
        tx.unlogged(
            "INSERT INTO duties (name, holder, at) VALUES (?, ?, ?)",
            (occasion, holder, iso(tx.now)),
        )
        return True


def shared_secret(store: Store, name: str) -> bytes:
    """The clinic's secret `name`, made by the first server that asks for it."""
    with store.read() as conn:
        row = conn.execute("SELECT value FROM server_secrets WHERE name = ?", (name,)).fetchone()
    if row is not None:
        return bytes.fromhex(str(row[0]))
    with store.write() as tx:
        row = tx.unlogged("SELECT value FROM server_secrets WHERE name = ?", (name,)).fetchone()
        if row is not None:  # another server made it between the read and this write
            return bytes.fromhex(str(row[0]))
        made = secrets.token_bytes(SECRET_BYTES)
        tx.unlogged("INSERT INTO server_secrets (name, value) VALUES (?, ?)", (name, made.hex()))
        return made
