"""The rows of a HIS export checked against the clinic's configuration, before any database work.

A row is an appointment, booked or cancelled in the HIS (退号), or refused with every problem it
has. Nothing here reads the queue: what a row does to a ticket is decided by `his_diff`.
Only the last 4 digits of a phone number are kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from queue_core.config import ClinicConfig
from queue_core.errors import TextRefused
from queue_core.his_file import Record
from queue_core.text import NAME_LIMIT, cleaned, phone_last4

COLUMNS = ("external_id", "name", "queue", "slot_start", "phone", "priority", "desk", "status")
REQUIRED = ("external_id", "name", "queue", "slot_start")
# The `status` column: what HIS exports write for a live booking and for a refund (退号).
BOOKED = frozenset(("", "booked", "正常", "已预约"))
CANCELLED = frozenset(("cancelled", "canceled", "退号", "已退号", "已取消"))
# Spreadsheets write 2026/11/23 9:30 for what the HIS exported as 2026-11-23 09:30.
_SLASHED = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})")
_SHORT_HOUR = re.compile(r"(^|[ T])(\d):(\d\d)")
# A slot further from today than this is a typo (2062 for 2026), not an appointment.
HORIZON_DAYS = 366
# JSON values that are not text: a number is read as its digits for these, refused elsewhere.
_NUMBERS_READ = frozenset(("external_id", "phone"))
_CLEANED = frozenset(("external_id", "name"))  # stored as given, shown to staff
_JSON_KINDS = {bool: "true or false", int: "a number", float: "a number", list: "an array"}


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


def _fields(raw: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(the row's columns as text, the problem of each column that is no text). Names and
    ids are cleaned (queue_core/text.py) before anything compares them."""
    fields: dict[str, str] = {}
    refused: dict[str, str] = {}
    for column in COLUMNS:
        value = raw.get(column)
        if value is None:
            value = ""
        elif isinstance(value, int) and not isinstance(value, bool) and column in _NUMBERS_READ:
            value = str(value)
        elif not isinstance(value, str):
            kind = _JSON_KINDS.get(type(value), "an object")
            refused[column] = f"{column} must be text, not {kind}"
            value = ""
        if column in _CLEANED and column not in refused:
            try:
                value = cleaned(value, column, NAME_LIMIT)
            except TextRefused as exc:
                refused[column] = exc.problem
                value = ""
        fields[column] = value.strip()
    return fields, refused


def _slot_problems(
    text: str, config: ClinicConfig, today: str
) -> tuple[datetime | None, list[str]]:
    try:
        slot = parse_slot(text, config, today)
    except ValueError:
        return None, [
            f"slot_start {text!r} is not a time (HH:MM) or a date and time (YYYY-MM-DD HH:MM)"
        ]
    try:
        local = slot.astimezone(config.tz)
    except OverflowError:  # the first or last days Python can hold, in another zone
        local = None
    if local is None or abs((local.date() - date.fromisoformat(today)).days) > HORIZON_DAYS:
        return None, [f"slot_start {text!r} is more than a year from today"]
    if (local.hour * 60 + local.minute) % config.slot_minutes or local.second:
        return slot, [f"slot_start {text!r} is not on a {config.slot_minutes}-minute slot boundary"]
    return slot, []


def _problems(fields: dict[str, str], refused: dict[str, str], config: ClinicConfig) -> list[str]:
    """What is wrong with a row's fields other than its slot; `refused`: the columns that are
    no text, with their problem."""
    problems = list(refused.values())
    problems += [f"{c} is empty" for c in REQUIRED if not fields[c] and c not in refused]
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
    try:
        phone_last4(fields["phone"])
    except TextRefused as exc:
        problems.append(exc.problem)
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
        fields, refused_columns = _fields(raw)
        problems = _problems(fields, refused_columns, config)
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
        appointments.append(
            Appointment(
                where=where,
                external_id=external_id,
                name=fields["name"],
                queue=fields["queue"],
                slot_start=slot,
                day=slot.astimezone(config.tz).date().isoformat(),
                phone_last4=phone_last4(fields["phone"]),
                priority=fields["priority"] or None,
                desk=fields["desk"] or None,
                cancelled=fields["status"].lower() in CANCELLED,
            )
        )
    return Rows(appointments, refused)
