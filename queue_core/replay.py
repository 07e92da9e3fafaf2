"""Rebuild the tables from the event log alone: the proof that the log tells the whole story."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from queue_core.model import Event

Tables = dict[str, dict[Any, dict[str, Any]]]


def replay(events: Iterable[Event]) -> Tables:
    """Apply every event's changed rows in order; returns {table: {key: row}}."""
    tables: Tables = {"tickets": {}, "desks": {}, "counters": {}, "receipts": {}}
    for event in events:
        changes = event.payload.get("changes", {})
        for row in changes.get("tickets", []):
            tables["tickets"][row["id"]] = dict(row)
        for row in changes.get("desks", []):
            tables["desks"][row["id"]] = dict(row)
        for row in changes.get("counters", []):
            tables["counters"][(row["day"], row["queue"])] = dict(row)
        for row in changes.get("receipts", []):
            tables["receipts"][(row["call_seq"], row["screen"])] = dict(row)
        if event.type == "configure":
            kept = set(event.payload.get("desks", []))
            tables["desks"] = {k: v for k, v in tables["desks"].items() if k in kept}
    return tables


def current_tables(conn: Any) -> Tables:
    """The live tables in the same shape as `replay` returns, for comparison."""
    return {
        "tickets": {r["id"]: dict(r) for r in conn.execute("SELECT * FROM tickets")},
        "desks": {r["id"]: dict(r) for r in conn.execute("SELECT * FROM desks")},
        "counters": {
            (r["day"], r["queue"]): dict(r) for r in conn.execute("SELECT * FROM counters")
        },
        "receipts": {
            (r["call_seq"], r["screen"]): dict(r) for r in conn.execute("SELECT * FROM receipts")
        },
    }
