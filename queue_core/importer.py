"""Appointments from the hospital information system (HIS), by CSV or JSON file.

All or nothing: every row is checked first, every bad row is reported with its line, and
nothing is written unless all rows are good. Only the last 4 digits of a phone number are kept.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from queue_core.config import ClinicConfig
from queue_core.errors import ImportRejected
from queue_core.events import Imported
from queue_core.model import Source
from queue_core.registration import make_ticket
from queue_core.store import Store

COLUMNS = ("external_id", "name", "queue", "slot_start", "phone", "priority", "desk")
REQUIRED = ("external_id", "name", "queue", "slot_start")


@dataclass(frozen=True)
class Appointment:
    external_id: str
    name: str
    queue: str
    slot_start: datetime
    phone: str
    priority: str | None
    desk: str | None


def _records(path: Path, text: str) -> tuple[str, list[tuple[int, dict[str, Any]]]]:
    """(what a row is called, [(its line or item number, its fields)])."""
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportRejected(
                str(path), [f"line {exc.lineno}: not valid JSON ({exc.msg})"]
            ) from None
        if not isinstance(data, list):
            raise ImportRejected(str(path), ["the file must hold a JSON array of objects"])
        return "item", [
            (i, r if isinstance(r, dict) else {"__bad__": r}) for i, r in enumerate(data, 1)
        ]
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportRejected(str(path), [f"line 1: missing column(s) {', '.join(missing)}"])
    rows: list[tuple[int, dict[str, Any]]] = []
    for row in reader:
        rows.append((reader.line_num, row))
    return "line", rows


def _slot(text: str, config: ClinicConfig, today: str) -> datetime:
    """A full date and time, or only HH:MM for an export of the day's appointments."""
    if len(text) <= 5 and ":" in text:
        text = f"{today} {text}"
    slot = datetime.fromisoformat(text)
    return slot.replace(tzinfo=config.tz) if slot.tzinfo is None else slot


def _check(
    where: str, raw: dict[str, Any], config: ClinicConfig, today: str, seen: set[str]
) -> tuple[Appointment | None, list[str]]:
    if "__bad__" in raw:
        return None, [f"{where}: expected an object"]
    problems: list[str] = []
    fields = {k: ("" if raw.get(k) is None else str(raw.get(k)).strip()) for k in COLUMNS}
    for column in REQUIRED:
        if not fields[column]:
            problems.append(f"{where}: {column} is empty")
    queue = config.queue(fields["queue"]) if fields["queue"] else None
    if fields["queue"] and queue is None:
        problems.append(f"{where}: unknown queue {fields['queue']!r}")
    slot: datetime | None = None
    if fields["slot_start"]:
        try:
            slot = _slot(fields["slot_start"], config, today)
        except ValueError:
            problems.append(
                f"{where}: slot_start {fields['slot_start']!r} is not a time (HH:MM)"
                " or a date and time (YYYY-MM-DD HH:MM)"
            )
        else:
            local = slot.astimezone(config.tz)
            minutes = local.hour * 60 + local.minute
            if minutes % config.slot_minutes or local.second:
                problems.append(
                    f"{where}: slot_start {fields['slot_start']!r} is not on a"
                    f" {config.slot_minutes}-minute slot boundary"
                )
    if fields["priority"] and config.priority(fields["priority"]) is None:
        problems.append(f"{where}: unknown priority class {fields['priority']!r}")
    if fields["desk"]:
        desk = config.desk(fields["desk"])
        if desk is None:
            problems.append(f"{where}: unknown desk {fields['desk']!r}")
        elif queue is not None and queue.id not in desk.queues:
            problems.append(f"{where}: desk {desk.id!r} does not serve queue {queue.id!r}")
    phone_digits = "".join(ch for ch in fields["phone"] if ch.isdigit())
    if fields["phone"] and len(phone_digits) < 4:
        problems.append(f"{where}: phone {fields['phone']!r} has fewer than 4 digits")
    if fields["external_id"]:
        if fields["external_id"] in seen:
            problems.append(
                f"{where}: external_id {fields['external_id']!r} appears twice in the file"
            )
        seen.add(fields["external_id"])
    if problems or slot is None:
        return None, problems
    return Appointment(
        fields["external_id"],
        fields["name"],
        fields["queue"],
        slot,
        phone_digits,
        fields["priority"] or None,
        fields["desk"] or None,
    ), []


def import_appointments(store: Store, path: Path, actor: str, now: datetime | None = None) -> int:
    """Import every appointment of the file or none; returns how many were imported."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ImportRejected(str(path), [f"cannot read the file ({exc.strerror})"]) from None
    except UnicodeDecodeError:
        raise ImportRejected(str(path), ["the file is not UTF-8 text"]) from None
    label, records = _records(path, text)
    if not records:
        raise ImportRejected(str(path), ["no rows"])
    problems: list[str] = []
    good: list[Appointment] = []
    seen: set[str] = set()
    today = store.today(now)
    for number, raw in records:
        appointment, found = _check(f"{label} {number}", raw, store.config, today, seen)
        problems.extend(found)
        if appointment is not None:
            good.append(appointment)
    with store.write(now) as tx:
        known = {
            r[0]
            for r in tx.read.execute(
                "SELECT external_id FROM tickets WHERE external_id IS NOT NULL"
            ).fetchall()
        }
        for number, raw in records:
            ext = str(raw.get("external_id") or "").strip()
            if ext in known:
                problems.append(f"{label} {number}: external_id {ext!r} was already imported")
        if problems:
            raise ImportRejected(str(path), problems)
        good.sort(key=lambda a: a.slot_start)
        for a in good:
            queue = tx.config.queue(a.queue)
            assert queue is not None
            day = a.slot_start.astimezone(tx.config.tz).date().isoformat()
            ticket = make_ticket(
                tx,
                queue,
                day,
                Source.APPOINTMENT,
                name=a.name,
                phone=a.phone,
                priority=a.priority,
                desk=a.desk,
                external_id=a.external_id,
                slot_start=a.slot_start,
            )
            tx.save_ticket(ticket)
        tx.append(Imported(reason=path.name, count=len(good)), actor)
        return len(good)
