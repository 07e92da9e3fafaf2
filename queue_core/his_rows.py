"""The rows of a HIS export checked against the clinic's configuration, before any database work.

A row is an appointment, booked or cancelled in the HIS (退号), or refused with every problem it
has. Nothing here reads the queue: what a row does to a ticket is decided by `his_diff`.
Only the last 4 digits of a phone number are kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from queue_core.config import ClinicConfig
from queue_core.his_file import Record

COLUMNS = ("external_id", "name", "queue", "slot_start", "phone", "priority", "desk", "status")
REQUIRED = ("external_id", "name", "queue", "slot_start")
# The `status` column: what HIS exports write for a live booking and for a refund (退号).
BOOKED = frozenset(("", "booked", "正常", "已预约"))
CANCELLED = frozenset(("cancelled", "canceled", "退号", "已退号", "已取消"))
# Spreadsheets write 2026/11/23 9:30 for what the HIS exported as 2026-11-23 09:30.
_SLASHED = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})")
_SHORT_HOUR = re.compile(r"(^|[ T])(\d):(\d\d)")


@dataclass(frozen=True)
class Appointment:
    where: str  # "line 7" or "item 3": how every message about the row names it
    external_id: str
    name: str
    queue: str
    slot_start: datetime
    day: str  # the service day: the date of the slot start, in clinic time
    phone_last4: str
    priority: str | None
    desk: str | None
    cancelled: bool  # 退号: the HIS cancelled this appointment


@dataclass(frozen=True)
class Refused:
    where: str
    problems: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.where}: {'; '.join(self.problems)}"


@dataclass(frozen=True)
class Rows:
    appointments: list[Appointment]
    refused: list[Refused]


def parse_slot(text: str, config: ClinicConfig, today: str) -> datetime:
    """A full date and time, or only HH:MM for an export of the day's appointments."""
    text = _SLASHED.sub(lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", text)
    text = _SHORT_HOUR.sub(lambda m: f"{m[1]}0{m[2]}:{m[3]}", text, count=1)
    if len(text) <= 5 and ":" in text:
        text = f"{today} {text}"
    slot = datetime.fromisoformat(text)
    return slot.replace(tzinfo=config.tz) if slot.tzinfo is None else slot


def _fields(raw: dict[str, Any]) -> dict[str, str]:
    return {k: ("" if raw.get(k) is None else str(raw.get(k)).strip()) for k in COLUMNS}


def _slot_problems(
    text: str, config: ClinicConfig, today: str
) -> tuple[datetime | None, list[str]]:
    try:
        slot = parse_slot(text, config, today)
    except ValueError:
        return None, [
            f"slot_start {text!r} is not a time (HH:MM) or a date and time (YYYY-MM-DD HH:MM)"
        ]
    local = slot.astimezone(config.tz)
    if (local.hour * 60 + local.minute) % config.slot_minutes or local.second:
        return slot, [f"slot_start {text!r} is not on a {config.slot_minutes}-minute slot boundary"]
    return slot, []


def _problems(fields: dict[str, str], config: ClinicConfig) -> list[str]:
    """What is wrong with a row's fields other than its slot."""
    problems = [f"{column} is empty" for column in REQUIRED if not fields[column]]
    queue = config.queue(fields["queue"]) if fields["queue"] else None
    if fields["queue"] and queue is None:
        problems.append(f"unknown queue {fields['queue']!r}")
    if fields["priority"] and config.priority(fields["priority"]) is None:
        problems.append(f"unknown priority class {fields['priority']!r}")
    if fields["desk"]:
        desk = config.desk(fields["desk"])
        if desk is None:
            problems.append(f"unknown desk {fields['desk']!r}")
        elif queue is not None and queue.id not in desk.queues:
            problems.append(f"desk {desk.id!r} does not serve queue {queue.id!r}")
    digits = "".join(ch for ch in fields["phone"] if ch.isdigit())
    if fields["phone"] and len(digits) < 4:
        problems.append(f"phone {fields['phone']!r} has fewer than 4 digits")
    status = fields["status"].lower()
    if status not in BOOKED and status not in CANCELLED:
        problems.append(f"status {fields['status']!r} is neither booked nor cancelled (退号)")
    return problems


def check_rows(label: str, records: Sequence[Record], config: ClinicConfig, today: str) -> Rows:
    """Every record checked; a refused row lists all its problems on its own."""
    appointments: list[Appointment] = []
    refused: list[Refused] = []
    seen: set[str] = set()
    for number, raw in records:
        where = f"{label} {number}"
        if "__bad__" in raw:
            refused.append(Refused(where, ("expected an object",)))
            continue
        fields = _fields(raw)
        problems = _problems(fields, config)
        slot: datetime | None = None
        if fields["slot_start"]:
            slot, found = _slot_problems(fields["slot_start"], config, today)
            problems += found
        external_id = fields["external_id"]
        if external_id and external_id in seen:
            problems.append(f"external_id {external_id!r} appears twice in the file")
        seen.add(external_id)
        if problems or slot is None:
            refused.append(Refused(where, tuple(problems)))
            continue
        digits = "".join(ch for ch in fields["phone"] if ch.isdigit())
        appointments.append(
            Appointment(
                where=where,
                external_id=external_id,
                name=fields["name"],
                queue=fields["queue"],
                slot_start=slot,
                day=slot.astimezone(config.tz).date().isoformat(),
                phone_last4=digits[-4:],
                priority=fields["priority"] or None,
                desk=fields["desk"] or None,
                cancelled=fields["status"].lower() in CANCELLED,
            )
        )
    return Rows(appointments, refused)
