"""An operation run at most once per idempotency key (docs/staff-api.md, "command").

The key and the answer are stored in the same transaction as the operation's change: either
both are committed or neither, so a console whose answer was lost with the network sends the
same key again and gets the stored answer, never a second call of the next patient.
"""

from __future__ import annotations

import json
import re
from typing import Any

from queue_core.errors import QueueError
from queue_core.operations import Args, Json, Operation
from queue_core.staff import Account
from queue_core.store import Store, iso

KEY = re.compile(r"[0-9a-f]{32}")


class KeyReused(QueueError):
    """The key was used for another operation or by another member: a client's bug."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Command key {key} was used for another command already.", "key_reused", key=key
        )


def run_once(store: Store, key: str, op: Operation, args: Args, account: Account) -> Json:
    """`op`'s answer for `key`: the stored one if it ran already, else it runs now. A refusal
    stores nothing (it changed nothing), so the same key may be sent again."""
    with store.write() as tx:
        row = tx.unlogged(
            "SELECT name, op, result FROM staff_commands WHERE key = ?", (key,)
        ).fetchone()
        if row is not None:
            if (row[0], row[1]) != (account.name, op.name):
                raise KeyReused(key)
            stored: dict[str, Any] = json.loads(row[2])
            return stored
        value = op.run(store, args, account.actor)
        tx.unlogged(
            "INSERT INTO staff_commands (key, name, op, day, at, result) VALUES (?, ?, ?, ?, ?, ?)",
            (key, account.name, op.name, tx.day, iso(tx.now), json.dumps(value)),
        )
        return value
