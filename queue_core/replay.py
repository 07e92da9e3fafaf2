"""Rebuild the tables from the event log alone: the proof that the log tells the whole story."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from queue_core.events import Event
from queue_core.store import TABLE_KEYS

Tables = dict[str, dict[Any, dict[str, Any]]]


def _key(table: str, row: dict[str, Any]) -> Any:
    columns = TABLE_KEYS[table]
    return row[columns[0]] if len(columns) == 1 else tuple(row[c] for c in columns)


def replay(events: Iterable[Event]) -> Tables:
    """Apply every event's changed and removed rows in order; returns {table: {key: row}}."""
    tables: Tables = {table: {} for table in TABLE_KEYS}
    for event in events:
        for table in TABLE_KEYS:
            for row in event.changed(table):
                tables[table][_key(table, row)] = dict(row)
        for table, keys in event.payload.get("changes", {}).get("removed", {}).items():
            for key in keys:
                tables[table].pop(key, None)
    return tables


def current_tables(conn: Any) -> Tables:
    """The live tables in the same shape as `replay` returns, for comparison."""
    return {
        table: {_key(table, dict(r)): dict(r) for r in conn.execute(f"SELECT * FROM {table}")}
        for table in TABLE_KEYS
    }
